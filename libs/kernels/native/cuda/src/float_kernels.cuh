// The float GEMM kernel (see float_gemm.cu). Kept in a header so the same source also runs on the CPU under
// emulate/cuda_emulation.h.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bpcuda {
namespace floatgemm {

constexpr int kTile = 128;
constexpr int kStep = 8;
constexpr int kThreads = 256;
constexpr int kPad = 4;

/** How op(B)[p][j] is read: B stored K x N, B stored N x K (transB), or the sign bits of a packed N x K matrix. */
enum class BLayout { KxN, NxK, PackedSigns };

template <bool TransA, BLayout BL>
__global__ void __launch_bounds__(kThreads)
floatGemmTile(int m, int n, int k, float alpha, const float* __restrict__ a, const void* __restrict__ bv, int bRowBytes, float beta, float* __restrict__ c) {
  __shared__ float as[kStep][kTile + kPad];
  __shared__ float bs[kStep][kTile + kPad];
  const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
  const int row0 = blockIdx.y * kTile, col0 = blockIdx.x * kTile;
  const float* bf = static_cast<const float*>(bv);
  const uint8_t* bbits = static_cast<const uint8_t*>(bv);

  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; i++) {
#pragma unroll
    for (int j = 0; j < 8; j++) acc[i][j] = 0.0f;
  }

  for (int k0 = 0; k0 < k; k0 += kStep) {
    // The index order follows the stored layout so that consecutive threads read consecutive addresses.
    for (int idx = threadIdx.x; idx < kTile * kStep; idx += kThreads) {
      int r, kk;
      if constexpr (TransA) {
        kk = idx / kTile;
        r = idx % kTile;
      } else {
        r = idx / kStep;
        kk = idx % kStep;
      }
      const int row = row0 + r, p = k0 + kk;
      float v = 0.0f;
      if (row < m && p < k) v = TransA ? a[static_cast<size_t>(p) * m + row] : a[static_cast<size_t>(row) * k + p];
      as[kk][r] = v;
    }
    for (int idx = threadIdx.x; idx < kTile * kStep; idx += kThreads) {
      int cidx, kk;
      if constexpr (BL == BLayout::KxN) {
        kk = idx / kTile;
        cidx = idx % kTile;
      } else {
        cidx = idx / kStep;
        kk = idx % kStep;
      }
      const int col = col0 + cidx, p = k0 + kk;
      float v = 0.0f;
      if (col < n && p < k) {
        if constexpr (BL == BLayout::KxN) {
          v = bf[static_cast<size_t>(p) * n + col];
        } else if constexpr (BL == BLayout::NxK) {
          v = bf[static_cast<size_t>(col) * k + p];
        } else {
          v = (bbits[static_cast<size_t>(col) * bRowBytes + (p >> 3)] >> (p & 7)) & 1 ? 1.0f : -1.0f;
        }
      }
      bs[kk][cidx] = v;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kStep; kk++) {
      float av[8], bw[8];
#pragma unroll
      for (int i = 0; i < 8; i++) av[i] = as[kk][ty + 16 * i];
#pragma unroll
      for (int j = 0; j < 8; j++) bw[j] = bs[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 8; i++) {
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = fmaf(av[i], bw[j], acc[i][j]);
      }
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 8; i++) {
    const int row = row0 + ty + 16 * i;
#pragma unroll
    for (int j = 0; j < 8; j++) {
      const int col = col0 + tx + 16 * j;
      if (row < m && col < n) {
        float* out = c + static_cast<size_t>(row) * n + col;
        // beta = 0 ignores C (which may hold NaN), as BLAS does.
        *out = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *out;
      }
    }
  }
}

}  // namespace floatgemm
}  // namespace bpcuda
