// Float GEMMs: sgemm (with transpose flags) and binaryWeightGemm (float activations times +-1 weights read straight
// from their packed bits). One tiled kernel: 128 x 128 outputs per block, 256 threads with 8 x 8 outputs each,
// K in steps of 8 through shared memory. cuBLAS is not used: this toolkit has no static cuBLAS to link, and the
// addon must load where only the driver is installed.
#include <cstdint>

#include "cuda_check.h"
#include "device_buffers.h"
#include "ops.h"

namespace bpcuda {
namespace {

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

template <bool TransA, BLayout BL>
void launchFloatGemm(int m, int n, int k, float alpha, const float* a, const void* b, int bRowBytes, float beta, float* c) {
  const dim3 grid((n + kTile - 1) / kTile, (m + kTile - 1) / kTile);
  if (grid.y > 65535) throw std::runtime_error("cuda: m = " + std::to_string(m) + " is too many rows for one launch (at most 8388480)");
  floatGemmTile<TransA, BL><<<grid, kThreads>>>(m, n, k, alpha, a, b, bRowBytes, beta, c);
}

float* uploadFloats(Slot slot, const float* host, size_t count) {
  float* d = scratchOf<float>(slot, count);
  BP_CUDA(cudaMemcpy(d, host, count * 4, cudaMemcpyHostToDevice));
  return d;
}

}  // namespace

void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, const float* b, float beta, float* c) {
  const float* da = uploadFloats(Slot::A, a, static_cast<size_t>(m) * k);
  const float* db = uploadFloats(Slot::B, b, static_cast<size_t>(k) * n);
  float* dc = beta == 0.0f ? scratchOf<float>(Slot::C, static_cast<size_t>(m) * n) : uploadFloats(Slot::C, c, static_cast<size_t>(m) * n);
  kernelTimerStart();
  if (transA) {
    if (transB) launchFloatGemm<true, BLayout::NxK>(m, n, k, alpha, da, db, 0, beta, dc);
    else launchFloatGemm<true, BLayout::KxN>(m, n, k, alpha, da, db, 0, beta, dc);
  } else {
    if (transB) launchFloatGemm<false, BLayout::NxK>(m, n, k, alpha, da, db, 0, beta, dc);
    else launchFloatGemm<false, BLayout::KxN>(m, n, k, alpha, da, db, 0, beta, dc);
  }
  kernelTimerStop();
  BP_CUDA(cudaMemcpy(c, dc, static_cast<size_t>(m) * n * 4, cudaMemcpyDeviceToHost));
}

void binaryWeightGemm(const float* x, int n, const uint8_t* w, int m, int k, float* out) {
  const int rowBytes = (k + 63) / 64 * 8;
  const float* dx = uploadFloats(Slot::A, x, static_cast<size_t>(n) * k);
  uint8_t* dw = scratchOf<uint8_t>(Slot::B, static_cast<size_t>(m) * rowBytes);
  BP_CUDA(cudaMemcpy(dw, w, static_cast<size_t>(m) * rowBytes, cudaMemcpyHostToDevice));
  float* dout = scratchOf<float>(Slot::C, static_cast<size_t>(n) * m);
  kernelTimerStart();
  launchFloatGemm<false, BLayout::PackedSigns>(n, m, k, 1.0f, dx, dw, rowBytes, 0.0f, dout);
  kernelTimerStop();
  BP_CUDA(cudaMemcpy(out, dout, static_cast<size_t>(n) * m * 4, cudaMemcpyDeviceToHost));
}

}  // namespace bpcuda
