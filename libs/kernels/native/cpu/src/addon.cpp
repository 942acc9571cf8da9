// The Node-API binding: converts JavaScript arguments, checks every size again (TypeError for a wrong type,
// RangeError for a wrong size or value), then calls the kernels. No computation lives here.
#include <napi.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "binary_gemm.h"
#include "isa.h"
#include "sgemm.h"
#include "thread_pool.h"

#if defined(BITPLANE_HAVE_OPENBLAS)
#include <cblas.h>
#endif

namespace {

using bitplane::KernelTable;

// Largest K for which 255 K (the largest |bit-plane accumulator|) still fits in int32.
constexpr double kMaxPlaneK = static_cast<double>(INT32_MAX / 255);

[[noreturn]] void typeError(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] void rangeError(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

/** A positive integer dimension no larger than INT32_MAX. */
size_t dim(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) typeError(info.Env(), std::string(name) + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 1 && v <= INT32_MAX) || v != static_cast<double>(static_cast<int64_t>(v))) {
    rangeError(info.Env(), std::string(name) + " must be a positive integer no larger than 2^31-1, got " + std::to_string(v));
  }
  return static_cast<size_t>(v);
}

double finite(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber()) typeError(info.Env(), std::string(name) + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v)) rangeError(info.Env(), std::string(name) + " must be finite");
  return v;
}

bool flag(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsBoolean()) typeError(info.Env(), std::string(name) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

/** A typed array of element type T with exactly `length` elements. */
template <typename T>
T* typed(const Napi::CallbackInfo& info, size_t i, const char* name, napi_typedarray_type type, const char* typeName, size_t length) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type) {
    typeError(info.Env(), std::string(name) + " must be a " + typeName);
  }
  auto arr = info[i].As<Napi::TypedArrayOf<T>>();
  if (arr.ElementLength() != length) {
    rangeError(info.Env(), std::string(name) + " has " + std::to_string(arr.ElementLength()) + " elements, expected " + std::to_string(length));
  }
  return arr.Data();
}

/** Packed rows viewed as 64-bit words; copied when the view is not 8-byte aligned. */
const uint64_t* words(const uint8_t* bytes, size_t count, std::vector<uint64_t>& copy) {
  if (reinterpret_cast<uintptr_t>(bytes) % alignof(uint64_t) == 0) return reinterpret_cast<const uint64_t*>(bytes);
  copy.resize(count);
  std::memcpy(copy.data(), bytes, count * sizeof(uint64_t));
  return copy.data();
}

const KernelTable& kernels(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) typeError(info.Env(), "isa must be a string");
  try {
    return bitplane::kernelsFor(info[i].As<Napi::String>().Utf8Value());
  } catch (const std::invalid_argument& e) {
    rangeError(info.Env(), e.what());
  }
}

void checkDirections(Napi::Env env, const int8_t* dir, size_t m) {
  for (size_t j = 0; j < m; j++) {
    if (dir[j] != 1 && dir[j] != -1) rangeError(env, "directions[" + std::to_string(j) + "] is " + std::to_string(dir[j]) + "; directions are +1 or -1");
  }
}

void needArgs(const Napi::CallbackInfo& info, size_t n, const char* fn) {
  if (info.Length() != n) typeError(info.Env(), std::string(fn) + " takes " + std::to_string(n) + " arguments, got " + std::to_string(info.Length()));
}

// xnorGemm(isa, a, n, w, m, k, out)
Napi::Value XnorGemm(const Napi::CallbackInfo& info) {
  needArgs(info, 7, "xnorGemm");
  const KernelTable& t = kernels(info, 0);
  const size_t n = dim(info, 2, "n"), m = dim(info, 4, "m"), k = dim(info, 5, "k"), kw = (k + 63) / 64;
  const uint8_t* a = typed<uint8_t>(info, 1, "a", napi_uint8_array, "Uint8Array", n * kw * 8);
  const uint8_t* w = typed<uint8_t>(info, 3, "w", napi_uint8_array, "Uint8Array", m * kw * 8);
  int32_t* out = typed<int32_t>(info, 6, "out", napi_int32_array, "Int32Array", n * m);
  std::vector<uint64_t> ca, cw;
  bitplane::xnorGemm(t, words(a, n * kw, ca), n, words(w, m * kw, cw), m, k, out);
  return info.Env().Undefined();
}

