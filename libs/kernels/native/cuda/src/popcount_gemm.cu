// The binary GEMMs: XNOR-popcount (xnorGemm, xnorGemmThreshold) and bit-plane (bitplaneGemm, bitplaneGemmThreshold).
//
// One kernel family serves all four: operand A has PL bit-planes per row (PL = 1: +-1 activations, combined with
// the weights by XOR; PL = 8: the bit-planes of 8-bit inputs, combined with w+ by AND and weighted 2^plane), and an
// epilogue turns the popcount sum into the result (K - 2 pop, or 2 pop - rowsum) or into a packed threshold bit.
// Rows are 64-bit words with zero padding (ARCHITECTURE.md, Bit-planes), so whole words can be combined: padding
// contributes nothing to XOR or AND.
//
// Two shapes of kernel: a 128 x 128 output tile per block (256 threads, 8 x 8 outputs each, shared-memory tiles of
// 64-bit words) for batches, and one warp per weight row for batches of at most 4 rows (batch 1 inference is
// memory-bound: each weight word is read once). Both use __popcll on plain integer pipes, which every
// architecture from sm_80 to sm_90 and later runs; the 1-bit tensor-core form is not used (see docs/cuda.md).
#include <cstdint>

#include "cuda_check.h"
#include "device_buffers.h"
#include "ops.h"

