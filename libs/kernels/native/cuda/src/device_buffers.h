// Grow-only device scratch buffers, one per role, so repeated calls do not pay cudaMalloc each time.
#pragma once
#include <cstddef>

namespace bpcuda {

/** The roles a call's device buffers play; each role keeps its own buffer between calls. */
enum class Slot { A, B, C, Planes, RowSums, Thresholds, Directions, Count };

/** A device buffer of at least `bytes` bytes for `slot` (contents undefined); throws on allocation failure. */
void* scratch(Slot slot, size_t bytes);

template <typename T>
T* scratchOf(Slot slot, size_t count) {
  return static_cast<T*>(scratch(slot, count * sizeof(T)));
}

/** Records the start of a call's kernels. */
void kernelTimerStart();
/** Records the end of a call's kernels; lastKernelMs() reads the interval once the device has reached it. */
void kernelTimerStop();

}  // namespace bpcuda
