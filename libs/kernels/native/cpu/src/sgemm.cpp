#include "sgemm.h"

#include <algorithm>
#include <vector>

#include "isa.h"
#include "thread_pool.h"

#if defined(BITPLANE_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace bitplane {
namespace {

inline size_t ceilDiv(size_t a, size_t b) { return (a + b - 1) / b; }

// Below this many multiply-adds a call runs on the calling thread.
constexpr size_t kInlineMacs = size_t(1) << 18;
// Blocked kernel: A block kMC x kKC stays in L2, each B sliver kKC x kNR in L1; a task owns a kMC x kNC tile of C.
constexpr size_t kKC = 256;
constexpr size_t kMC = 96;
constexpr size_t kNC = 256;

void scalarMicroKernel(size_t kc, const float* ap, const float* bp, float* c, size_t ldc, size_t mr, size_t nr, float alpha) {
  float acc[kMR][kNR] = {};
  for (size_t p = 0; p < kc; p++)
    for (size_t r = 0; r < kMR; r++)
      for (size_t j = 0; j < kNR; j++) acc[r][j] += ap[p * kMR + r] * bp[p * kNR + j];
  for (size_t r = 0; r < mr; r++)
    for (size_t j = 0; j < nr; j++) c[r * ldc + j] += alpha * acc[r][j];
}

SgemmMicroKernel microKernel() {
#if defined(__x86_64__)
  static const SgemmMicroKernel k = cpuHasAvx2Fma() ? sgemmAvx2MicroKernel() : scalarMicroKernel;
  return k;
#else
  return scalarMicroKernel;
#endif
}

/** C rows [i0, i1) x cols [j0, j1) = beta * C (beta = 0 clears, so NaN in C does not survive). */
void scaleC(float* c, size_t n, size_t i0, size_t i1, size_t j0, size_t j1, float beta) {
  for (size_t i = i0; i < i1; i++) {
    float* row = c + i * n;
    if (beta == 0.0f) std::fill(row + j0, row + j1, 0.0f);
    else if (beta != 1.0f)
      for (size_t j = j0; j < j1; j++) row[j] *= beta;
  }
}

}  // namespace

bool openBlasLinked() {
#if defined(BITPLANE_HAVE_OPENBLAS)
  return true;
#else
  return false;
#endif
}

const char* blockedMicroKernelName() { return microKernel() == scalarMicroKernel ? "scalar 6x16" : "avx2-fma 6x16"; }

void sgemmOpenBlas(bool transA, bool transB, size_t m, size_t n, size_t k, float alpha, const float* a, const float* b, float beta, float* c) {
#if defined(BITPLANE_HAVE_OPENBLAS)
  // OpenBLAS's own threads stay idle: each task of our pool calls it single-threaded on a slice of C.
  static const bool single = [] {
    openblas_set_num_threads(1);
    return true;
  }();
  (void)single;
  const CBLAS_TRANSPOSE ta = transA ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = transB ? CblasTrans : CblasNoTrans;
  const int lda = static_cast<int>(transA ? m : k), ldb = static_cast<int>(transB ? k : n), ldc = static_cast<int>(n);
  const int threads = ThreadPool::instance().threads();
  size_t tasks = m * n * k < kInlineMacs ? 1 : static_cast<size_t>(threads);
  // Slice the larger of m and n; the other operand is shared by every task.
  const bool byRows = m >= n;
  const size_t extent = byRows ? m : n;
  const size_t align = byRows ? 8 : 16;
  const size_t chunk = ceilDiv(ceilDiv(extent, tasks), align) * align;
  tasks = ceilDiv(extent, chunk);
  ThreadPool::instance().run(tasks, [&](size_t t) {
    const size_t s0 = t * chunk, s1 = std::min(extent, s0 + chunk);
    if (byRows) {
      const float* as = transA ? a + s0 : a + s0 * k;
      cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(s1 - s0), static_cast<int>(n), static_cast<int>(k), alpha, as, lda, b, ldb, beta,
                  c + s0 * n, ldc);
    } else {
      const float* bs = transB ? b + s0 * k : b + s0;
      cblas_sgemm(CblasRowMajor, ta, tb, static_cast<int>(m), static_cast<int>(s1 - s0), static_cast<int>(k), alpha, a, lda, bs, ldb, beta,
                  c + s0, ldc);
    }
  });
#else
  (void)transA, (void)transB, (void)m, (void)n, (void)k, (void)alpha, (void)a, (void)b, (void)beta, (void)c;
#endif
}

