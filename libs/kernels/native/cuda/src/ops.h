// The host-side entry points of the CUDA addon. Pointers are host memory; every argument has already been
// checked (by the TypeScript backend, then again by the binding), so these functions trust their sizes.
// Each call copies its operands to the device, runs the kernels and copies the result back before returning.
#pragma once
#include <cstdint>
#include <string>

namespace bpcuda {

/** What the runtime reports about the machine (no exception: failures are reported in `error`). */
struct DeviceInfo {
  int deviceCount = 0;
  std::string errorName;   // empty when cudaGetDeviceCount succeeded
  std::string error;
  std::string name;        // device 0
  int major = 0, minor = 0, multiprocessors = 0;
  int driverVersion = 0, runtimeVersion = 0;
  bool kernelImage = false;  // whether this build holds code the device can run
  std::string kernelImageError;
};

/** Probes the driver and device 0. */
DeviceInfo probe();

/** out[n][m] = K - 2 popcount(a_n XOR w_m). a: n x rowBytes(k), w: m x rowBytes(k). */
void xnorGemm(const uint8_t* a, int n, const uint8_t* w, int m, int k, int32_t* out);

/** xnorGemm compared with thresholds / directions, written packed: out is n x rowBytes(m) bytes. */
void xnorGemmThreshold(const uint8_t* a, int n, const uint8_t* w, int m, int k, const int32_t* thresholds, const int8_t* directions, uint8_t* out);

/** out[n][m] = sum_k x[n][k] * (+-1 from w[m][k]), exact, through the 8 bit-planes of x (n x k bytes). */
void bitplaneGemm(const uint8_t* x, int n, const uint8_t* w, int m, int k, int32_t* out);

/** bitplaneGemm compared with thresholds / directions, written packed (n x rowBytes(m) bytes). */
void bitplaneGemmThreshold(const uint8_t* x, int n, const uint8_t* w, int m, int k, const int32_t* thresholds, const int8_t* directions, uint8_t* out);

/** out[n][m] = sum_k x[n][k] * (+-1 from w[m][k]) in float32. */
void binaryWeightGemm(const float* x, int n, const uint8_t* w, int m, int k, float* out);

/** Row-major C = alpha op(A) op(B) + beta C (C is read only when beta != 0). */
void sgemm(bool transA, bool transB, int m, int n, int k, float alpha, const float* a, const float* b, float beta, float* c);

/** Device time in milliseconds of the kernels of the last call (CUDA events; copies excluded). */
float lastKernelMs();

}  // namespace bpcuda
