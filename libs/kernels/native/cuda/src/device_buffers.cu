// Grow-only scratch buffers and the kernel timer (see device_buffers.h). Callers hold the binding's lock.
#include "cuda_check.h"
#include "device_buffers.h"
#include "ops.h"

namespace bpcuda {
namespace {

struct Buffer {
  void* ptr = nullptr;
  size_t capacity = 0;
};

Buffer buffers[static_cast<int>(Slot::Count)];
cudaEvent_t timerStart = nullptr, timerStop = nullptr;
bool timerRecorded = false;

}  // namespace

void* scratch(Slot slot, size_t bytes) {
  Buffer& b = buffers[static_cast<int>(slot)];
  if (bytes == 0) bytes = 8;
  if (bytes > b.capacity) {
    if (b.ptr) BP_CUDA(cudaFree(b.ptr));
    b.ptr = nullptr;
    b.capacity = 0;
    // Round up so slowly growing shapes do not reallocate on every call.
    size_t want = bytes + bytes / 4;
    BP_CUDA(cudaMalloc(&b.ptr, want));
    b.capacity = want;
  }
  return b.ptr;
}

void kernelTimerStart() {
  if (!timerStart) {
    BP_CUDA(cudaEventCreate(&timerStart));
    BP_CUDA(cudaEventCreate(&timerStop));
  }
  BP_CUDA(cudaEventRecord(timerStart));
}

void kernelTimerStop() {
  BP_CUDA(cudaGetLastError());  // a bad launch configuration shows up here
  BP_CUDA(cudaEventRecord(timerStop));
  timerRecorded = true;
}

float lastKernelMs() {
  if (!timerRecorded) return 0.0f;
  BP_CUDA(cudaEventSynchronize(timerStop));
  float ms = 0.0f;
  BP_CUDA(cudaEventElapsedTime(&ms, timerStart, timerStop));
  return ms;
}

}  // namespace bpcuda