namespace {

/** Packs op(A) rows [i0, i1) x depth [p0, p0 + kc) into kMR-row slivers ([sliver][p][r]), zero padded. */
void packA(bool transA, const float* a, size_t m, size_t k, size_t i0, size_t i1, size_t p0, size_t kc, float* dst) {
  for (size_t s0 = i0; s0 < i1; s0 += kMR, dst += kMR * kc) {
    const size_t rows = std::min(kMR, i1 - s0);
    if (rows < kMR) std::fill(dst, dst + kMR * kc, 0.0f);
    for (size_t r = 0; r < rows; r++) {
      if (transA) {
        const float* src = a + p0 * m + s0 + r;  // column of the stored K x M matrix
        for (size_t p = 0; p < kc; p++) dst[p * kMR + r] = src[p * m];
      } else {
        const float* src = a + (s0 + r) * k + p0;
        for (size_t p = 0; p < kc; p++) dst[p * kMR + r] = src[p];
      }
    }
  }
}

/** Packs op(B) depth [p0, p0 + kc) x columns [j0, j1) into kNR-column slivers ([sliver][p][c]), zero padded. */
void packB(bool transB, const float* b, size_t n, size_t k, size_t j0, size_t j1, size_t p0, size_t kc, float* dst) {
  for (size_t s0 = j0; s0 < j1; s0 += kNR, dst += kNR * kc) {
    const size_t cols = std::min(kNR, j1 - s0);
    if (cols < kNR) std::fill(dst, dst + kNR * kc, 0.0f);
    if (transB) {
      for (size_t c = 0; c < cols; c++) {
        const float* src = b + (s0 + c) * k + p0;  // row of the stored N x K matrix
        for (size_t p = 0; p < kc; p++) dst[p * kNR + c] = src[p];
      }
    } else {
      for (size_t p = 0; p < kc; p++) std::copy(b + (p0 + p) * n + s0, b + (p0 + p) * n + s0 + cols, dst + p * kNR);
    }
  }
}

}  // namespace

void sgemmBlocked(bool transA, bool transB, size_t m, size_t n, size_t k, float alpha, const float* a, const float* b, float beta, float* c) {
  const SgemmMicroKernel kernel = microKernel();
  // A task owns kNC columns of C (all rows): it packs each kKC x kNC block of B once and sweeps every kMC block of
  // A past it. Too few column blocks for the threads: split rows too (B is then packed once per row block).
  const size_t nTasks = ceilDiv(n, kNC);
  const size_t threads = static_cast<size_t>(ThreadPool::instance().threads());
  const bool inline1 = m * n * k < kInlineMacs;
  const size_t mSplit = inline1 ? 1 : std::min(ceilDiv(m, kMC), ceilDiv(threads * 2, nTasks));
  const size_t mChunk = ceilDiv(ceilDiv(m, mSplit), kMR) * kMR;
  const size_t mTasks = ceilDiv(m, mChunk);
  ThreadPool::instance().run(inline1 ? 1 : nTasks * mTasks, [&](size_t task) {
    const size_t tj0 = inline1 ? 0 : task % nTasks, tj1 = inline1 ? nTasks : tj0 + 1;
    const size_t r0 = inline1 ? 0 : (task / nTasks) * mChunk, r1 = inline1 ? m : std::min(m, r0 + mChunk);
    std::vector<float> ap(kMC * kKC), bp(kKC * kNC);
    for (size_t tj = tj0; tj < tj1; tj++) {
      const size_t j0 = tj * kNC, j1 = std::min(n, j0 + kNC);
      scaleC(c, n, r0, r1, j0, j1, beta);
      for (size_t p0 = 0; p0 < k; p0 += kKC) {
        const size_t kc = std::min(kKC, k - p0);
        packB(transB, b, n, k, j0, j1, p0, kc, bp.data());
        for (size_t i0 = r0; i0 < r1; i0 += kMC) {
          const size_t i1 = std::min(r1, i0 + kMC);
          packA(transA, a, m, k, i0, i1, p0, kc, ap.data());
          for (size_t js = 0; js * kNR < j1 - j0; js++) {
            const size_t nr = std::min(kNR, j1 - j0 - js * kNR);
            for (size_t is = 0; is * kMR < i1 - i0; is++) {
              const size_t mr = std::min(kMR, i1 - i0 - is * kMR);
              kernel(kc, ap.data() + is * kMR * kc, bp.data() + js * kNR * kc, c + (i0 + is * kMR) * n + j0 + js * kNR, n, mr, nr, alpha);
            }
          }
        }
      }
    }
  });
}

}  // namespace bitplane
