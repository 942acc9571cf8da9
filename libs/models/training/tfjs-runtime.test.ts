import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { freshSeed, Rng } from '../../core/src/random';
import { TsBackend } from '../../kernels/src/ts/ts-backend';
import { availableBackends } from '../../kernels/src/select';
import { initTraining, tf } from './tfjs-runtime';

const seed = freshSeed();
console.log(`tfjs runtime tests: seed ${seed}`);

before(async () => {
  await initTraining();
});

/** Plain reference product of row-major matrices. */
function refMatMul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j] += a[i * k + p] * b[p * n + j];
  return c;
}

test('BatchMatMul runs on the registered sgemm kernel of every available backend, with transposes and batch broadcast', async () => {
  const rng = new Rng(seed);
  for (const backend of availableBackends()) {
    await initTraining(backend);
    let calls = 0;
    const original = backend.sgemm.bind(backend);
    backend.sgemm = (...args: Parameters<typeof backend.sgemm>) => {
      calls++;
      return original(...args);
    };
    try {
      for (const [m, k, n] of [[1, 1, 1], [3, 5, 2], [17, 33, 9]]) {
        const a = Float32Array.from({ length: m * k }, () => rng.normal());
        const b = Float32Array.from({ length: k * n }, () => rng.normal());
        const want = refMatMul(a, b, m, k, n);
        const at = tf.tensor2d(a, [m, k]);
        const bt = tf.tensor2d(b, [k, n]);
        const variants = [
          tf.matMul(at, bt),
          tf.matMul(tf.transpose(at), bt, true, false),
          tf.matMul(at, tf.transpose(bt), false, true),
          tf.matMul(tf.transpose(at), tf.transpose(bt), true, true),
        ];
        for (const v of variants) {
          const got = v.dataSync();
          want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) <= 1e-4 * (1 + Math.abs(w)), `${backend.name} [${m},${k},${n}] element ${i}: ${got[i]} vs ${w}`));
        }
        // A batch of 3 left operands against one broadcast right operand.
        const a3 = tf.stack([at, tf.mul(at, 2), tf.neg(at)]);
        const got3 = tf.matMul(a3 as tf.Tensor3D, tf.expandDims(bt, 0) as tf.Tensor3D).dataSync();
        [1, 2, -1].forEach((f, bi) => want.forEach((w, i) => assert.ok(Math.abs(got3[bi * m * n + i] - f * w) <= 2e-4 * (1 + Math.abs(w)))));
      }
      assert.equal(calls, 3 * (4 + 3), `${backend.name}: every product (4 variants + a batch of 3, for 3 shapes) goes through sgemm`);
    } finally {
      backend.sgemm = original;
    }
  }
  await initTraining(new TsBackend());
});
