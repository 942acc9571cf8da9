/**
 * Training-mode batch norm over the batch axis of z [n, m] as one custom op: y = gamma * (z - mean) / sqrt(var + eps)
 * + beta with the batch's mean and (biased) variance, and its exact backward pass. Written as loops because tfjs's
 * cpu backend evaluates broadcasting element-wise ops slowly; batch-norm.test.ts checks it against the tfjs-ops form.
 */
import { tf } from './tfjs-runtime';

type GradFunc = Parameters<typeof tf.customGrad>[0];

/** The batch statistics of the last call, for the running averages (plain arrays, one entry per unit). */
export interface BatchStats {
  mean: Float32Array;
  variance: Float32Array;
}

/** Batch norm of z [n, m] with gamma, beta [m]; `stats` receives the batch mean and variance. */
export function batchNormTrain(z: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps: number, stats: BatchStats[]): tf.Tensor2D {
  const op = tf.customGrad(((zIn: tf.Tensor, gIn: tf.Tensor, bIn: tf.Tensor) => {
    const [n, m] = zIn.shape as [number, number];
    const zv = zIn.dataSync() as Float32Array;
    const gv = gIn.dataSync() as Float32Array;
    const bv = bIn.dataSync() as Float32Array;
    const mean = new Float64Array(m);
    const variance = new Float64Array(m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) mean[j] += zv[i * m + j];
    for (let j = 0; j < m; j++) mean[j] /= n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const c = zv[i * m + j] - mean[j];
        variance[j] += c * c;
      }
    }
    const invStd = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      variance[j] /= n;
      invStd[j] = 1 / Math.sqrt(variance[j] + eps);
    }
    const xhat = new Float32Array(n * m);
    const y = new Float32Array(n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const h = (zv[i * m + j] - mean[j]) * invStd[j];
        xhat[i * m + j] = h;
        y[i * m + j] = gv[j] * h + bv[j];
      }
    }
    stats.push({ mean: Float32Array.from(mean), variance: Float32Array.from(variance) });
    const gamma = Float32Array.from(gv);
    return {
      value: tf.tensor2d(y, [n, m]),
      gradFunc: (dy: tf.Tensor) => {
        const d = dy.dataSync() as Float32Array;
        const dGamma = new Float64Array(m);
        const dBeta = new Float64Array(m);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            dBeta[j] += d[i * m + j];
            dGamma[j] += d[i * m + j] * xhat[i * m + j];
          }
        }
        // dz = gamma * invStd / n * (n dy - sum(dy) - xhat * sum(dy * xhat))
        const dz = new Float32Array(n * m);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            dz[i * m + j] = ((gamma[j] * invStd[j]) / n) * (n * d[i * m + j] - dBeta[j] - xhat[i * m + j] * dGamma[j]);
          }
        }
        return [tf.tensor2d(dz, [n, m]), tf.tensor1d(Float32Array.from(dGamma)), tf.tensor1d(Float32Array.from(dBeta))];
      },
    };
  }) as unknown as GradFunc) as unknown as (z: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;
  return op(z, gamma, beta);
}
