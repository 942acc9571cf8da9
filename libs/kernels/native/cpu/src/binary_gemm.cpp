#include "binary_gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "thread_pool.h"

namespace bitplane {
namespace {

// Below this many word pairs a call runs on the calling thread: waking workers would cost more than it saves.
constexpr size_t kInlineWork = size_t(1) << 15;
// The weight rows one task sweeps are sized to stay in L2 while every activation tile streams past them.
constexpr size_t kPanelBytes = 256 * 1024;
constexpr size_t kMaxTile = 8;

inline size_t ceilDiv(size_t a, size_t b) { return (a + b - 1) / b; }

/** A split of the n x m output into tasks of nBlock rows x mBlock columns (mBlock a multiple of 64). */
struct Plan {
  size_t nBlock, mBlock, nTasks, mTasks;
  size_t tasks() const { return nTasks * mTasks; }
};

Plan plan(size_t n, size_t m, size_t rowBytes, size_t work) {
  const int threads = ThreadPool::instance().threads();
  if (threads == 1 || work < kInlineWork) return {n, ceilDiv(m, 64) * 64, 1, 1};
  size_t mBlock = std::max<size_t>(64, kPanelBytes / rowBytes / 64 * 64);
  size_t nBlock = 64;
  const size_t want = static_cast<size_t>(threads) * 4;  // enough tasks to balance uneven tiles
  auto count = [&] { return ceilDiv(n, nBlock) * ceilDiv(m, mBlock); };
  while (count() < want && nBlock > 8) nBlock /= 2;
  while (count() < want && mBlock > 64) mBlock = std::max<size_t>(64, mBlock / 2 / 64 * 64);
  mBlock = std::min(mBlock, ceilDiv(m, 64) * 64);
  nBlock = std::min(nBlock, n);
  return {nBlock, mBlock, ceilDiv(n, nBlock), ceilDiv(m, mBlock)};
}

template <typename Body>
void runPlan(const Plan& p, size_t n, size_t m, Body body) {
  ThreadPool::instance().run(p.tasks(), [&](size_t task) {
    const size_t ti = task / p.mTasks, tj = task % p.mTasks;
    const size_t n0 = ti * p.nBlock, m0 = tj * p.mBlock;
    body(n0, std::min(n, n0 + p.nBlock), m0, std::min(m, m0 + p.mBlock));
  });
}

// Branch-free: (acc - thr) * dir >= 0 is acc >= thr for dir = +1 and acc <= thr for dir = -1.
inline uint32_t fires(int64_t acc, int32_t thr, int8_t dir) { return static_cast<uint32_t>((acc - thr) * dir >= 0); }

/** ORs up to 8 output bits, bit c for column j0 + c, into a packed row with two byte updates at most. */
inline void orBits(uint8_t* row, size_t j0, uint32_t bits) {
  const uint32_t v = bits << (j0 & 7);
  row[j0 >> 3] |= static_cast<uint8_t>(v);
  if (v >> 8) row[(j0 >> 3) + 1] |= static_cast<uint8_t>(v >> 8);
}

/** Zeroes the output bytes a task owns: columns [m0, m1) of rows [n0, n1), plus the row padding for the last block. */
void clearBits(uint8_t* out, size_t outRowBytes, size_t n0, size_t n1, size_t m0, size_t m1, size_t m) {
  const size_t b0 = m0 / 8, b1 = m1 == m ? outRowBytes : m1 / 8;
  for (size_t i = n0; i < n1; i++) std::memset(out + i * outRowBytes + b0, 0, b1 - b0);
}

/** XOR-popcount tiles over one task's block, handing each tile's counts to `emit(i0, ra, j0, rw, pop)`. */
template <typename Emit>
void xorBlock(const KernelTable& t, const uint64_t* a, const uint64_t* w, size_t kw, size_t n0, size_t n1, size_t m0, size_t m1, Emit emit) {
  int32_t pop[kMaxTile * kMaxTile];
  for (size_t i0 = n0; i0 < n1; i0 += t.tileRows) {
    const size_t ra = std::min(t.tileRows, n1 - i0);
    for (size_t j0 = m0; j0 < m1; j0 += t.tileCols) {
      const size_t rw = std::min(t.tileCols, m1 - j0);
      t.xorTile(a + i0 * kw, kw, ra, w + j0 * kw, kw, rw, kw, pop);
      emit(i0, ra, j0, rw, pop);
    }
  }
}

/** The 8 bit-planes of every input row ([n][8][kw] words) and their popcounts ([n][8]). */
struct Planes {
  std::vector<uint64_t> words;
  std::vector<int32_t> pops;
};

Planes toPlanes(const KernelTable& t, const uint8_t* x, size_t n, size_t k, size_t kw) {
  Planes p;
  p.words.resize(n * 8 * kw);
  p.pops.resize(n * 8);
  const size_t rowsPerTask = std::max<size_t>(1, kInlineWork * 8 / (k + 1));
  ThreadPool::instance().run(ceilDiv(n, rowsPerTask), [&](size_t task) {
    const size_t i1 = std::min(n, (task + 1) * rowsPerTask);
    for (size_t i = task * rowsPerTask; i < i1; i++) t.toPlanes(x + i * k, k, kw, p.words.data() + i * 8 * kw, p.pops.data() + i * 8);
  });
  return p;
}

/**
 * Bit-plane accumulators for one task's block: acc[i][j] = sum_b 2^b (2 popcount(b_ib AND w_j) - popcount(b_ib)),
 * handed to `emit(i, j0, rw, acc)` one input row and weight tile at a time.
 */
template <typename Emit>
void planeBlock(const KernelTable& t, const Planes& p, const uint64_t* w, size_t kw, size_t n0, size_t n1, size_t m0, size_t m1, Emit emit) {
  int32_t pop[8 * kMaxTile];
  int64_t acc[kMaxTile];
  for (size_t i = n0; i < n1; i++) {
    const uint64_t* planes = p.words.data() + i * 8 * kw;
    const int32_t* planePop = p.pops.data() + i * 8;
    for (size_t j0 = m0; j0 < m1; j0 += t.tileCols) {
      const size_t rw = std::min(t.tileCols, m1 - j0);
      for (size_t b0 = 0; b0 < 8; b0 += t.tileRows) {
        t.andTile(planes + b0 * kw, kw, std::min(t.tileRows, 8 - b0), w + j0 * kw, kw, rw, kw, pop + b0 * rw);
      }
      for (size_t c = 0; c < rw; c++) {
        int64_t s = 0;
        for (size_t b = 0; b < 8; b++) s += (2 * static_cast<int64_t>(pop[b * rw + c]) - planePop[b]) << b;
        acc[c] = s;
      }
      emit(i, j0, rw, acc);
    }
  }
}

}  // namespace

void xnorGemm(const KernelTable& t, const uint64_t* a, size_t n, const uint64_t* w, size_t m, size_t k, int32_t* out) {
  const size_t kw = ceilDiv(k, 64);
  const int32_t kk = static_cast<int32_t>(k);
  runPlan(plan(n, m, kw * 8, n * m * kw), n, m, [&](size_t n0, size_t n1, size_t m0, size_t m1) {
    xorBlock(t, a, w, kw, n0, n1, m0, m1, [&](size_t i0, size_t ra, size_t j0, size_t rw, const int32_t* pop) {
      for (size_t r = 0; r < ra; r++)
        for (size_t c = 0; c < rw; c++) out[(i0 + r) * m + j0 + c] = kk - 2 * pop[r * rw + c];
    });
  });
}

void xnorGemmThreshold(const KernelTable& t, const uint64_t* a, size_t n, const uint64_t* w, size_t m, size_t k, const int32_t* thr,
                       const int8_t* dir, uint8_t* out) {
  const size_t kw = ceilDiv(k, 64);
  const size_t outRowBytes = ceilDiv(m, 64) * 8;
  const int64_t kk = static_cast<int64_t>(k);
  runPlan(plan(n, m, kw * 8, n * m * kw), n, m, [&](size_t n0, size_t n1, size_t m0, size_t m1) {
    clearBits(out, outRowBytes, n0, n1, m0, m1, m);
    xorBlock(t, a, w, kw, n0, n1, m0, m1, [&](size_t i0, size_t ra, size_t j0, size_t rw, const int32_t* pop) {
      for (size_t r = 0; r < ra; r++) {
        uint32_t bits = 0;
        for (size_t c = 0; c < rw; c++) bits |= fires(kk - 2 * pop[r * rw + c], thr[j0 + c], dir[j0 + c]) << c;
        orBits(out + (i0 + r) * outRowBytes, j0, bits);
      }
    });
  });
}

void bitplaneGemm(const KernelTable& t, const uint8_t* x, size_t n, const uint64_t* w, size_t m, size_t k, int32_t* out) {
  const size_t kw = ceilDiv(k, 64);
  const Planes p = toPlanes(t, x, n, k, kw);
  runPlan(plan(n, m, kw * 8, n * m * kw * 8), n, m, [&](size_t n0, size_t n1, size_t m0, size_t m1) {
    planeBlock(t, p, w, kw, n0, n1, m0, m1, [&](size_t i, size_t j0, size_t rw, const int64_t* acc) {
      for (size_t c = 0; c < rw; c++) out[i * m + j0 + c] = static_cast<int32_t>(acc[c]);
    });
  });
}

void bitplaneGemmThreshold(const KernelTable& t, const uint8_t* x, size_t n, const uint64_t* w, size_t m, size_t k, const int32_t* thr,
                           const int8_t* dir, uint8_t* out) {
  const size_t kw = ceilDiv(k, 64);
  const size_t outRowBytes = ceilDiv(m, 64) * 8;
  const Planes p = toPlanes(t, x, n, k, kw);
  runPlan(plan(n, m, kw * 8, n * m * kw * 8), n, m, [&](size_t n0, size_t n1, size_t m0, size_t m1) {
    clearBits(out, outRowBytes, n0, n1, m0, m1, m);
    planeBlock(t, p, w, kw, n0, n1, m0, m1, [&](size_t i, size_t j0, size_t rw, const int64_t* acc) {
      uint32_t bits = 0;
      for (size_t c = 0; c < rw; c++) bits |= fires(acc[c], thr[j0 + c], dir[j0 + c]) << c;
      orBits(out + i * outRowBytes, j0, bits);
    });
  });
}

void binaryWeightGemm(const KernelTable& t, const float* x, size_t n, const uint8_t* w, size_t m, size_t k, float* out) {
  const size_t rowBytes = ceilDiv(k, 64) * 8;
  // A float row is 32 times the bytes of a packed row; plan with that so the weight panel still fits L2.
  runPlan(plan(n, m, rowBytes * 8, n * m * rowBytes), n, m, [&](size_t n0, size_t n1, size_t m0, size_t m1) {
    float tile[kMaxTile * kMaxTile];
    for (size_t i0 = n0; i0 < n1; i0 += t.tileRows) {
      const size_t ra = std::min(t.tileRows, n1 - i0);
      for (size_t j0 = m0; j0 < m1; j0 += t.tileCols) {
        const size_t rw = std::min(t.tileCols, m1 - j0);
        t.signTile(x + i0 * k, k, ra, w + j0 * rowBytes, rowBytes, rw, k, tile);
        for (size_t r = 0; r < ra; r++)
          for (size_t c = 0; c < rw; c++) out[(i0 + r) * m + j0 + c] = tile[r * rw + c];
      }
    }
  });
}

}  // namespace bitplane
