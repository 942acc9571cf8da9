/**
 * The cpu backend: a thin class over the Node-API addon in libs/kernels/native/cpu. Every argument is validated
 * here (validate.ts, the same messages as every backend) before native code runs; the addon checks sizes again.
 */
import * as os from 'node:os';
import { PackedMatrix, rowBytes } from '../../../core/src/bitplanes';
import { InvalidArgumentError } from '../../../core/src/errors';
import { BackendName, BackendStatus, KernelBackend } from '../backend';
import { checkDim, checkFloatInput, checkPackedPair, checkSgemm, checkThresholds, checkUint8Input, outputArray } from '../validate';
import { chooseCpuIsa, chooseSgemm, threadsFromEnv } from './cpu-isa';
import { CpuAddon, CpuIsa, SgemmImpl, loadCpuAddon } from './native-addon';

export class CpuBackend implements KernelBackend {
  readonly name: BackendName = 'cpu';

  constructor(
    private readonly addon: CpuAddon,
    /** The binary kernels' instruction-set path. */
    readonly isa: CpuIsa,
    /** The sgemm implementation. */
    readonly sgemmImpl: SgemmImpl,
  ) {}

  /** Threads of the addon's pool (shared by every CpuBackend of the process). */
  get threads(): number {
    return this.addon.threads();
  }

  describe(): string {
    const info = this.addon.info();
    const isa = this.isa === 'avx512' ? 'avx512-vpopcntdq' : this.isa === 'avx2' ? 'avx2 (vpshufb popcount)' : 'scalar popcnt';
    const sgemm = this.sgemmImpl === 'openblas' ? `OpenBLAS sgemm (${info.openblasCore ?? 'unknown core'})` : `blocked ${info.blockedSgemm} sgemm`;
    return `${isa}, ${this.threads} thread${this.threads === 1 ? '' : 's'}, ${sgemm}`;
  }

  setThreads(threads: number): void {
    checkDim('threads', threads);
    if (threads > 1024) throw new InvalidArgumentError(`threads must be at most 1024, got ${threads}`);
    this.addon.setThreads(threads);
  }

  xnorGemm(a: PackedMatrix, w: PackedMatrix, out?: Int32Array): Int32Array {
    const [n, m, k] = checkPackedPair(a, w);
    const res = outputArray(out, Int32Array, n * m);
    this.addon.xnorGemm(this.isa, a.data, n, w.data, m, k, res);
    return res;
  }

  bitplaneGemm(x: Uint8Array, n: number, w: PackedMatrix, out?: Int32Array): Int32Array {
    const [, m, k] = checkUint8Input(x, n, w);
    const res = outputArray(out, Int32Array, n * m);
    this.addon.bitplaneGemm(this.isa, x, n, w.data, m, k, res);
    return res;
  }

  xnorGemmThreshold(a: PackedMatrix, w: PackedMatrix, thresholds: Int32Array, directions: Int8Array, out?: Uint8Array): PackedMatrix {
    const [n, m, k] = checkPackedPair(a, w);
    checkThresholds(thresholds, directions, m);
    const data = outputArray(out, Uint8Array, n * rowBytes(m));
    this.addon.xnorGemmThreshold(this.isa, a.data, n, w.data, m, k, thresholds, directions, data);
    return { data, rows: n, cols: m };
  }

  bitplaneGemmThreshold(x: Uint8Array, n: number, w: PackedMatrix, thresholds: Int32Array, directions: Int8Array, out?: Uint8Array): PackedMatrix {
    const [, m, k] = checkUint8Input(x, n, w);
    checkThresholds(thresholds, directions, m);
    const data = outputArray(out, Uint8Array, n * rowBytes(m));
    this.addon.bitplaneGemmThreshold(this.isa, x, n, w.data, m, k, thresholds, directions, data);
    return { data, rows: n, cols: m };
  }

  binaryWeightGemm(x: Float32Array, n: number, w: PackedMatrix, out?: Float32Array): Float32Array {
    const [, m, k] = checkFloatInput(x, n, w);
    const res = outputArray(out, Float32Array, n * m);
    this.addon.binaryWeightGemm(this.isa, x, n, w.data, m, k, res);
    return res;
  }

  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): Float32Array {
    checkSgemm(m, n, k, alpha, a, b, beta, c);
    this.addon.sgemm(this.sgemmImpl, transA === true, transB === true, m, n, k, alpha, a, b, beta, c);
    return c;
  }
}

let poolSized = false;

/**
 * A cpu backend on a chosen ISA / sgemm implementation (defaults: BITPLANE_CPU_ISA / BITPLANE_CPU_SGEMM, else the
 * best available). The first one created sizes the shared pool from BITPLANE_THREADS (default: all cores).
 */
export function createCpuBackendWith(options: { isa?: string; sgemm?: string } = {}): CpuBackend {
  const loaded = loadCpuAddon();
  if ('error' in loaded) throw new InvalidArgumentError(`cpu backend unavailable: ${loaded.error}`);
  const info = loaded.addon.info();
  const isa = chooseCpuIsa(options.isa ?? process.env.BITPLANE_CPU_ISA, info);
  const sgemm = chooseSgemm(options.sgemm ?? process.env.BITPLANE_CPU_SGEMM, info);
  if (!poolSized) {
    loaded.addon.setThreads(threadsFromEnv(process.env.BITPLANE_THREADS, os.availableParallelism()));
    poolSized = true;
  }
  return new CpuBackend(loaded.addon, isa, sgemm);
}

/** Whether the cpu addon is built and loadable here with the configured ISA, and what it runs on. */
export function cpuBackendStatus(): BackendStatus {
  try {
    return { name: 'cpu', available: true, detail: createCpuBackend().describe() };
  } catch (e) {
    const msg = (e as Error).message.replace(/^cpu backend unavailable: /, '');
    return { name: 'cpu', available: false, detail: `unavailable: ${msg}` };
  }
}

let backend: CpuBackend | undefined;

/** The process's cpu backend (BITPLANE_CPU_ISA / BITPLANE_CPU_SGEMM / BITPLANE_THREADS honoured); throws with the reason when it is unavailable. */
export function createCpuBackend(): KernelBackend {
  backend ??= createCpuBackendWith();
  return backend;
}
