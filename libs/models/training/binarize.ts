/**
 * Binarization for training (MODELS.md sections 1-2): sign with sign(0) = +1 (x >= 0, never tf.sign), the
 * straight-through estimator with the hard-tanh cancel, stochastic binarization by hard_sigmoid, and AP2.
 */
import { tf } from './tfjs-runtime';

type GradFunc = Parameters<typeof tf.customGrad>[0];

/** +1 where x >= 0, else -1 (no gradient: use steSign inside a graph). One pass over the values. */
export function binarize(x: tf.Tensor): tf.Tensor {
  const v = x.dataSync() as Float32Array;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] >= 0 ? 1 : -1;
  return tf.tensor(out, x.shape, 'float32');
}

/**
 * Straight-through sign: forward binarize(r); backward dy where |r| <= 1 and 0 elsewhere (the derivative of
 * hard-tanh, the BNN paper's gradient cancel). Both directions are single loops over the values.
 */
export const steSign: (r: tf.Tensor) => tf.Tensor = tf.customGrad(((r: tf.Tensor) => {
  const v = Float32Array.from(r.dataSync() as Float32Array);
  const out = new Float32Array(v.length);
  let inside = true;
  for (let i = 0; i < v.length; i++) {
    out[i] = v[i] >= 0 ? 1 : -1;
    if (!(v[i] <= 1 && v[i] >= -1)) inside = false;
  }
  return {
    value: tf.tensor(out, r.shape, 'float32'),
    gradFunc: (dy: tf.Tensor) => {
      // Clipped real weights always lie in [-1, 1]: then the gradient passes unchanged.
      if (inside) return tf.clone(dy);
      const d = dy.dataSync() as Float32Array;
      const g = new Float32Array(d.length);
      for (let i = 0; i < d.length; i++) g[i] = v[i] <= 1 && v[i] >= -1 ? d[i] : 0;
      return tf.tensor(g, dy.shape, 'float32');
    },
  };
}) as unknown as GradFunc) as unknown as (r: tf.Tensor) => tf.Tensor;

/** hard_sigmoid(x) = clip((x + 1) / 2, 0, 1). */
export function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1));
}

/**
 * Stochastic binarization with the straight-through gradient: +1 with probability hard_sigmoid(w), else -1, drawn
 * by comparing with `uniform` (same shape, values in [0, 1)); backward as steSign.
 */
export const stochasticSteSign: (w: tf.Tensor, uniform: tf.Tensor) => tf.Tensor = tf.customGrad(((w: tf.Tensor, uniform: tf.Tensor, save: tf.GradSaveFunc) => {
  save([w]);
  const value = tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.less(uniform, hardSigmoid(w)), 'float32'), 2), 1));
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, tf.cast(tf.lessEqual(tf.abs(saved[0]), 1), 'float32')), tf.zerosLike(dy)],
  };
}) as unknown as GradFunc) as unknown as (w: tf.Tensor, uniform: tf.Tensor) => tf.Tensor;

/** AP2(x) = sign(x) 2^round(log2 |x|), AP2(0) = 0: the power of two nearest x in log scale. */
export function ap2Number(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x === 0 ? 0 : x;
  return Math.sign(x) * 2 ** Math.round(Math.log2(Math.abs(x)));
}

/** AP2 on a tensor (forward only; callers that differentiate through it use ap2Ste). */
export function ap2(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const mag = tf.pow(2, tf.round(tf.log(tf.maximum(tf.abs(x), 1e-30)).div(Math.LN2)));
    return tf.where(tf.equal(x, 0), tf.zerosLike(x), tf.mul(tf.sign(x), mag));
  });
}

/** AP2 with an identity gradient (used on the shift-based batch norm's scale). */
export const ap2Ste: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor) => ({
  value: ap2(x),
  gradFunc: (dy: tf.Tensor) => dy,
})) as unknown as GradFunc) as unknown as (x: tf.Tensor) => tf.Tensor;
