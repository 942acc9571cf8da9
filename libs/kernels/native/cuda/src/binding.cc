// The Node-API binding of the CUDA addon: converts JavaScript arguments, re-checks every size (the TypeScript
// backend checked them first; this is the last line before device copies), serialises calls and turns C++
// errors into JavaScript exceptions. The exports are typed in libs/kernels/src/cuda/cuda-addon.ts.
#include <napi.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>

#include "ops.h"

namespace {

// One call at a time: the device scratch buffers and the kernel timer are shared (worker threads may call too).
std::mutex gate;

int64_t rowBytes(int64_t k) { return (k + 63) / 64 * 8; }

int dimension(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1 && d <= 2147483647.0) || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be a positive 32-bit integer");
  }
  return static_cast<int>(d);
}

bool flag(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

float finiteFloat(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d == d) || d > 3.4e38 || d < -3.4e38) throw Napi::RangeError::New(info.Env(), std::string(name) + " must be finite");
  return static_cast<float>(d);
}

// A typed array argument of exactly `expected` elements of type T (napi type `kind`).
template <typename T>
T* array(const Napi::CallbackInfo& info, size_t i, const char* name, napi_typedarray_type kind, const char* kindName, int64_t expected) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kind) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a " + kindName);
  }
  Napi::TypedArrayOf<T> ta = v.As<Napi::TypedArrayOf<T>>();
  if (static_cast<int64_t>(ta.ElementLength()) != expected) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " has " + std::to_string(ta.ElementLength()) + " elements, expected " + std::to_string(expected));
  }
  return ta.Data();
}

uint8_t* bytes(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t expected) {
  return array<uint8_t>(info, i, name, napi_uint8_array, "Uint8Array", expected);
}

