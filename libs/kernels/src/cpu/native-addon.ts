/**
 * The exports of the cpu Node-API addon (libs/kernels/native/cpu/src/addon.cpp), declared once, and its loader.
 * The addon checks sizes again and throws TypeError (wrong type) or RangeError (wrong size or value), but callers
 * validate first so that users see the same InvalidArgumentError messages as on every other backend.
 */
import { nativeAddonPath } from '../native-path';

/** Instruction-set paths of the binary kernels, best first. */
export type CpuIsa = 'avx512' | 'avx2' | 'scalar';
/** sgemm implementations: OpenBLAS (when the build found it) or the project's own blocked kernel. */
export type SgemmImpl = 'openblas' | 'blocked';

/** What the addon build and this CPU offer. */
export interface CpuAddonInfo {
  compiledIsas: CpuIsa[];
  supportedIsas: CpuIsa[];
  hardwareThreads: number;
  openblas: boolean;
  openblasConfig?: string;
  openblasCore?: string;
  /** The blocked sgemm's micro-kernel on this CPU, e.g. "avx2-fma 6x16". */
  blockedSgemm: string;
}

/** The addon's functions. Packed operands are the raw `data` bytes of PackedMatrix values; outputs are written in place. */
export interface CpuAddon {
  xnorGemm(isa: CpuIsa, a: Uint8Array, n: number, w: Uint8Array, m: number, k: number, out: Int32Array): void;
  xnorGemmThreshold(isa: CpuIsa, a: Uint8Array, n: number, w: Uint8Array, m: number, k: number, thresholds: Int32Array, directions: Int8Array, out: Uint8Array): void;
  bitplaneGemm(isa: CpuIsa, x: Uint8Array, n: number, w: Uint8Array, m: number, k: number, out: Int32Array): void;
  bitplaneGemmThreshold(isa: CpuIsa, x: Uint8Array, n: number, w: Uint8Array, m: number, k: number, thresholds: Int32Array, directions: Int8Array, out: Uint8Array): void;
  binaryWeightGemm(isa: CpuIsa, x: Float32Array, n: number, w: Uint8Array, m: number, k: number, out: Float32Array): void;
  sgemm(impl: SgemmImpl, transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): void;
  /** Resizes the addon's persistent thread pool (the calling thread counts as one). */
  setThreads(threads: number): void;
  threads(): number;
  info(): CpuAddonInfo;
}

/** Where the built addon lives. */
export function cpuAddonPath(): string {
  return nativeAddonPath('cpu', 'bitplane_cpu.node');
}

let loaded: { addon: CpuAddon } | { error: string } | undefined;

/** Loads the addon once; returns it, or why it cannot be loaded (missing file, load failure). */
export function loadCpuAddon(): { addon: CpuAddon } | { error: string } {
  if (loaded) return loaded;
  const file = cpuAddonPath();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = { addon: require(file) as CpuAddon };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    loaded = {
      error: err.code === 'MODULE_NOT_FOUND'
        ? `native addon not built (${file} is missing; run \`npm run build:native\`)`
        : `native addon failed to load (${file}): ${err.message}`,
    };
  }
  return loaded;
}
