#include "isa.h"

#include <stdexcept>

namespace bitplane {

std::vector<std::string> compiledIsas() {
#if defined(__x86_64__)
  return {"avx512", "avx2", "scalar"};
#else
  return {"scalar"};
#endif
}

bool cpuSupports(const std::string& name) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  const bool popcnt = __builtin_cpu_supports("popcnt");
  if (name == "avx512") {
    return popcnt && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512vpopcntdq");
  }
  if (name == "avx2") return popcnt && __builtin_cpu_supports("avx2");
  if (name == "scalar") return popcnt;
  return false;
#else
  return name == "scalar";
#endif
}

bool cpuHasAvx2Fma() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

std::string bestIsa() {
  for (const auto& name : compiledIsas()) {
    if (cpuSupports(name)) return name;
  }
  return "";
}

const KernelTable& kernelsFor(const std::string& name) {
  bool known = false;
  std::string list;
  for (const auto& n : compiledIsas()) {
    known = known || n == name;
    list += (list.empty() ? "" : ", ") + n;
  }
  if (!known) throw std::invalid_argument("unknown ISA '" + name + "'; this build has " + list);
  if (!cpuSupports(name)) throw std::invalid_argument("ISA '" + name + "' is not supported by this CPU");
#if defined(__x86_64__)
  if (name == "avx512") return avx512Kernels();
  if (name == "avx2") return avx2Kernels();
#endif
  return scalarKernels();
}

}  // namespace bitplane
