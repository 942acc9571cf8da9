{
  # The cpu kernels addon. ISA-specific kernels are static libraries built with their own target flags, so the
  # rest of the addon stays baseline x86-64 and the path is picked at run time. OpenBLAS is linked for sgemm
  # when detect-openblas.js finds it; the blocked sgemm kernel is always built.
  "variables": {
    "openblas_include%": "<!(node detect-openblas.js include)",
    "openblas_lib%": "<!(node detect-openblas.js lib)",
  },
  "target_defaults": {
    "cflags_cc": ["-O3", "-std=c++17", "-fPIC", "-Wall", "-Wextra"],
    "cflags_cc!": ["-std=gnu++14", "-std=gnu++1y"],
  },
  "targets": [
    {
      "target_name": "bitplane_cpu_scalar",
      "type": "static_library",
      "sources": ["src/kernels_scalar.cpp"],
      "conditions": [["target_arch=='x64'", {"cflags_cc": ["-mpopcnt"]}]],
    },
    {
      "target_name": "bitplane_cpu_avx2",
      "type": "static_library",
      "sources": ["src/kernels_avx2.cpp"],
      "conditions": [["target_arch=='x64'", {"cflags_cc": ["-mavx2", "-mpopcnt"]}]],
    },
    {
      "target_name": "bitplane_cpu_avx512",
      "type": "static_library",
      "sources": ["src/kernels_avx512.cpp"],
      "conditions": [["target_arch=='x64'", {"cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512vpopcntdq", "-mpopcnt",
        # GCC 12's own AVX-512 headers trip these (GCC bug 105593: _mm*_undefined_* in cast / shuffle intrinsics).
        "-Wno-uninitialized", "-Wno-maybe-uninitialized"]}]],
    },
    {
      "target_name": "bitplane_cpu_sgemm_avx2",
      "type": "static_library",
      "sources": ["src/sgemm_avx2.cpp"],
      "conditions": [["target_arch=='x64'", {"cflags_cc": ["-mavx2", "-mfma"]}]],
    },
    {
      "target_name": "bitplane_cpu",
      "sources": ["src/addon.cpp", "src/binary_gemm.cpp", "src/isa.cpp", "src/sgemm.cpp", "src/thread_pool.cpp"],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
        "bitplane_cpu_scalar",
        "bitplane_cpu_avx2",
        "bitplane_cpu_avx512",
        "bitplane_cpu_sgemm_avx2",
      ],
      "libraries": ["-pthread"],
      "cflags_cc": ["-pthread"],
      "conditions": [
        ["openblas_include!=''", {
          "defines": ["BITPLANE_HAVE_OPENBLAS"],
          "include_dirs": ["<(openblas_include)"],
          "libraries": ["-L<(openblas_lib)", "-Wl,-rpath,<(openblas_lib)", "-lopenblas"],
        }],
      ],
    },
  ],
}
