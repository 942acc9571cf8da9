// Scalar path: 64-bit popcount (the popcnt instruction on x86-64, compiled with -mpopcnt), 2 x 2 register tiles.
#include <cstring>

#include "kernel_table.h"

namespace bitplane {
namespace {

constexpr size_t kRows = 2;
constexpr size_t kCols = 2;

template <bool kAnd>
void popTile(const uint64_t* a, size_t lda, size_t ra, const uint64_t* w, size_t ldw, size_t rw, size_t kw, int32_t* pop) {
  if (ra == kRows && rw == kCols) {
    // The full tile keeps four running counts in registers and reuses each loaded word twice.
    uint64_t c00 = 0, c01 = 0, c10 = 0, c11 = 0;
    const uint64_t* a0 = a;
    const uint64_t* a1 = a + lda;
    const uint64_t* w0 = w;
    const uint64_t* w1 = w + ldw;
    for (size_t k = 0; k < kw; k++) {
      const uint64_t x0 = a0[k], x1 = a1[k], y0 = w0[k], y1 = w1[k];
      c00 += __builtin_popcountll(kAnd ? x0 & y0 : x0 ^ y0);
      c01 += __builtin_popcountll(kAnd ? x0 & y1 : x0 ^ y1);
      c10 += __builtin_popcountll(kAnd ? x1 & y0 : x1 ^ y0);
      c11 += __builtin_popcountll(kAnd ? x1 & y1 : x1 ^ y1);
    }
    pop[0] = static_cast<int32_t>(c00);
    pop[1] = static_cast<int32_t>(c01);
    pop[2] = static_cast<int32_t>(c10);
    pop[3] = static_cast<int32_t>(c11);
    return;
  }
  for (size_t r = 0; r < ra; r++) {
    for (size_t c = 0; c < rw; c++) {
      uint64_t n = 0;
      for (size_t k = 0; k < kw; k++) {
        const uint64_t x = a[r * lda + k], y = w[c * ldw + k];
        n += __builtin_popcountll(kAnd ? x & y : x ^ y);
      }
      pop[r * rw + c] = static_cast<int32_t>(n);
    }
  }
}

void signTile(const float* x, size_t ldx, size_t ra, const uint8_t* w, size_t ldwBytes, size_t rw, size_t k, float* out) {
  for (size_t r = 0; r < ra; r++) {
    for (size_t c = 0; c < rw; c++) {
      const float* xr = x + r * ldx;
      const uint8_t* wc = w + c * ldwBytes;
      // One running sum per output: a double keeps it as accurate as the wide SIMD paths' many partial sums.
      double acc = 0.0;
      for (size_t j = 0; j < k; j++) {
        if ((wc[j >> 3] >> (j & 7)) & 1) acc += xr[j];
        else acc -= xr[j];
      }
      out[r * rw + c] = static_cast<float>(acc);
    }
  }
}

void toPlanes(const uint8_t* x, size_t k, size_t kw, uint64_t* planes, int32_t* planePop) {
  std::memset(planes, 0, 8 * kw * sizeof(uint64_t));
  for (size_t j = 0; j < k; j++) {
    const unsigned v = x[j];
    for (unsigned b = 0; b < 8; b++) planes[b * kw + (j >> 6)] |= static_cast<uint64_t>((v >> b) & 1u) << (j & 63);
  }
  for (unsigned b = 0; b < 8; b++) {
    uint64_t n = 0;
    for (size_t i = 0; i < kw; i++) n += __builtin_popcountll(planes[b * kw + i]);
    planePop[b] = static_cast<int32_t>(n);
  }
}

const KernelTable kTable = {"scalar", kRows, kCols, popTile<false>, popTile<true>, signTile, toPlanes};

}  // namespace

const KernelTable& scalarKernels() { return kTable; }

}  // namespace bitplane
