// The per-ISA kernel table: small register-blocked tiles that the ISA-neutral drivers (drivers.cpp) call.
// Each ISA lives in its own translation unit compiled with its own target flags; nothing here uses the C++
// standard library, so no inline function compiled for one ISA can be picked by the linker for another.
#pragma once
#include <cstddef>
#include <cstdint>

namespace bitplane {

// pop[r * rw + c] = popcount(a_r OP w_c) over kw 64-bit words, r < ra <= tileRows, c < rw <= tileCols.
using PopTileFn = void (*)(const uint64_t* a, size_t lda, size_t ra, const uint64_t* w, size_t ldw, size_t rw, size_t kw, int32_t* pop);

// out[r * rw + c] = sum_k x[r][k] * (bit k of w_c ? +1 : -1) over k floats, adds and subtracts only.
using SignTileFn = void (*)(const float* x, size_t ldx, size_t ra, const uint8_t* w, size_t ldwBytes, size_t rw, size_t k, float* out);

// Splits one row of k 8-bit values into 8 bit-planes (planes[b * kw .. ], zero padded) and their popcounts.
using ToPlanesFn = void (*)(const uint8_t* x, size_t k, size_t kw, uint64_t* planes, int32_t* planePop);

/** One instruction-set path: its name, tile shape and kernels. */
struct KernelTable {
  const char* name;
  size_t tileRows;  // activation rows per register tile
  size_t tileCols;  // weight rows per register tile
  PopTileFn xorTile;
  PopTileFn andTile;
  SignTileFn signTile;
  ToPlanesFn toPlanes;
};

const KernelTable& scalarKernels();
#if defined(__x86_64__) || defined(_M_X64)
const KernelTable& avx2Kernels();
const KernelTable& avx512Kernels();
#endif

}  // namespace bitplane
