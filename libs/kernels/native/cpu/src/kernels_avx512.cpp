// AVX-512 path (F + BW + VL + VPOPCNTDQ): XOR / AND then vpopcntq on 512-bit words, 4 activation rows x 6 weight
// rows per register tile (24 accumulators), masked loads for the tail of a row so nothing past it is read.
#if defined(__x86_64__)  // x86-64 only: elsewhere this file compiles to nothing
#include <immintrin.h>

#include <cstring>

#include "kernel_table.h"

namespace bitplane {
namespace {

constexpr size_t kRows = 4;
constexpr size_t kCols = 6;

/** Sum of the 8 64-bit lanes (by halves: no stack round trip). */
inline uint64_t laneSum(__m512i v) {
  const __m256i h = _mm512_castsi512_si256(_mm512_add_epi64(v, _mm512_shuffle_i64x2(v, v, 0x4e)));
  const __m128i q = _mm_add_epi64(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  return static_cast<uint64_t>(_mm_cvtsi128_si64(q)) + static_cast<uint64_t>(_mm_extract_epi64(q, 1));
}

template <bool kAnd, size_t RA, size_t RW>
void popTileFixed(const uint64_t* a, size_t lda, const uint64_t* w, size_t ldw, size_t kw, int32_t* pop) {
  if (kw == 0) {  // never called so; keeps GCC from keeping a zeroed copy of the accumulators on the stack
    for (size_t i = 0; i < RA * RW; i++) pop[i] = 0;
    return;
  }
  __m512i acc[RA][RW];
  for (size_t r = 0; r < RA; r++)
    for (size_t c = 0; c < RW; c++) acc[r][c] = _mm512_setzero_si512();
  // One loop for the whole row: the last step's masked loads stop at the row's end (masked-off words are never
  // read), and a single loop body keeps all accumulators in registers.
  const __mmask8 tail = (kw & 7) ? static_cast<__mmask8>((1u << (kw & 7)) - 1u) : static_cast<__mmask8>(0xff);
  for (size_t k = 0; k < kw; k += 8) {
    const __mmask8 m = k + 8 <= kw ? static_cast<__mmask8>(0xff) : tail;
    __m512i av[RA];
    for (size_t r = 0; r < RA; r++) av[r] = _mm512_maskz_loadu_epi64(m, a + r * lda + k);
    for (size_t c = 0; c < RW; c++) {
      const __m512i wv = _mm512_maskz_loadu_epi64(m, w + c * ldw + k);
      for (size_t r = 0; r < RA; r++) {
        const __m512i x = kAnd ? _mm512_and_si512(av[r], wv) : _mm512_xor_si512(av[r], wv);
        acc[r][c] = _mm512_add_epi64(acc[r][c], _mm512_popcnt_epi64(x));
      }
    }
  }
  for (size_t r = 0; r < RA; r++)
    for (size_t c = 0; c < RW; c++) pop[r * RW + c] = static_cast<int32_t>(laneSum(acc[r][c]));
}

template <bool kAnd, size_t RA>
void popTileRows(const uint64_t* a, size_t lda, const uint64_t* w, size_t ldw, size_t rw, size_t kw, int32_t* pop) {
  switch (rw) {
    case 1: return popTileFixed<kAnd, RA, 1>(a, lda, w, ldw, kw, pop);
    case 2: return popTileFixed<kAnd, RA, 2>(a, lda, w, ldw, kw, pop);
    case 3: return popTileFixed<kAnd, RA, 3>(a, lda, w, ldw, kw, pop);
    case 4: return popTileFixed<kAnd, RA, 4>(a, lda, w, ldw, kw, pop);
    case 5: return popTileFixed<kAnd, RA, 5>(a, lda, w, ldw, kw, pop);
    default: return popTileFixed<kAnd, RA, 6>(a, lda, w, ldw, kw, pop);
  }
}

template <bool kAnd>
void popTile(const uint64_t* a, size_t lda, size_t ra, const uint64_t* w, size_t ldw, size_t rw, size_t kw, int32_t* pop) {
  switch (ra) {
    case 1: return popTileRows<kAnd, 1>(a, lda, w, ldw, rw, kw, pop);
    case 2: return popTileRows<kAnd, 2>(a, lda, w, ldw, rw, kw, pop);
    case 3: return popTileRows<kAnd, 3>(a, lda, w, ldw, rw, kw, pop);
    default: return popTileRows<kAnd, 4>(a, lda, w, ldw, rw, kw, pop);
  }
}

// Float x times +-1 weights: each weight bit that is 0 flips the sign bit of x (masked XOR), then one add.
template <size_t RA, size_t RW>
void signTileFixed(const float* x, size_t ldx, const uint8_t* w, size_t ldwBytes, size_t k, float* out) {
  const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u));
  __m512 acc[RA][RW];
  for (size_t r = 0; r < RA; r++)
    for (size_t c = 0; c < RW; c++) acc[r][c] = _mm512_setzero_ps();
  for (size_t j = 0; j < k; j += 16) {
    const size_t left = k - j;
    const __mmask16 live = left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1u);
    __m512i xv[RA];
    for (size_t r = 0; r < RA; r++) xv[r] = _mm512_castps_si512(_mm512_maskz_loadu_ps(live, x + r * ldx + j));
    for (size_t c = 0; c < RW; c++) {
      // j is a multiple of 16 below k, so these two bytes lie inside the 64-bit padded row.
      uint16_t bits;
      std::memcpy(&bits, w + c * ldwBytes + (j >> 3), sizeof bits);
      const __mmask16 negate = static_cast<__mmask16>(~bits);
      for (size_t r = 0; r < RA; r++) {
        acc[r][c] = _mm512_add_ps(acc[r][c], _mm512_castsi512_ps(_mm512_mask_xor_epi32(xv[r], negate, xv[r], sign)));
      }
    }
  }
  alignas(64) float lanes[16];
  for (size_t r = 0; r < RA; r++) {
    for (size_t c = 0; c < RW; c++) {
      _mm512_store_ps(lanes, acc[r][c]);
      float s = 0.0f;
      for (float v : lanes) s += v;
      out[r * RW + c] = s;
    }
  }
}

