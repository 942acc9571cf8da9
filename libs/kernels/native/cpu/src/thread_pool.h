// A persistent pool of worker threads: created once, resized on request, never per call. The calling thread
// takes part in every job and blocks until the job is finished (the backend interface is synchronous).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace bitplane {

class ThreadPool {
 public:
  /** The process-wide pool. */
  static ThreadPool& instance();

  /** Total threads used by a job, the calling thread included (>= 1). */
  int threads() const { return threads_.load(); }

  /** Stops the old workers and starts threads - 1 new ones. */
  void resize(int threads);

  /** Runs task(0 .. tasks-1) over the pool, tasks taken dynamically; returns when all have finished. */
  void run(size_t tasks, const std::function<void(size_t)>& task);

  ~ThreadPool();

 private:
  ThreadPool() = default;
  void workerLoop(uint64_t seenGeneration);
  void stopWorkers();
  void drain();

  std::mutex runMutex_;  // one job at a time (several JS threads may share the process)
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  std::atomic<int> threads_{1};
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
  const std::function<void(size_t)>* job_ = nullptr;
  size_t jobTasks_ = 0;
  std::atomic<size_t> nextTask_{0};
  int busyWorkers_ = 0;
};

}  // namespace bitplane
