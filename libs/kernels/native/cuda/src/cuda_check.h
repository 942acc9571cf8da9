// Turns a failed CUDA runtime call into a C++ exception naming the call, so the binding can rethrow it to JavaScript.
#pragma once
#include <cuda_runtime.h>
#include <stdexcept>
#include <string>

namespace bpcuda {

/** Throws std::runtime_error "cuda: <what>: <error name>: <error text>" when status is not cudaSuccess. */
inline void check(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  throw std::runtime_error(std::string("cuda: ") + what + ": " + cudaGetErrorName(status) + ": " + cudaGetErrorString(status));
}

}  // namespace bpcuda

#define BP_CUDA(call) ::bpcuda::check((call), #call)
