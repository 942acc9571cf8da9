/**
 * The exports of the CUDA addon (libs/kernels/native/cuda, built by its build.js), typed, and its loader. The
 * addon trusts nothing (it re-checks sizes) but expects the TypeScript backend to have validated first.
 */
import * as fs from 'node:fs';
import { nativeAddonPath } from '../native-path';

/** What the CUDA runtime reports (device 0). errorName is empty when cudaGetDeviceCount succeeded. */
export interface CudaProbe {
  deviceCount: number;
  errorName: string;
  error: string;
  name: string;
  major: number;
  minor: number;
  multiprocessors: number;
  /** As CUDA encodes it: 1000 * major + 10 * minor (0 when no driver answered). */
  driverVersion: number;
  runtimeVersion: number;
  /** Whether the addon holds code that device 0 can run. */
  kernelImage: boolean;
  kernelImageError: string;
}

/** The native functions; each copies in, runs, copies out, and returns its output argument. */
export interface CudaAddon {
  probe(): CudaProbe;
  xnorGemm(a: Uint8Array, n: number, w: Uint8Array, m: number, k: number, out: Int32Array): Int32Array;
  xnorGemmThreshold(a: Uint8Array, n: number, w: Uint8Array, m: number, k: number, thresholds: Int32Array, directions: Int8Array, out: Uint8Array): Uint8Array;
  bitplaneGemm(x: Uint8Array, n: number, w: Uint8Array, m: number, k: number, out: Int32Array): Int32Array;
  bitplaneGemmThreshold(x: Uint8Array, n: number, w: Uint8Array, m: number, k: number, thresholds: Int32Array, directions: Int8Array, out: Uint8Array): Uint8Array;
  binaryWeightGemm(x: Float32Array, n: number, w: Uint8Array, m: number, k: number, out: Float32Array): Float32Array;
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): Float32Array;
  /** Device milliseconds of the last call's kernels (CUDA events; host-device copies excluded). */
  lastKernelMs(): number;
}

/** The addon, or why it cannot be loaded. */
export type CudaAddonLoad = { addon: CudaAddon; path: string } | { reason: string; path: string };

let loaded: CudaAddonLoad | undefined;

/** Path of the built addon file. */
export function cudaAddonPath(): string {
  return nativeAddonPath('cuda', 'bitplane_cuda.node');
}

/** Loads the addon once; a missing or unloadable file is a reason, not an exception. */
export function loadCudaAddon(): CudaAddonLoad {
  if (loaded) return loaded;
  const path = cudaAddonPath();
  if (!fs.existsSync(path)) {
    loaded = { path, reason: `the CUDA addon is not built (${path} is missing; \`npm install\` builds it where nvcc is found, or run \`node libs/kernels/native/cuda/build.js\`)` };
    return loaded;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = { path, addon: require(path) as CudaAddon };
  } catch (e) {
    loaded = { path, reason: `the CUDA addon failed to load: ${(e as Error).message}` };
  }
  return loaded;
}
