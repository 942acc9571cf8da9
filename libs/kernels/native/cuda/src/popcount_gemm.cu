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
#include "launch.h"
#include "ops.h"
#include "popcount_kernels.cuh"

namespace bpcuda {
namespace {

using namespace popcount;

template <int PL, Epilogue E>
void launchPopcount(const uint64_t* a, int rows, const uint64_t* w, int m, int words, const EpilogueArgs& e) {
  if (rows <= kMaxSmallRows) {
    const unsigned blocks = static_cast<unsigned>((static_cast<size_t>(m) * 32 + kThreads - 1) / kThreads);
    const auto kernel = &popcountSmallBatch<PL, E>;
    BP_LAUNCH(kernel, blocks, kThreads, a, rows, w, m, words, e);
  } else {
    const dim3 grid((m + kTile - 1) / kTile, (rows + kTile - 1) / kTile);
    if (grid.y > 65535) throw std::runtime_error("cuda: n = " + std::to_string(rows) + " is too many rows for one launch (at most 8388480)");
    // 8-plane tiles hold 8x the A words, so they take fewer words per step to stay within 48 KiB of shared memory.
    const auto kernel = &popcountTile<PL, PL == 1 ? 8 : 4, E>;
    BP_LAUNCH(kernel, grid, kThreads, a, rows, w, m, words, e);
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
  const unsigned blocks = static_cast<unsigned>((total + kThreads - 1) / kThreads);
  const auto kernel = &toBitPlanes;
  BP_LAUNCH(kernel, blocks, kThreads, p.x, n, k, words, p.planes, p.rowSums);
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
