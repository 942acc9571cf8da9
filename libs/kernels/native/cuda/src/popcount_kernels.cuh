// The binary GEMM kernels (see popcount_gemm.cu for the design). Kept in a header so the same source also runs on
// the CPU under emulate/cuda_emulation.h, which checks the indexing and the epilogues where no GPU exists.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bpcuda {
namespace popcount {

constexpr int kTile = 128;        // output rows and columns per block
constexpr int kThreads = 256;     // 16 x 16 threads, each 8 x 8 outputs (rows ty + 16 i, columns tx + 16 j)
constexpr int kMaxSmallRows = 4;  // batches up to this size take the warp-per-weight-row kernel
constexpr int kPad = 4;           // shared row padding in words, against bank conflicts on the tile stores

enum class Epilogue { Dot, DotThreshold, Planes, PlanesThreshold };

struct EpilogueArgs {
  int k;                        // logical K
  int m;                        // output columns
  int32_t* out;                 // Dot, Planes: n x m
  uint32_t* bits;               // thresholds: n rows of bitsWordsPerRow words, zeroed before the launch
  int bitsWordsPerRow;
  const int32_t* thresholds;
  const int8_t* directions;
  const int32_t* rowSums;       // Planes: sum_k x[n][k]
};

template <Epilogue E>
__device__ __forceinline__ void finish(const EpilogueArgs& e, int n, int m, int pop) {
  int v;
  if constexpr (E == Epilogue::Dot || E == Epilogue::DotThreshold) {
    v = e.k - 2 * pop;
  } else {
    // x . w = sum_b 2^b (2 popcount(b_b AND w+) - popcount(b_b)) and sum_b 2^b popcount(b_b) = sum_k x_k.
    v = 2 * pop - e.rowSums[n];
  }
  if constexpr (E == Epilogue::Dot || E == Epilogue::Planes) {
    e.out[static_cast<size_t>(n) * e.m + m] = v;
  } else {
    const bool on = e.directions[m] > 0 ? v >= e.thresholds[m] : v <= e.thresholds[m];
    // Bit m of a packed row is bit (m mod 32) of little-endian 32-bit word m / 32.
    if (on) atomicOr(&e.bits[static_cast<size_t>(n) * e.bitsWordsPerRow + (m >> 5)], 1u << (m & 31));
  }
}

/** popcount of the combined words: XOR for +-1 rows (PL = 1), AND for bit-planes against w+ (PL = 8). */
template <int PL>
__device__ __forceinline__ int combinedPop(uint64_t a, uint64_t w) {
  if constexpr (PL == 1) {
    return __popcll(a ^ w);
  } else {
    return __popcll(a & w);
  }
}

/** A layout: row r, plane p, word q at a[(r * PL + p) * words + q]. */
template <int PL, int KT, Epilogue E>
__global__ void __launch_bounds__(kThreads)
popcountTile(const uint64_t* __restrict__ a, int rows, const uint64_t* __restrict__ w, int m, int words, EpilogueArgs e) {
  __shared__ uint64_t as[PL][KT][kTile + kPad];
  __shared__ uint64_t ws[KT][kTile + kPad];
  const int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
  const int row0 = blockIdx.y * kTile, col0 = blockIdx.x * kTile;

  int acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; i++) {
#pragma unroll
    for (int j = 0; j < 8; j++) acc[i][j] = 0;
  }

