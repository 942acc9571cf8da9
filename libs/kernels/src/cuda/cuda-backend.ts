/**
 * The cuda backend: the separate CUDA addon in libs/kernels/native/cuda (its own .node file with the CUDA runtime
 * linked statically, so the cpu addon never depends on it). Every argument is validated here, with the same checks
 * and messages as every other backend, before any native code runs. Calls are synchronous: operands are copied to
 * the device, the kernels run, the result is copied back.
 */
import { PackedMatrix, rowBytes } from '../../../core/src/bitplanes';
import { BackendName, BackendStatus, KernelBackend } from '../backend';
import { checkDim, checkFloatInput, checkPackedPair, checkSgemm, checkThresholds, checkUint8Input, outputArray } from '../validate';
import { CudaAddon, CudaProbe, loadCudaAddon } from './cuda-addon';

/** CUDA encodes versions as 1000 * major + 10 * minor. */
function cudaVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}

/** Turns what the runtime reported into a status: "unavailable: <reason>", or the device it runs on. */
export function statusFromProbe(p: CudaProbe): BackendStatus {
  const unavailable = (why: string): BackendStatus => ({ name: 'cuda', available: false, detail: `unavailable: ${why}` });
  if (p.errorName === 'cudaErrorNoDevice' || (!p.errorName && p.deviceCount === 0)) {
    return unavailable(`no CUDA device${p.errorName ? ` (cudaGetDeviceCount: ${p.errorName}: ${p.error})` : ' (cudaGetDeviceCount found 0 devices)'}`);
  }
  if (p.errorName === 'cudaErrorInsufficientDriver') {
    return unavailable(`no usable CUDA driver (cudaGetDeviceCount: ${p.errorName}: ${p.error}; the addon needs an NVIDIA driver for CUDA ${cudaVersion(p.runtimeVersion)} or later)`);
  }
  if (p.errorName) return unavailable(`the CUDA runtime reports ${p.errorName}: ${p.error}`);
  const device = `${p.name} (sm_${p.major}${p.minor}, ${p.multiprocessors} SMs, driver ${cudaVersion(p.driverVersion)}, runtime ${cudaVersion(p.runtimeVersion)})`;
  if (!p.kernelImage) return unavailable(`this build has no kernels for ${device}: ${p.kernelImageError}; it holds sm_80, sm_90 and PTX for compute_90`);
  return { name: 'cuda', available: true, detail: device };
}

let status: BackendStatus | undefined;

/** Whether the cuda addon is built and a device is present (probed once per process). */
export function cudaBackendStatus(): BackendStatus {
  if (status) return status;
  const load = loadCudaAddon();
  status = 'reason' in load ? { name: 'cuda', available: false, detail: `unavailable: ${load.reason}` } : statusFromProbe(load.addon.probe());
  return status;
}

/** The KernelBackend over the CUDA addon. */
export class CudaBackend implements KernelBackend {
  readonly name: BackendName = 'cuda';
  private requestedThreads = 1;

  constructor(private readonly addon: CudaAddon, private readonly device: string) {}

  describe(): string {
    return `cuda: ${this.device}; tiled 64-bit __popcll kernels (128 x 128 tiles; one warp per weight row for batches of 1 to 4), tiled fp32 GEMM`;
  }

  /** Accepted for the interface; the GPU's parallelism is set by each launch's shape, not by a thread count. */
  setThreads(threads: number): void {
    checkDim('threads', threads);
    this.requestedThreads = threads;
  }

  get threads(): number {
    return this.requestedThreads;
  }

  /** Device milliseconds of the last call's kernels (copies excluded), for benchmarks. */
  lastKernelMs(): number {
    return this.addon.lastKernelMs();
  }

  xnorGemm(a: PackedMatrix, w: PackedMatrix, out?: Int32Array): Int32Array {
    const [n, m, k] = checkPackedPair(a, w);
    const res = outputArray(out, Int32Array, n * m);
    return this.addon.xnorGemm(a.data, n, w.data, m, k, res);
  }

  bitplaneGemm(x: Uint8Array, n: number, w: PackedMatrix, out?: Int32Array): Int32Array {
    const [, m, k] = checkUint8Input(x, n, w);
    const res = outputArray(out, Int32Array, n * m);
    return this.addon.bitplaneGemm(x, n, w.data, m, k, res);
  }

  xnorGemmThreshold(a: PackedMatrix, w: PackedMatrix, thresholds: Int32Array, directions: Int8Array, out?: Uint8Array): PackedMatrix {
    const [n, m, k] = checkPackedPair(a, w);
    checkThresholds(thresholds, directions, m);
    const data = outputArray(out, Uint8Array, n * rowBytes(m));
    this.addon.xnorGemmThreshold(a.data, n, w.data, m, k, thresholds, directions, data);
    return { data, rows: n, cols: m };
  }

  bitplaneGemmThreshold(x: Uint8Array, n: number, w: PackedMatrix, thresholds: Int32Array, directions: Int8Array, out?: Uint8Array): PackedMatrix {
    const [, m, k] = checkUint8Input(x, n, w);
    checkThresholds(thresholds, directions, m);
    const data = outputArray(out, Uint8Array, n * rowBytes(m));
    this.addon.bitplaneGemmThreshold(x, n, w.data, m, k, thresholds, directions, data);
    return { data, rows: n, cols: m };
  }

  binaryWeightGemm(x: Float32Array, n: number, w: PackedMatrix, out?: Float32Array): Float32Array {
    const [, m, k] = checkFloatInput(x, n, w);
    const res = outputArray(out, Float32Array, n * m);
    return this.addon.binaryWeightGemm(x, n, w.data, m, k, res);
  }

  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): Float32Array {
    checkSgemm(m, n, k, alpha, a, b, beta, c);
    return this.addon.sgemm(Boolean(transA), Boolean(transB), m, n, k, alpha, a, b, beta, c);
  }
}

/** Creates the cuda backend; throws with the reason when it is unavailable. */
export function createCudaBackend(): KernelBackend {
  const s = cudaBackendStatus();
  const load = loadCudaAddon();
  if (!s.available || 'reason' in load) throw new Error(`cuda backend ${s.detail}`);
  return new CudaBackend(load.addon, s.detail);
}
