// A CPU emulation of the parts of the CUDA thread model the addon's kernels use, so their indexing, tiling, padding
// and epilogues can be checked on machines without a GPU: every thread of a block is a std::thread (from a pool kept
// for the process), __syncthreads is a std::barrier over the block, warp shuffles exchange through a per-warp
// buffer and barrier, and blocks run one after another (so `__shared__` can be a function-local static). It proves the arithmetic and the memory
// indexing of the kernel source, not its speed, its register use or anything about real hardware.
#pragma once
#include <barrier>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __shared__ static

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace emu {

inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
inline std::barrier<>* blockBarrier = nullptr;

struct Warp {
  std::unique_ptr<std::barrier<>> barrier;
  int value[32];
};
inline std::vector<Warp> warps;

/** A block's worth of threads, started once and reused: run(job) calls job(t) on thread t and waits for all. */
class BlockPool {
 public:
  explicit BlockPool(unsigned size) : size_(size) {
    for (unsigned t = 0; t < size; t++) threads_.emplace_back([this, t] { loop(t); });
  }

  void run(const std::function<void(unsigned)>& job) {
    std::unique_lock<std::mutex> lock(mutex_);
    job_ = &job;
    remaining_ = size_;
    generation_++;
    start_.notify_all();
    done_.wait(lock, [this] { return remaining_ == 0; });
  }

  /** The pool for blocks of `size` threads (never destroyed: its threads wait until the process exits). */
  static BlockPool& of(unsigned size) {
    static std::mutex m;
    static std::map<unsigned, BlockPool*> pools;
    std::lock_guard<std::mutex> lock(m);
    BlockPool*& p = pools[size];
    if (!p) p = new BlockPool(size);
    return *p;
  }

 private:
  void loop(unsigned t) {
    unsigned long long seen = 0;
    for (;;) {
      const std::function<void(unsigned)>* job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        start_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = job_;
      }
      (*job)(t);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--remaining_ == 0) done_.notify_one();
    }
  }

  unsigned size_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  const std::function<void(unsigned)>* job_ = nullptr;
  unsigned remaining_ = 0;
  unsigned long long generation_ = 0;
};

/** Runs kernel(args...) over grid x block, one block at a time, each thread of a block on its own std::thread. */
template <typename Kernel, typename... Args>
void launch(dim3 grid, dim3 block, Kernel kernel, Args... args) {
  gridDim = grid;
  blockDim = block;
  const unsigned threads = block.x * block.y * block.z;
  for (unsigned bz = 0; bz < grid.z; bz++) {
    for (unsigned by = 0; by < grid.y; by++) {
      for (unsigned bx = 0; bx < grid.x; bx++) {
        std::barrier<> barrier(static_cast<std::ptrdiff_t>(threads));
        blockBarrier = &barrier;
        warps.clear();
        warps.resize((threads + 31) / 32);
        for (auto& w : warps) w.barrier = std::make_unique<std::barrier<>>(32);
        BlockPool::of(threads).run([&](unsigned t) {
          threadIdx = dim3(t % block.x, (t / block.x) % block.y, t / (block.x * block.y));
          blockIdx = dim3(bx, by, bz);
          kernel(args...);
        });
      }
    }
  }
}

}  // namespace emu

using emu::blockDim;
using emu::blockIdx;
using emu::gridDim;
using emu::threadIdx;

inline void __syncthreads() { emu::blockBarrier->arrive_and_wait(); }

inline int __popcll(unsigned long long v) { return __builtin_popcountll(v); }

inline unsigned atomicOr(unsigned* address, unsigned v) { return __atomic_fetch_or(address, v, __ATOMIC_SEQ_CST); }

inline int atomicAdd(int* address, int v) { return __atomic_fetch_add(address, v, __ATOMIC_SEQ_CST); }

// All 32 lanes of the warp must call it (the kernels only shuffle in warps that are whole).
inline int __shfl_xor_sync(unsigned /*mask*/, int v, int laneMask) {
  const unsigned t = threadIdx.x + threadIdx.y * blockDim.x + threadIdx.z * blockDim.x * blockDim.y;
  emu::Warp& w = emu::warps[t / 32];
  const unsigned lane = t % 32;
  w.value[lane] = v;
  w.barrier->arrive_and_wait();
  const int other = w.value[lane ^ static_cast<unsigned>(laneMask)];
  w.barrier->arrive_and_wait();
  return other;
}

inline float fmaf(float a, float b, float c) { return std::fma(a, b, c); }
