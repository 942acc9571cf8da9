import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { freshSeed, Rng } from '../../core/src/random';
import { ap2Number, binarize, hardSigmoid, steSign, stochasticSteSign } from './binarize';
import { initTraining, tf } from './tfjs-runtime';

const seed = freshSeed();
console.log(`binarize tests: seed ${seed}`);

before(async () => {
  await initTraining();
});

test('binarize maps x >= 0 to +1 (sign(0) = +1) and x < 0 to -1', () => {
  const x = tf.tensor1d([-2, -1e-30, -0, 0, 1e-30, 3]);
  assert.deepEqual(Array.from(binarize(x).dataSync()), [-1, -1, 1, 1, 1, 1]);
});

test('STE gradient equals the finite-difference gradient of hard-tanh away from +-1 and is 0 beyond', () => {
  const rng = new Rng(seed);
  // Points in (-3, 3), kept 0.01 away from the kinks at +-1 where the finite difference is not defined.
  const xs: number[] = [];
  while (xs.length < 200) {
    const v = (rng.next() * 2 - 1) * 3;
    if (Math.abs(Math.abs(v) - 1) > 0.01) xs.push(v);
  }
  const upstream = xs.map(() => rng.normal());
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(steSign(x), tf.tensor1d(upstream))))(tf.tensor1d(xs));
  const got = g.dataSync();
  const hardTanh = (v: number) => Math.max(-1, Math.min(1, v));
  const h = 1e-3;
  let inside = 0;
  xs.forEach((v, i) => {
    const fd = ((hardTanh(v + h) - hardTanh(v - h)) / (2 * h)) * upstream[i];
    assert.ok(Math.abs(got[i] - fd) < 1e-4, `x = ${v}: STE gradient ${got[i]}, finite difference ${fd}`);
    if (Math.abs(v) > 1) assert.ok(got[i] === 0, `x = ${v} beyond 1 must get no gradient`);
    else inside++;
  });
  assert.ok(inside > 20 && inside < 180, 'the sample covers both regions');
});

test('stochastic binarization gives +1 with probability hard_sigmoid(w): mean ~ clip(w, -1, 1)', () => {
  const rng = new Rng(seed + 1);
  const ws = [-1.5, -1, -0.6, -0.2, 0, 0.3, 0.75, 1, 2, (rng.next() * 2 - 1) * 0.9];
  const draws = 20000;
  const w = tf.tile(tf.tensor2d(ws, [1, ws.length]), [draws, 1]);
  const u = tf.randomUniform([draws, ws.length], 0, 1, 'float32', seed % 100000);
  const b = stochasticSteSign(w, u);
  const vals = b.dataSync();
  const p = hardSigmoid(tf.tensor1d(ws)).dataSync();
  ws.forEach((wv, j) => {
    let plus = 0;
    for (let i = 0; i < draws; i++) {
      const v = vals[i * ws.length + j];
      assert.ok(v === 1 || v === -1);
      if (v === 1) plus++;
    }
    const freq = plus / draws;
    // 5 standard deviations of a binomial proportion (at least 0.002 for p in {0, 1}).
    const tol = Math.max(0.002, 5 * Math.sqrt((p[j] * (1 - p[j])) / draws));
    assert.ok(Math.abs(freq - p[j]) <= tol, `w = ${wv}: +1 frequency ${freq}, hard_sigmoid ${p[j]}`);
    const mean = 2 * freq - 1;
    assert.ok(Math.abs(mean - Math.max(-1, Math.min(1, wv))) <= 2 * tol, `w = ${wv}: mean ${mean}`);
  });
});

test('stochastic binarization passes the straight-through gradient to w', () => {
  const w = tf.tensor1d([-2, -0.5, 0.5, 2]);
  const u = tf.tensor1d([0.1, 0.9, 0.3, 0.7]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(stochasticSteSign(x, u)))(w);
  assert.deepEqual(Array.from(g.dataSync()), [0, 1, 1, 0]);
});

test('AP2 rounds to the nearest power of two in log scale and keeps the sign', () => {
  assert.equal(ap2Number(0), 0);
  assert.equal(ap2Number(1), 1);
  assert.equal(ap2Number(3), 4);
  assert.equal(ap2Number(2.9), 4);
  assert.equal(ap2Number(2.8), 2);
  assert.equal(ap2Number(-0.3), -0.25);
  assert.equal(ap2Number(0.7), 0.5);
});
