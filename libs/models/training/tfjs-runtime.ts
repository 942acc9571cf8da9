/**
 * The tfjs runtime the trainers use: `@tensorflow/tfjs` on its `cpu` backend, with the BatchMatMul kernel replaced
 * by one that calls the project's float GEMM (`KernelBackend.sgemm`, libs/kernels) so every matrix product of
 * training (forward and both gradients) runs on the selected bitplane backend (ARCHITECTURE.md, Training).
 */
import * as tf from '@tensorflow/tfjs';
import { KernelBackend } from '../../kernels/src/backend';
import { getBackend } from '../../kernels/src/select';

export { tf };

/** What tfjs's cpu backend exposes that the kernel needs (its tensor store and tensor factory). */
interface CpuBackendLike {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
}

let gemmBackend: KernelBackend | undefined;
let installed: Promise<KernelBackend> | undefined;

function float32Values(backend: CpuBackendLike, t: tf.TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  // int32 / bool tensors (never produced by our graphs, but matMul accepts them) are widened.
  return Float32Array.from(v as ArrayLike<number>);
}

/**
 * BatchMatMul on sgemm: a [..., M, K] (or [..., K, M] with transposeA) times b [..., K, N] (or [..., N, K] with
 * transposeB), batch dimensions broadcast like tfjs does (index modulo each operand's batch count).
 */
function batchMatMulOnSgemm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as CpuBackendLike;
  const a = args.inputs.a as tf.TensorInfo;
  const b = args.inputs.b as tf.TensorInfo;
  const transposeA = Boolean(args.attrs?.transposeA);
  const transposeB = Boolean(args.attrs?.transposeB);
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const ka = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (ka !== kb) throw new Error(`matMul: inner dimensions ${ka} and ${kb} of shapes [${a.shape}] and [${b.shape}] differ`);
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = outerA.reduce((s, d) => s * d, 1);
  const batchB = outerB.reduce((s, d) => s * d, 1);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = Math.max(batchA, batchB);
  const av = float32Values(backend, a);
  const bv = float32Values(backend, b);
  const out = new Float32Array(batch * m * n);
  const k = ka;
  if (m > 0 && n > 0 && k > 0) {
    const gemm = gemmBackend ?? getBackend();
    for (let i = 0; i < batch; i++) {
      const ao = (i % batchA) * m * k;
      const bo = (i % batchB) * k * n;
      gemm.sgemm(transposeA, transposeB, m, n, k, 1, av.subarray(ao, ao + m * k), bv.subarray(bo, bo + k * n), 0, out.subarray(i * m * n, (i + 1) * m * n));
    }
  }
  return backend.makeTensorInfo([...outer, m, n], 'float32', out);
}

/**
 * Selects tfjs's cpu backend and registers the sgemm-backed BatchMatMul (once per process); later calls only
 * switch the GEMM backend. Returns the backend the matrix products run on.
 */
export async function initTraining(backend: KernelBackend = getBackend()): Promise<KernelBackend> {
  gemmBackend = backend;
  if (!installed) {
    installed = (async () => {
      await tf.setBackend('cpu');
      await tf.ready();
      // tfjs's cpu backend advises installing tfjs-node on first use; here the matrix products already run natively.
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      tf.unregisterKernel('BatchMatMul', 'cpu');
      tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'cpu', kernelFunc: batchMatMulOnSgemm as unknown as tf.KernelFunc });
      return backend;
    })();
  }
  await installed;
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  return gemmBackend;
}

/** The backend the matrix products currently run on. */
export function trainingGemmBackend(): KernelBackend {
  return gemmBackend ?? getBackend();
}
