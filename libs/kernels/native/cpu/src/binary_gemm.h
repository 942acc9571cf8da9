// The binary operations over whole matrices: task split over the thread pool, cache blocking, epilogues
// (K - 2 popcount, bit-plane sums, thresholds into packed bits). Arguments are already checked by the caller.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernel_table.h"

namespace bitplane {

/** out[i][j] = k - 2 popcount(a_i XOR w_j); a is n x kw words, w is m x kw words, kw = ceil(k / 64). */
void xnorGemm(const KernelTable& t, const uint64_t* a, size_t n, const uint64_t* w, size_t m, size_t k, int32_t* out);

/** Packed n x m output bits: acc >= thr[j] when dir[j] = +1, acc <= thr[j] when dir[j] = -1. */
void xnorGemmThreshold(const KernelTable& t, const uint64_t* a, size_t n, const uint64_t* w, size_t m, size_t k, const int32_t* thr,
                       const int8_t* dir, uint8_t* out);

/** out[i][j] = sum_k x[i][k] * (+-1 of w_j), through the 8 bit-planes of x (n x k bytes). */
void bitplaneGemm(const KernelTable& t, const uint8_t* x, size_t n, const uint64_t* w, size_t m, size_t k, int32_t* out);

/** bitplaneGemm accumulators thresholded into packed bits, as in xnorGemmThreshold. */
void bitplaneGemmThreshold(const KernelTable& t, const uint8_t* x, size_t n, const uint64_t* w, size_t m, size_t k, const int32_t* thr,
                           const int8_t* dir, uint8_t* out);

/** out[i][j] = sum_k x[i][k] * (+-1 of w_j) in float (adds and subtracts only). */
void binaryWeightGemm(const KernelTable& t, const float* x, size_t n, const uint8_t* w, size_t m, size_t k, float* out);

}  // namespace bitplane