template <size_t RA>
void signTileRows(const float* x, size_t ldx, const uint8_t* w, size_t ldwBytes, size_t rw, size_t k, float* out) {
  switch (rw) {
    case 1: return signTileFixed<RA, 1>(x, ldx, w, ldwBytes, k, out);
    case 2: return signTileFixed<RA, 2>(x, ldx, w, ldwBytes, k, out);
    case 3: return signTileFixed<RA, 3>(x, ldx, w, ldwBytes, k, out);
    case 4: return signTileFixed<RA, 4>(x, ldx, w, ldwBytes, k, out);
    case 5: return signTileFixed<RA, 5>(x, ldx, w, ldwBytes, k, out);
    default: return signTileFixed<RA, 6>(x, ldx, w, ldwBytes, k, out);
  }
}

void signTile(const float* x, size_t ldx, size_t ra, const uint8_t* w, size_t ldwBytes, size_t rw, size_t k, float* out) {
  switch (ra) {
    case 1: return signTileRows<1>(x, ldx, w, ldwBytes, rw, k, out);
    case 2: return signTileRows<2>(x, ldx, w, ldwBytes, rw, k, out);
    case 3: return signTileRows<3>(x, ldx, w, ldwBytes, rw, k, out);
    default: return signTileRows<4>(x, ldx, w, ldwBytes, rw, k, out);
  }
}

// Bit b of 64 input bytes is one plane word: vptestmb against (1 << b) yields it directly.
void toPlanes(const uint8_t* x, size_t k, size_t kw, uint64_t* planes, int32_t* planePop) {
  uint64_t pops[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < kw; i++) {
    const size_t j = i * 64;
    const size_t left = j < k ? k - j : 0;
    const __mmask64 live = left >= 64 ? ~static_cast<__mmask64>(0) : ((static_cast<__mmask64>(1) << left) - 1);
    const __m512i v = _mm512_maskz_loadu_epi8(live, x + j);
    for (unsigned b = 0; b < 8; b++) {
      const uint64_t word = _cvtmask64_u64(_mm512_test_epi8_mask(v, _mm512_set1_epi8(static_cast<char>(1u << b))));
      planes[b * kw + i] = word;
      pops[b] += static_cast<uint64_t>(_mm_popcnt_u64(word));
    }
  }
  for (unsigned b = 0; b < 8; b++) planePop[b] = static_cast<int32_t>(pops[b]);
}

const KernelTable kTable = {"avx512", kRows, kCols, popTile<false>, popTile<true>, signTile, toPlanes};

}  // namespace

const KernelTable& avx512Kernels() { return kTable; }

}  // namespace bitplane

#endif  // __x86_64__