  for (int k0 = 0; k0 < words; k0 += KT) {
    // Consecutive threads read consecutive words of a row (coalesced); out-of-range rows and words read as 0.
    for (int idx = threadIdx.x; idx < kTile * PL * KT; idx += kThreads) {
      const int kk = idx % KT;
      const int p = (idx / KT) % PL;
      const int r = idx / (KT * PL);
      const int row = row0 + r, word = k0 + kk;
      as[p][kk][r] = (row < rows && word < words) ? a[(static_cast<size_t>(row) * PL + p) * words + word] : 0ull;
    }
    for (int idx = threadIdx.x; idx < kTile * KT; idx += kThreads) {
      const int kk = idx % KT;
      const int r = idx / KT;
      const int col = col0 + r, word = k0 + kk;
      ws[kk][r] = (col < m && word < words) ? w[static_cast<size_t>(col) * words + word] : 0ull;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < KT; kk++) {
      uint64_t wv[8];
#pragma unroll
      for (int j = 0; j < 8; j++) wv[j] = ws[kk][tx + 16 * j];
#pragma unroll
      for (int p = 0; p < PL; p++) {
#pragma unroll
        for (int i = 0; i < 8; i++) {
          const uint64_t av = as[p][kk][ty + 16 * i];
#pragma unroll
          for (int j = 0; j < 8; j++) acc[i][j] += combinedPop<PL>(av, wv[j]) << p;
        }
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
      if (row < rows && col < m) finish<E>(e, row, col, acc[i][j]);
    }
  }
}

/** One warp per weight row; each lane takes every 32nd word; rows <= kMaxSmallRows. */
template <int PL, Epilogue E>
__global__ void __launch_bounds__(kThreads)
popcountSmallBatch(const uint64_t* __restrict__ a, int rows, const uint64_t* __restrict__ w, int m, int words, EpilogueArgs e) {
  const int col = static_cast<int>((static_cast<size_t>(blockIdx.x) * kThreads + threadIdx.x) >> 5);
  const int lane = threadIdx.x & 31;
  if (col >= m) return;  // uniform across the warp, so the shuffles below see all 32 lanes
  const uint64_t* wr = w + static_cast<size_t>(col) * words;
  int acc[kMaxSmallRows];
#pragma unroll
  for (int r = 0; r < kMaxSmallRows; r++) acc[r] = 0;
  for (int q = lane; q < words; q += 32) {
    const uint64_t wv = wr[q];
#pragma unroll
    for (int r = 0; r < kMaxSmallRows; r++) {
      if (r < rows) {
#pragma unroll
        for (int p = 0; p < PL; p++) acc[r] += combinedPop<PL>(a[(static_cast<size_t>(r) * PL + p) * words + q], wv) << p;
      }
    }
  }
#pragma unroll
  for (int r = 0; r < kMaxSmallRows; r++) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) acc[r] += __shfl_xor_sync(0xffffffffu, acc[r], offset);
  }
  if (lane == 0) {
#pragma unroll
    for (int r = 0; r < kMaxSmallRows; r++) {
      if (r < rows) finish<E>(e, r, col, acc[r]);
    }
  }
}

/** Splits 8-bit inputs (rows x k bytes) into bit-planes [rows][8][words] and row sums; one thread per (row, word). */
__global__ void toBitPlanes(const uint8_t* __restrict__ x, int rows, int k, int words, uint64_t* __restrict__ planes, int32_t* __restrict__ rowSums) {
  const size_t idx = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (idx >= static_cast<size_t>(rows) * words) return;
  const int row = static_cast<int>(idx / words);
  const int q = static_cast<int>(idx % words);
  uint64_t plane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int sum = 0;
  const uint8_t* xr = x + static_cast<size_t>(row) * k;
  for (int t = 0; t < 64; t++) {
    const int kk = q * 64 + t;
    if (kk >= k) break;  // padding bits stay 0
    const unsigned v = xr[kk];
    sum += static_cast<int>(v);
#pragma unroll
    for (int b = 0; b < 8; b++) plane[b] |= static_cast<uint64_t>((v >> b) & 1u) << t;
  }
#pragma unroll
  for (int b = 0; b < 8; b++) planes[(static_cast<size_t>(row) * 8 + b) * words + q] = plane[b];
  atomicAdd(&rowSums[row], sum);
}

}  // namespace popcount
}  // namespace bpcuda
