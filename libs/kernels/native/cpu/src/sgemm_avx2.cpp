// The 6 x 16 AVX2/FMA micro-kernel of the blocked sgemm: 12 accumulators, 2 B loads and 6 A broadcasts per k.
#if defined(__x86_64__)  // x86-64 only: elsewhere this file compiles to nothing
#include <immintrin.h>

#include "sgemm.h"

namespace bitplane {
namespace {

void microKernel(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, size_t mr, size_t nr, float alpha) {
  if (kc == 0) return;  // never called so; without it GCC mirrors the accumulators to the stack every step
  __m256 acc[kMR][2];
  for (size_t r = 0; r < kMR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (size_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_loadu_ps(bp + p * kNR);
    const __m256 b1 = _mm256_loadu_ps(bp + p * kNR + 8);
    for (size_t r = 0; r < kMR; r++) {
      const __m256 av = _mm256_broadcast_ss(ap + p * kMR + r);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  const __m256 al = _mm256_set1_ps(alpha);
  if (mr == kMR && nr == kNR) {
    for (size_t r = 0; r < kMR; r++) {
      float* cr = c + r * ldc;
      _mm256_storeu_ps(cr, _mm256_fmadd_ps(al, acc[r][0], _mm256_loadu_ps(cr)));
      _mm256_storeu_ps(cr + 8, _mm256_fmadd_ps(al, acc[r][1], _mm256_loadu_ps(cr + 8)));
    }
    return;
  }
  // Edge tile: only the live part of C is touched.
  alignas(32) float tile[kMR][kNR];
  for (size_t r = 0; r < kMR; r++) {
    _mm256_store_ps(tile[r], _mm256_mul_ps(al, acc[r][0]));
    _mm256_store_ps(tile[r] + 8, _mm256_mul_ps(al, acc[r][1]));
  }
  for (size_t r = 0; r < mr; r++)
    for (size_t j = 0; j < nr; j++) c[r * ldc + j] += tile[r][j];
}

}  // namespace

SgemmMicroKernel sgemmAvx2MicroKernel() { return microKernel; }

}  // namespace bitplane

#endif  // __x86_64__
