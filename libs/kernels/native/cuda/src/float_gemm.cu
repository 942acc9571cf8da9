// Float GEMMs: sgemm (with transpose flags) and binaryWeightGemm (float activations times +-1 weights read straight
// from their packed bits). One tiled kernel: 128 x 128 outputs per block, 256 threads with 8 x 8 outputs each,
// K in steps of 8 through shared memory. cuBLAS is not used: this toolkit has no static cuBLAS to link, and the
// addon must load where only the driver is installed.
#include <cstdint>

#include "cuda_check.h"
#include "device_buffers.h"
#include "float_kernels.cuh"
#include "launch.h"
#include "ops.h"

namespace bpcuda {
namespace {

using namespace floatgemm;

template <bool TransA, BLayout BL>
void launchFloatGemm(int m, int n, int k, float alpha, const float* a, const void* b, int bRowBytes, float beta, float* c) {
  const dim3 grid((n + kTile - 1) / kTile, (m + kTile - 1) / kTile);
  if (grid.y > 65535) throw std::runtime_error("cuda: m = " + std::to_string(m) + " is too many rows for one launch (at most 8388480)");
  const auto kernel = &floatGemmTile<TransA, BL>;
  BP_LAUNCH(kernel, grid, kThreads, m, n, k, alpha, a, b, bRowBytes, beta, c);
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