// xnorGemmThreshold(isa, a, n, w, m, k, thresholds, directions, out)
Napi::Value XnorGemmThreshold(const Napi::CallbackInfo& info) {
  needArgs(info, 9, "xnorGemmThreshold");
  const KernelTable& t = kernels(info, 0);
  const size_t n = dim(info, 2, "n"), m = dim(info, 4, "m"), k = dim(info, 5, "k"), kw = (k + 63) / 64;
  const uint8_t* a = typed<uint8_t>(info, 1, "a", napi_uint8_array, "Uint8Array", n * kw * 8);
  const uint8_t* w = typed<uint8_t>(info, 3, "w", napi_uint8_array, "Uint8Array", m * kw * 8);
  const int32_t* thr = typed<int32_t>(info, 6, "thresholds", napi_int32_array, "Int32Array", m);
  const int8_t* dir = typed<int8_t>(info, 7, "directions", napi_int8_array, "Int8Array", m);
  uint8_t* out = typed<uint8_t>(info, 8, "out", napi_uint8_array, "Uint8Array", n * ((m + 63) / 64) * 8);
  checkDirections(info.Env(), dir, m);
  std::vector<uint64_t> ca, cw;
  bitplane::xnorGemmThreshold(t, words(a, n * kw, ca), n, words(w, m * kw, cw), m, k, thr, dir, out);
  return info.Env().Undefined();
}

size_t planeK(const Napi::CallbackInfo& info) {
  const size_t k = dim(info, 5, "k");
  if (static_cast<double>(k) > kMaxPlaneK) rangeError(info.Env(), "k = " + std::to_string(k) + " is too large: 255 k must fit in int32");
  return k;
}

// bitplaneGemm(isa, x, n, w, m, k, out)
Napi::Value BitplaneGemm(const Napi::CallbackInfo& info) {
  needArgs(info, 7, "bitplaneGemm");
  const KernelTable& t = kernels(info, 0);
  const size_t n = dim(info, 2, "n"), m = dim(info, 4, "m"), k = planeK(info), kw = (k + 63) / 64;
  const uint8_t* x = typed<uint8_t>(info, 1, "x", napi_uint8_array, "Uint8Array", n * k);
  const uint8_t* w = typed<uint8_t>(info, 3, "w", napi_uint8_array, "Uint8Array", m * kw * 8);
  int32_t* out = typed<int32_t>(info, 6, "out", napi_int32_array, "Int32Array", n * m);
  std::vector<uint64_t> cw;
  bitplane::bitplaneGemm(t, x, n, words(w, m * kw, cw), m, k, out);
  return info.Env().Undefined();
}

// bitplaneGemmThreshold(isa, x, n, w, m, k, thresholds, directions, out)
Napi::Value BitplaneGemmThreshold(const Napi::CallbackInfo& info) {
  needArgs(info, 9, "bitplaneGemmThreshold");
  const KernelTable& t = kernels(info, 0);
  const size_t n = dim(info, 2, "n"), m = dim(info, 4, "m"), k = planeK(info), kw = (k + 63) / 64;
  const uint8_t* x = typed<uint8_t>(info, 1, "x", napi_uint8_array, "Uint8Array", n * k);
  const uint8_t* w = typed<uint8_t>(info, 3, "w", napi_uint8_array, "Uint8Array", m * kw * 8);
  const int32_t* thr = typed<int32_t>(info, 6, "thresholds", napi_int32_array, "Int32Array", m);
  const int8_t* dir = typed<int8_t>(info, 7, "directions", napi_int8_array, "Int8Array", m);
  uint8_t* out = typed<uint8_t>(info, 8, "out", napi_uint8_array, "Uint8Array", n * ((m + 63) / 64) * 8);
  checkDirections(info.Env(), dir, m);
  std::vector<uint64_t> cw;
  bitplane::bitplaneGemmThreshold(t, x, n, words(w, m * kw, cw), m, k, thr, dir, out);
  return info.Env().Undefined();
}

