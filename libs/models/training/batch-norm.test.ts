import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { freshSeed, Rng } from '../../core/src/random';
import { BatchStats, batchNormTrain } from './batch-norm';
import { initTraining, tf } from './tfjs-runtime';

const seed = freshSeed();
console.log(`batch norm tests: seed ${seed}`);

before(async () => {
  await initTraining();
});

/** The textbook batch norm written with tfjs ops (autodiff gives its gradient). */
function reference(z: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const mean = tf.mean(z, 0);
  const c = tf.sub(z, mean);
  const variance = tf.mean(tf.square(c), 0);
  return tf.add(tf.mul(tf.mul(c, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

test('the fused batch norm matches the tfjs-ops formulation in value, gradients and batch statistics', () => {
  const rng = new Rng(seed);
  for (const [n, m] of [[2, 3], [17, 9], [100, 64]]) {
    const z = tf.tensor2d(Float32Array.from({ length: n * m }, () => rng.normal() * 5 + 3), [n, m]);
    const gamma = tf.tensor1d(Float32Array.from({ length: m }, () => rng.normal()));
    const beta = tf.tensor1d(Float32Array.from({ length: m }, () => rng.normal()));
    const upstream = tf.tensor2d(Float32Array.from({ length: n * m }, () => rng.normal()), [n, m]);
    const eps = 1e-4;
    const stats: BatchStats[] = [];
    const loss = (f: (a: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor2D, g, b), upstream));
    const ours = tf.grads(loss((a, g, b) => batchNormTrain(a, g, b, eps, stats)))([z, gamma, beta]);
    const ref = tf.grads(loss((a, g, b) => reference(a, g, b, eps)))([z, gamma, beta]);
    const close = (x: tf.Tensor, y: tf.Tensor, what: string) => {
      const a = x.dataSync();
      const b = y.dataSync();
      assert.equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(b[i])), `[${n}, ${m}] ${what}[${i}]: ${a[i]} vs ${b[i]}`);
    };
    close(batchNormTrain(z, gamma, beta, eps, []), reference(z, gamma, beta, eps), 'y');
    ['dz', 'dgamma', 'dbeta'].forEach((what, i) => close(ours[i], ref[i], what));
    close(tf.tensor1d(stats[0].mean), tf.mean(z, 0), 'mean');
    close(tf.tensor1d(stats[0].variance), tf.mean(tf.square(tf.sub(z, tf.mean(z, 0))), 0), 'variance');
  }
});
