// AVX2 path: XOR / AND, then a nibble-table popcount (vpshufb) into byte accumulators that are widened with
// vpsadbw before they can overflow; 2 activation rows x 3 weight rows per register tile (AVX2 has 16 registers).
// Tail words (fewer than 4) use the scalar popcnt instruction.
#if defined(__x86_64__)  // x86-64 only: elsewhere this file compiles to nothing
#include <immintrin.h>

#include <cstring>

#include "kernel_table.h"

namespace bitplane {
namespace {

constexpr size_t kRows = 2;
constexpr size_t kCols = 3;
// A byte accumulator gains at most 8 per step (two nibbles of at most 4 bits): 31 steps stay below 256.
constexpr size_t kStepsPerFlush = 31;

template <bool kAnd, size_t RA, size_t RW>
void popTileFixed(const uint64_t* a, size_t lda, const uint64_t* w, size_t ldw, size_t kw, int32_t* pop) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i wide[RA][RW];
  for (size_t r = 0; r < RA; r++)
    for (size_t c = 0; c < RW; c++) wide[r][c] = _mm256_setzero_si256();
  const size_t full = kw / 4;
  size_t step = 0;
  while (step < full) {
    const size_t steps = full - step < kStepsPerFlush ? full - step : kStepsPerFlush;
    __m256i bytes[RA][RW];
    for (size_t r = 0; r < RA; r++)
      for (size_t c = 0; c < RW; c++) bytes[r][c] = _mm256_setzero_si256();
    for (size_t s = 0; s < steps; s++) {
      const size_t k = (step + s) * 4;
      __m256i av[RA];
      for (size_t r = 0; r < RA; r++) av[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + r * lda + k));
      for (size_t c = 0; c < RW; c++) {
        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + c * ldw + k));
        for (size_t r = 0; r < RA; r++) {
          const __m256i x = kAnd ? _mm256_and_si256(av[r], wv) : _mm256_xor_si256(av[r], wv);
          const __m256i lo = _mm256_shuffle_epi8(lut, _mm256_and_si256(x, low));
          const __m256i hi = _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(x, 4), low));
          bytes[r][c] = _mm256_add_epi8(bytes[r][c], _mm256_add_epi8(lo, hi));
        }
      }
    }
    for (size_t r = 0; r < RA; r++)
      for (size_t c = 0; c < RW; c++) wide[r][c] = _mm256_add_epi64(wide[r][c], _mm256_sad_epu8(bytes[r][c], _mm256_setzero_si256()));
    step += steps;
  }
  for (size_t r = 0; r < RA; r++) {
    for (size_t c = 0; c < RW; c++) {
      const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(wide[r][c]), _mm256_extracti128_si256(wide[r][c], 1));
      uint64_t n = static_cast<uint64_t>(_mm_cvtsi128_si64(s)) + static_cast<uint64_t>(_mm_extract_epi64(s, 1));
      for (size_t k = full * 4; k < kw; k++) {
        const uint64_t x = a[r * lda + k], y = w[c * ldw + k];
        n += static_cast<uint64_t>(_mm_popcnt_u64(kAnd ? x & y : x ^ y));
      }
      pop[r * RW + c] = static_cast<int32_t>(n);
    }
  }
}

template <bool kAnd, size_t RA>
void popTileRows(const uint64_t* a, size_t lda, const uint64_t* w, size_t ldw, size_t rw, size_t kw, int32_t* pop) {
  switch (rw) {
    case 1: return popTileFixed<kAnd, RA, 1>(a, lda, w, ldw, kw, pop);
    case 2: return popTileFixed<kAnd, RA, 2>(a, lda, w, ldw, kw, pop);
    default: return popTileFixed<kAnd, RA, 3>(a, lda, w, ldw, kw, pop);
  }
}

template <bool kAnd>
void popTile(const uint64_t* a, size_t lda, size_t ra, const uint64_t* w, size_t ldw, size_t rw, size_t kw, int32_t* pop) {
  if (ra == 1) return popTileRows<kAnd, 1>(a, lda, w, ldw, rw, kw, pop);
  return popTileRows<kAnd, 2>(a, lda, w, ldw, rw, kw, pop);
}

