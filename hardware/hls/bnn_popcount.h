// Population count of a 64-bit word with shifts and adds only (no multiplier, so no DSP in HLS synthesis).
#pragma once
#include <cstdint>

namespace bnn {

/** Number of set bits in v. */
static inline int popcount64(uint64_t v) {
#pragma HLS INLINE
  v = v - ((v >> 1) & 0x5555555555555555ULL);
  v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
  v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  v = v + (v >> 8);
  v = v + (v >> 16);
  v = v + (v >> 32);
  return static_cast<int>(v & 0x7F);
}

}  // namespace bnn
