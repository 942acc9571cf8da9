// Reports the driver, the device and whether this build has code for it, without throwing.
#include "cuda_check.h"
#include "ops.h"

namespace bpcuda {

bool popcountKernelImage(std::string* error);  // popcount_gemm.cu

DeviceInfo probe() {
  DeviceInfo info;
  cudaRuntimeGetVersion(&info.runtimeVersion);
  const cudaError_t status = cudaGetDeviceCount(&info.deviceCount);
  if (status != cudaSuccess) {
    info.deviceCount = 0;
    info.errorName = cudaGetErrorName(status);
    info.error = cudaGetErrorString(status);
    cudaGetLastError();  // clear, so a later probe starts clean
    return info;
  }
  cudaDriverGetVersion(&info.driverVersion);
  if (info.deviceCount == 0) return info;
  cudaDeviceProp prop;
  const cudaError_t propStatus = cudaGetDeviceProperties(&prop, 0);
  if (propStatus != cudaSuccess) {
    info.errorName = cudaGetErrorName(propStatus);
    info.error = std::string("cudaGetDeviceProperties: ") + cudaGetErrorString(propStatus);
    cudaGetLastError();
    return info;
  }
  info.name = prop.name;
  info.major = prop.major;
  info.minor = prop.minor;
  info.multiprocessors = prop.multiProcessorCount;
  info.kernelImage = popcountKernelImage(&info.kernelImageError);
  return info;
}

}  // namespace bpcuda