// Runs a device call under the lock, turning std exceptions into JavaScript errors.
template <typename F>
void guarded(const Napi::Env& env, F&& f) {
  try {
    std::lock_guard<std::mutex> lock(gate);
    f();
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

Napi::Value Probe(const Napi::CallbackInfo& info) {
  bpcuda::DeviceInfo d;
  {
    std::lock_guard<std::mutex> lock(gate);
    d = bpcuda::probe();
  }
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("deviceCount", d.deviceCount);
  o.Set("errorName", d.errorName);
  o.Set("error", d.error);
  o.Set("name", d.name);
  o.Set("major", d.major);
  o.Set("minor", d.minor);
  o.Set("multiprocessors", d.multiprocessors);
  o.Set("driverVersion", d.driverVersion);
  o.Set("runtimeVersion", d.runtimeVersion);
  o.Set("kernelImage", d.kernelImage);
  o.Set("kernelImageError", d.kernelImageError);
  return o;
}

// xnorGemm(a, n, w, m, k, out: Int32Array)
Napi::Value XnorGemm(const Napi::CallbackInfo& info) {
  const int n = dimension(info, 1, "n"), m = dimension(info, 3, "m"), k = dimension(info, 4, "k");
  const uint8_t* a = bytes(info, 0, "a", n * rowBytes(k));
  const uint8_t* w = bytes(info, 2, "w", m * rowBytes(k));
  int32_t* out = array<int32_t>(info, 5, "out", napi_int32_array, "Int32Array", static_cast<int64_t>(n) * m);
  guarded(info.Env(), [&] { bpcuda::xnorGemm(a, n, w, m, k, out); });
  return info[5];
}

// xnorGemmThreshold(a, n, w, m, k, thresholds, directions, out: Uint8Array)
Napi::Value XnorGemmThreshold(const Napi::CallbackInfo& info) {
  const int n = dimension(info, 1, "n"), m = dimension(info, 3, "m"), k = dimension(info, 4, "k");
  const uint8_t* a = bytes(info, 0, "a", n * rowBytes(k));
  const uint8_t* w = bytes(info, 2, "w", m * rowBytes(k));
  const int32_t* t = array<int32_t>(info, 5, "thresholds", napi_int32_array, "Int32Array", m);
  const int8_t* d = array<int8_t>(info, 6, "directions", napi_int8_array, "Int8Array", m);
  uint8_t* out = bytes(info, 7, "out", n * rowBytes(m));
  guarded(info.Env(), [&] { bpcuda::xnorGemmThreshold(a, n, w, m, k, t, d, out); });
  return info[7];
}

// bitplaneGemm(x, n, w, m, k, out: Int32Array)
Napi::Value BitplaneGemm(const Napi::CallbackInfo& info) {
  const int n = dimension(info, 1, "n"), m = dimension(info, 3, "m"), k = dimension(info, 4, "k");
  const uint8_t* x = bytes(info, 0, "x", static_cast<int64_t>(n) * k);
  const uint8_t* w = bytes(info, 2, "w", m * rowBytes(k));
  int32_t* out = array<int32_t>(info, 5, "out", napi_int32_array, "Int32Array", static_cast<int64_t>(n) * m);
  guarded(info.Env(), [&] { bpcuda::bitplaneGemm(x, n, w, m, k, out); });
  return info[5];
}

// bitplaneGemmThreshold(x, n, w, m, k, thresholds, directions, out: Uint8Array)
Napi::Value BitplaneGemmThreshold(const Napi::CallbackInfo& info) {
  const int n = dimension(info, 1, "n"), m = dimension(info, 3, "m"), k = dimension(info, 4, "k");
  const uint8_t* x = bytes(info, 0, "x", static_cast<int64_t>(n) * k);
  const uint8_t* w = bytes(info, 2, "w", m * rowBytes(k));
  const int32_t* t = array<int32_t>(info, 5, "thresholds", napi_int32_array, "Int32Array", m);
  const int8_t* d = array<int8_t>(info, 6, "directions", napi_int8_array, "Int8Array", m);
  uint8_t* out = bytes(info, 7, "out", n * rowBytes(m));
  guarded(info.Env(), [&] { bpcuda::bitplaneGemmThreshold(x, n, w, m, k, t, d, out); });
  return info[7];
}

// binaryWeightGemm(x: Float32Array, n, w, m, k, out: Float32Array)
Napi::Value BinaryWeightGemm(const Napi::CallbackInfo& info) {
  const int n = dimension(info, 1, "n"), m = dimension(info, 3, "m"), k = dimension(info, 4, "k");
  const float* x = array<float>(info, 0, "x", napi_float32_array, "Float32Array", static_cast<int64_t>(n) * k);
  const uint8_t* w = bytes(info, 2, "w", m * rowBytes(k));
  float* out = array<float>(info, 5, "out", napi_float32_array, "Float32Array", static_cast<int64_t>(n) * m);
  guarded(info.Env(), [&] { bpcuda::binaryWeightGemm(x, n, w, m, k, out); });
  return info[5];
}

// sgemm(transA, transB, m, n, k, alpha, a, b, beta, c)
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  const bool ta = flag(info, 0, "transA"), tb = flag(info, 1, "transB");
  const int m = dimension(info, 2, "m"), n = dimension(info, 3, "n"), k = dimension(info, 4, "k");
  const float alpha = finiteFloat(info, 5, "alpha"), beta = finiteFloat(info, 8, "beta");
  const float* a = array<float>(info, 6, "a", napi_float32_array, "Float32Array", static_cast<int64_t>(m) * k);
  const float* b = array<float>(info, 7, "b", napi_float32_array, "Float32Array", static_cast<int64_t>(k) * n);
  float* c = array<float>(info, 9, "c", napi_float32_array, "Float32Array", static_cast<int64_t>(m) * n);
  guarded(info.Env(), [&] { bpcuda::sgemm(ta, tb, m, n, k, alpha, a, b, beta, c); });
  return info[9];
}

Napi::Value LastKernelMs(const Napi::CallbackInfo& info) {
  float ms = 0.0f;
  guarded(info.Env(), [&] { ms = bpcuda::lastKernelMs(); });
  return Napi::Number::New(info.Env(), ms);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe, "probe"));
  exports.Set("xnorGemm", Napi::Function::New(env, XnorGemm, "xnorGemm"));
  exports.Set("xnorGemmThreshold", Napi::Function::New(env, XnorGemmThreshold, "xnorGemmThreshold"));
  exports.Set("bitplaneGemm", Napi::Function::New(env, BitplaneGemm, "bitplaneGemm"));
  exports.Set("bitplaneGemmThreshold", Napi::Function::New(env, BitplaneGemmThreshold, "bitplaneGemmThreshold"));
  exports.Set("binaryWeightGemm", Napi::Function::New(env, BinaryWeightGemm, "binaryWeightGemm"));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
  exports.Set("lastKernelMs", Napi::Function::New(env, LastKernelMs, "lastKernelMs"));
  return exports;
}

}  // namespace

NODE_API_MODULE(bitplane_cuda, Init)