namespace bpcuda {
namespace {

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

template <int PL, Epilogue E>
void launchPopcount(const uint64_t* a, int rows, const uint64_t* w, int m, int words, const EpilogueArgs& e) {
  if (rows <= kMaxSmallRows) {
    const unsigned blocks = static_cast<unsigned>((static_cast<size_t>(m) * 32 + kThreads - 1) / kThreads);
    popcountSmallBatch<PL, E><<<blocks, kThreads>>>(a, rows, w, m, words, e);
  } else {
    const dim3 grid((m + kTile - 1) / kTile, (rows + kTile - 1) / kTile);
    if (grid.y > 65535) throw std::runtime_error("cuda: n = " + std::to_string(rows) + " is too many rows for one launch (at most 8388480)");
    // 8-plane tiles hold 8x the A words, so they take fewer words per step to stay within 48 KiB of shared memory.
    popcountTile<PL, PL == 1 ? 8 : 4, E><<<grid, kThreads>>>(a, rows, w, m, words, e);
  }
}

int wordsFor(int k) { return (k + 63) / 64; }

// Copies the packed weights (m rows of `words` words) to the device.
const uint64_t* uploadWeights(const uint8_t* w, int m, int words) {
  const size_t bytes = static_cast<size_t>(m) * words * 8;
  uint64_t* dw = scratchOf<uint64_t>(Slot::B, static_cast<size_t>(m) * words);
  BP_CUDA(cudaMemcpy(dw, w, bytes, cudaMemcpyHostToDevice));
  return dw;
}

// Threshold results: a zeroed device bit matrix, then the packed rows copied back.
struct PackedOut {
  uint32_t* bits;
  int wordsPerRow;
  size_t bytes;
};

PackedOut zeroedPackedOut(int n, int m) {
  const int rowBytes = wordsFor(m) * 8;
  PackedOut o{scratchOf<uint32_t>(Slot::C, static_cast<size_t>(n) * rowBytes / 4), rowBytes / 4, static_cast<size_t>(n) * rowBytes};
  BP_CUDA(cudaMemset(o.bits, 0, o.bytes));
  return o;
}

EpilogueArgs thresholdArgs(int k, int m, const PackedOut& o, const int32_t* thresholds, const int8_t* directions) {
  int32_t* dt = scratchOf<int32_t>(Slot::Thresholds, m);
  int8_t* dd = scratchOf<int8_t>(Slot::Directions, m);
  BP_CUDA(cudaMemcpy(dt, thresholds, static_cast<size_t>(m) * 4, cudaMemcpyHostToDevice));
  BP_CUDA(cudaMemcpy(dd, directions, static_cast<size_t>(m), cudaMemcpyHostToDevice));
  EpilogueArgs e{};
  e.k = k;
  e.m = m;
  e.bits = o.bits;
  e.bitsWordsPerRow = o.wordsPerRow;
  e.thresholds = dt;
  e.directions = dd;
  return e;
}

const uint64_t* uploadPacked(const uint8_t* a, int n, int words) {
  uint64_t* da = scratchOf<uint64_t>(Slot::A, static_cast<size_t>(n) * words);
  BP_CUDA(cudaMemcpy(da, a, static_cast<size_t>(n) * words * 8, cudaMemcpyHostToDevice));
  return da;
}

// Uploads 8-bit inputs; the planes and row sums are made on the device inside the timed region by planesKernel.
struct Planes {
  const uint8_t* x;
  uint64_t* planes;
  int32_t* rowSums;
};

Planes uploadInputs(const uint8_t* x, int n, int k, int words) {
  uint8_t* dx = scratchOf<uint8_t>(Slot::A, static_cast<size_t>(n) * k);
  BP_CUDA(cudaMemcpy(dx, x, static_cast<size_t>(n) * k, cudaMemcpyHostToDevice));
  Planes p{dx, scratchOf<uint64_t>(Slot::Planes, static_cast<size_t>(n) * 8 * words), scratchOf<int32_t>(Slot::RowSums, n)};
  BP_CUDA(cudaMemset(p.rowSums, 0, static_cast<size_t>(n) * 4));
  return p;
}

void makePlanes(const Planes& p, int n, int k, int words) {
  const size_t total = static_cast<size_t>(n) * words;
  toBitPlanes<<<static_cast<unsigned>((total + kThreads - 1) / kThreads), kThreads>>>(p.x, n, k, words, p.planes, p.rowSums);
}

}  // namespace

void xnorGemm(const uint8_t* a, int n, const uint8_t* w, int m, int k, int32_t* out) {
  const int words = wordsFor(k);
  const uint64_t* da = uploadPacked(a, n, words);
  const uint64_t* dw = uploadWeights(w, m, words);
  EpilogueArgs e{};
  e.k = k;
  e.m = m;
  e.out = scratchOf<int32_t>(Slot::C, static_cast<size_t>(n) * m);
  kernelTimerStart();
  launchPopcount<1, Epilogue::Dot>(da, n, dw, m, words, e);
  kernelTimerStop();
  BP_CUDA(cudaMemcpy(out, e.out, static_cast<size_t>(n) * m * 4, cudaMemcpyDeviceToHost));
}

void xnorGemmThreshold(const uint8_t* a, int n, const uint8_t* w, int m, int k, const int32_t* thresholds, const int8_t* directions, uint8_t* out) {
  const int words = wordsFor(k);
  const uint64_t* da = uploadPacked(a, n, words);
  const uint64_t* dw = uploadWeights(w, m, words);
  const PackedOut o = zeroedPackedOut(n, m);
  const EpilogueArgs e = thresholdArgs(k, m, o, thresholds, directions);
  kernelTimerStart();
  launchPopcount<1, Epilogue::DotThreshold>(da, n, dw, m, words, e);
  kernelTimerStop();
  BP_CUDA(cudaMemcpy(out, o.bits, o.bytes, cudaMemcpyDeviceToHost));
}

void bitplaneGemm(const uint8_t* x, int n, const uint8_t* w, int m, int k, int32_t* out) {
  const int words = wordsFor(k);
  const Planes p = uploadInputs(x, n, k, words);
  const uint64_t* dw = uploadWeights(w, m, words);
  EpilogueArgs e{};
  e.k = k;
  e.m = m;
  e.out = scratchOf<int32_t>(Slot::C, static_cast<size_t>(n) * m);
  e.rowSums = p.rowSums;
  kernelTimerStart();
  makePlanes(p, n, k, words);
  launchPopcount<8, Epilogue::Planes>(p.planes, n, dw, m, words, e);
  kernelTimerStop();
  BP_CUDA(cudaMemcpy(out, e.out, static_cast<size_t>(n) * m * 4, cudaMemcpyDeviceToHost));
}

void bitplaneGemmThreshold(const uint8_t* x, int n, const uint8_t* w, int m, int k, const int32_t* thresholds, const int8_t* directions, uint8_t* out) {
  const int words = wordsFor(k);
  const Planes p = uploadInputs(x, n, k, words);
  const uint64_t* dw = uploadWeights(w, m, words);
  const PackedOut o = zeroedPackedOut(n, m);
  EpilogueArgs e = thresholdArgs(k, m, o, thresholds, directions);
  e.rowSums = p.rowSums;
  kernelTimerStart();
  makePlanes(p, n, k, words);
  launchPopcount<8, Epilogue::PlanesThreshold>(p.planes, n, dw, m, words, e);
  kernelTimerStop();
  BP_CUDA(cudaMemcpy(out, o.bits, o.bytes, cudaMemcpyDeviceToHost));
}

/** Whether this build holds code that device 0 can run (asks for one kernel's attributes). */
bool popcountKernelImage(std::string* error) {
  cudaFuncAttributes attributes;
  const cudaError_t status = cudaFuncGetAttributes(&attributes, popcountTile<1, 8, Epilogue::Dot>);
  if (status == cudaSuccess) return true;
  cudaGetLastError();
  *error = std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status);
  return false;
}

}  // namespace bpcuda