// binaryWeightGemm(isa, x, n, w, m, k, out)
Napi::Value BinaryWeightGemm(const Napi::CallbackInfo& info) {
  needArgs(info, 7, "binaryWeightGemm");
  const KernelTable& t = kernels(info, 0);
  const size_t n = dim(info, 2, "n"), m = dim(info, 4, "m"), k = dim(info, 5, "k"), kw = (k + 63) / 64;
  const float* x = typed<float>(info, 1, "x", napi_float32_array, "Float32Array", n * k);
  const uint8_t* w = typed<uint8_t>(info, 3, "w", napi_uint8_array, "Uint8Array", m * kw * 8);
  float* out = typed<float>(info, 6, "out", napi_float32_array, "Float32Array", n * m);
  bitplane::binaryWeightGemm(t, x, n, w, m, k, out);
  return info.Env().Undefined();
}

// sgemm(impl, transA, transB, m, n, k, alpha, a, b, beta, c)
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  needArgs(info, 11, "sgemm");
  if (!info[0].IsString()) typeError(info.Env(), "impl must be a string");
  const std::string impl = info[0].As<Napi::String>().Utf8Value();
  if (impl != "blocked" && !(impl == "openblas" && bitplane::openBlasLinked())) {
    rangeError(info.Env(), "sgemm implementation '" + impl + "' is not in this build (have: " + (bitplane::openBlasLinked() ? "openblas, " : "") + "blocked)");
  }
  const bool ta = flag(info, 1, "transA"), tb = flag(info, 2, "transB");
  const size_t m = dim(info, 3, "m"), n = dim(info, 4, "n"), k = dim(info, 5, "k");
  const float alpha = static_cast<float>(finite(info, 6, "alpha"));
  const float* a = typed<float>(info, 7, "a", napi_float32_array, "Float32Array", m * k);
  const float* b = typed<float>(info, 8, "b", napi_float32_array, "Float32Array", k * n);
  const float beta = static_cast<float>(finite(info, 9, "beta"));
  float* c = typed<float>(info, 10, "c", napi_float32_array, "Float32Array", m * n);
  if (impl == "openblas") bitplane::sgemmOpenBlas(ta, tb, m, n, k, alpha, a, b, beta, c);
  else bitplane::sgemmBlocked(ta, tb, m, n, k, alpha, a, b, beta, c);
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  needArgs(info, 1, "setThreads");
  const size_t t = dim(info, 0, "threads");
  if (t > 1024) rangeError(info.Env(), "threads must be at most 1024, got " + std::to_string(t));
  bitplane::ThreadPool::instance().resize(static_cast<int>(t));
  return info.Env().Undefined();
}

Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), bitplane::ThreadPool::instance().threads()); }

Napi::Array strings(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array arr = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) arr.Set(static_cast<uint32_t>(i), Napi::String::New(env, v[i]));
  return arr;
}

// info(): what this build and this CPU offer.
Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  std::vector<std::string> supported;
  for (const auto& name : bitplane::compiledIsas())
    if (bitplane::cpuSupports(name)) supported.push_back(name);
  o.Set("compiledIsas", strings(env, bitplane::compiledIsas()));
  o.Set("supportedIsas", strings(env, supported));
  o.Set("hardwareThreads", Napi::Number::New(env, std::thread::hardware_concurrency()));
  o.Set("openblas", Napi::Boolean::New(env, bitplane::openBlasLinked()));
#if defined(BITPLANE_HAVE_OPENBLAS)
  o.Set("openblasConfig", Napi::String::New(env, openblas_get_config()));
  o.Set("openblasCore", Napi::String::New(env, openblas_get_corename()));
#endif
  o.Set("blockedSgemm", Napi::String::New(env, bitplane::blockedMicroKernelName()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("xnorGemm", Napi::Function::New(env, XnorGemm, "xnorGemm"));
  exports.Set("xnorGemmThreshold", Napi::Function::New(env, XnorGemmThreshold, "xnorGemmThreshold"));
  exports.Set("bitplaneGemm", Napi::Function::New(env, BitplaneGemm, "bitplaneGemm"));
  exports.Set("bitplaneGemmThreshold", Napi::Function::New(env, BitplaneGemmThreshold, "bitplaneGemmThreshold"));
  exports.Set("binaryWeightGemm", Napi::Function::New(env, BinaryWeightGemm, "binaryWeightGemm"));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm, "sgemm"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("threads", Napi::Function::New(env, Threads, "threads"));
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  return exports;
}

}  // namespace

NODE_API_MODULE(bitplane_cpu, Init)