// Expands 8 weight bits into a per-lane sign mask (lane set where the bit is 0), XORs it into x, then adds.
template <size_t RA, size_t RW>
void signTileFixed(const float* x, size_t ldx, const uint8_t* w, size_t ldwBytes, size_t k, float* out) {
  const __m256i laneBit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  const __m256i sign = _mm256_set1_epi32(static_cast<int>(0x80000000u));
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256 acc[RA][RW];
  for (size_t r = 0; r < RA; r++)
    for (size_t c = 0; c < RW; c++) acc[r][c] = _mm256_setzero_ps();
  for (size_t j = 0; j < k; j += 8) {
    const size_t left = k - j;
    // maskload never touches lanes whose mask is clear, so the tail of a row is not read past its end.
    const __m256i live = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left >= 8 ? 8 : left)), lanes);
    __m256 xv[RA];
    for (size_t r = 0; r < RA; r++) xv[r] = _mm256_maskload_ps(x + r * ldx + j, live);
    for (size_t c = 0; c < RW; c++) {
      const __m256i bits = _mm256_set1_epi32(w[c * ldwBytes + (j >> 3)]);
      const __m256i isPlus = _mm256_cmpeq_epi32(_mm256_and_si256(bits, laneBit), laneBit);
      const __m256 flip = _mm256_castsi256_ps(_mm256_andnot_si256(isPlus, sign));
      for (size_t r = 0; r < RA; r++) acc[r][c] = _mm256_add_ps(acc[r][c], _mm256_xor_ps(xv[r], flip));
    }
  }
  for (size_t r = 0; r < RA; r++) {
    for (size_t c = 0; c < RW; c++) {
      __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc[r][c]), _mm256_extractf128_ps(acc[r][c], 1));
      s = _mm_add_ps(s, _mm_movehl_ps(s, s));
      s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
      out[r * RW + c] = _mm_cvtss_f32(s);
    }
  }
}

template <size_t RA>
void signTileRows(const float* x, size_t ldx, const uint8_t* w, size_t ldwBytes, size_t rw, size_t k, float* out) {
  switch (rw) {
    case 1: return signTileFixed<RA, 1>(x, ldx, w, ldwBytes, k, out);
    case 2: return signTileFixed<RA, 2>(x, ldx, w, ldwBytes, k, out);
    default: return signTileFixed<RA, 3>(x, ldx, w, ldwBytes, k, out);
  }
}

void signTile(const float* x, size_t ldx, size_t ra, const uint8_t* w, size_t ldwBytes, size_t rw, size_t k, float* out) {
  if (ra == 1) return signTileRows<1>(x, ldx, w, ldwBytes, rw, k, out);
  return signTileRows<2>(x, ldx, w, ldwBytes, rw, k, out);
}

// Shifting bit b of every byte into its top bit lets vpmovmskb gather 32 plane bits at once.
void toPlanes(const uint8_t* x, size_t k, size_t kw, uint64_t* planes, int32_t* planePop) {
  std::memset(planes, 0, 8 * kw * sizeof(uint64_t));
  size_t j = 0;
  for (; j + 32 <= k; j += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j));
    for (unsigned b = 0; b < 8; b++) {
      const __m256i top = b == 7 ? v : _mm256_slli_epi16(v, static_cast<int>(7 - b));
      const uint64_t bits = static_cast<uint32_t>(_mm256_movemask_epi8(top));
      planes[b * kw + (j >> 6)] |= bits << (j & 63);
    }
  }
  for (; j < k; j++) {
    const unsigned v = x[j];
    for (unsigned b = 0; b < 8; b++) planes[b * kw + (j >> 6)] |= static_cast<uint64_t>((v >> b) & 1u) << (j & 63);
  }
  for (unsigned b = 0; b < 8; b++) {
    uint64_t n = 0;
    for (size_t i = 0; i < kw; i++) n += static_cast<uint64_t>(_mm_popcnt_u64(planes[b * kw + i]));
    planePop[b] = static_cast<int32_t>(n);
  }
}

const KernelTable kTable = {"avx2", kRows, kCols, popTile<false>, popTile<true>, signTile, toPlanes};

}  // namespace

const KernelTable& avx2Kernels() { return kTable; }

}  // namespace bitplane

#endif  // __x86_64__
