// Instruction-set paths in priority order, what each needs from the CPU, and the one chosen for this process.
#pragma once
#include <string>
#include <vector>

#include "kernel_table.h"

namespace bitplane {

/** Every path this build contains, best first: avx512, avx2, scalar (x86-64) or scalar alone elsewhere. */
std::vector<std::string> compiledIsas();

/** The kernels of a named path; throws std::invalid_argument naming the problem when it is unknown or this CPU lacks it. */
const KernelTable& kernelsFor(const std::string& name);

/** Whether this CPU can run the named path (an unknown name is simply false). */
bool cpuSupports(const std::string& name);

/** The first supported path of the priority list. */
std::string bestIsa();

/** Whether the CPU has AVX2 and FMA (the blocked sgemm kernel's needs). */
bool cpuHasAvx2Fma();

}  // namespace bitplane
