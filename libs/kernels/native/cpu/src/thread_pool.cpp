#include "thread_pool.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace bitplane {

namespace {
// Workers spin this many rounds after a job before sleeping, so back-to-back calls skip the futex wake-up.
constexpr int kSpinRounds = 20000;

inline void cpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}
}  // namespace

ThreadPool& ThreadPool::instance() {
  // Leaked on purpose: joining threads from a static destructor at process exit can deadlock.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

ThreadPool::~ThreadPool() { stopWorkers(); }

void ThreadPool::stopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  stop_ = false;
}

void ThreadPool::resize(int threads) {
  if (threads < 1) threads = 1;
  std::lock_guard<std::mutex> runLock(runMutex_);
  if (threads == threads_.load() && static_cast<int>(workers_.size()) == threads - 1) return;
  stopWorkers();
  const uint64_t gen = generation_.load();
  for (int i = 1; i < threads; i++) workers_.emplace_back([this, gen] { workerLoop(gen); });
  threads_.store(threads);
}

void ThreadPool::drain() {
  const std::function<void(size_t)>& task = *job_;
  for (;;) {
    const size_t t = nextTask_.fetch_add(1);
    if (t >= jobTasks_) break;
    task(t);
  }
}

void ThreadPool::workerLoop(uint64_t seenGeneration) {
  for (;;) {
    // Spin briefly for the next job, then sleep on the condition variable.
    int spins = 0;
    while (generation_.load(std::memory_order_acquire) == seenGeneration && spins < kSpinRounds) {
      cpuRelax();
      spins++;
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return generation_.load() != seenGeneration; });
      seenGeneration = generation_.load();
      if (stop_) return;
      if (job_ == nullptr) continue;
      busyWorkers_++;
    }
    drain();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--busyWorkers_ == 0) done_.notify_all();
    }
  }
}

void ThreadPool::run(size_t tasks, const std::function<void(size_t)>& task) {
  if (tasks == 0) return;
  std::lock_guard<std::mutex> runLock(runMutex_);
  if (workers_.empty() || tasks == 1) {
    for (size_t t = 0; t < tasks; t++) task(t);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &task;
    jobTasks_ = tasks;
    nextTask_.store(0);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  drain();
  std::unique_lock<std::mutex> lock(mutex_);
  // A worker that joins late finds no task left and leaves at once; wait for those that took one.
  done_.wait(lock, [&] { return busyWorkers_ == 0; });
  job_ = nullptr;
}

}  // namespace bitplane
