// Kernel launch, spelled once so the same launchers also compile for the CPU emulation (emulate/).
#pragma once

#ifdef BITPLANE_CUDA_EMULATION
#define BP_LAUNCH(kernel, grid, block, ...) ::emu::launch((grid), (block), (kernel), __VA_ARGS__)
#else
#define BP_LAUNCH(kernel, grid, block, ...) kernel<<<(grid), (block)>>>(__VA_ARGS__)
#endif
