// Row-major float32 GEMM: C = alpha op(A) op(B) + beta C. Two implementations: OpenBLAS (when the build found
// its header) run single-threaded per task of our pool, and our own blocked kernel (AVX2/FMA, or scalar).
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitplane {

/** Whether this build links OpenBLAS. */
bool openBlasLinked();

/** sgemm through OpenBLAS (requires openBlasLinked()). */
void sgemmOpenBlas(bool transA, bool transB, size_t m, size_t n, size_t k, float alpha, const float* a, const float* b, float beta, float* c);

/** sgemm through the blocked kernel of this project (AVX2/FMA micro-kernel where the CPU has it). */
void sgemmBlocked(bool transA, bool transB, size_t m, size_t n, size_t k, float alpha, const float* a, const float* b, float beta, float* c);

/** Name of the blocked kernel's micro-kernel on this CPU ("avx2-fma 6x16" or "scalar 6x16"). */
const char* blockedMicroKernelName();

// C[0..mr) x [0..nr) += alpha * sum_p aPacked[p][r] * bPacked[p][c], packed slivers of kMR rows and kNR columns.
constexpr size_t kMR = 6;
constexpr size_t kNR = 16;
using SgemmMicroKernel = void (*)(size_t kc, const float* aPacked, const float* bPacked, float* c, size_t ldc, size_t mr, size_t nr, float alpha);

#if defined(__x86_64__)
SgemmMicroKernel sgemmAvx2MicroKernel();
#endif

}  // namespace bitplane
