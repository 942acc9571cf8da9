import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maxAccumulator } from '../../core/src/bitplanes';
import { freshSeed, Rng } from '../../core/src/random';
import { availableBackends } from '../../kernels/src/select';
import { loadClassificationData } from '../training/dataset';
import { gatherRows } from '../training/family';
import { initTraining } from '../training/tfjs-runtime';
import { trainLoop } from '../training/trainer';
import { bnnMlpConfigSchema } from './config';
import { bnnUnitOn, foldBnnMlp, foldUnit } from './fold';
import { argmaxRows, bnnMlpForward } from './model';

const seed = freshSeed();
console.log(`fold tests: seed ${seed}`);

/** Checks the folded unit against the float expression on every reachable accumulator in [from, to]. */
function checkRange(scale: number, shift: number, maxAcc: number, from = -maxAcc, to = maxAcc): void {
  const { threshold, direction } = foldUnit(scale, shift, maxAcc);
  assert.ok(threshold >= -(maxAcc + 1) && threshold <= maxAcc + 1, `threshold ${threshold} outside [-(maxAcc+1), maxAcc+1]`);
  for (let acc = Math.max(from, -maxAcc); acc <= Math.min(to, maxAcc); acc++) {
    const folded = direction > 0 ? acc >= threshold : acc <= threshold;
    if (folded !== bnnUnitOn(acc, scale, shift)) assert.fail(`scale ${scale}, shift ${shift}: acc ${acc} folds to ${folded}, float expression says ${!folded} (threshold ${threshold}, direction ${direction})`);
  }
}

test('foldUnit reproduces f32(f32(acc * scale) + shift) >= 0 on every accumulator (random, boundary and degenerate units)', () => {
  const rng = new Rng(seed);
  const f = Math.fround;
  for (let i = 0; i < 300; i++) {
    const maxAcc = 1 + rng.int(400);
    const scale = f((rng.next() < 0.5 ? -1 : 1) * Math.exp((rng.next() - 0.5) * 20));
    // Shifts that put the threshold inside, at, and beyond the range, and exactly on a representable product.
    const k = rng.int(2 * maxAcc + 5) - maxAcc - 2;
    const shifts = [f(rng.normal() * Math.abs(scale) * maxAcc), f(-k * scale), -f(k * scale), f(-k * scale + Number.EPSILON), f(rng.normal() * 1e6)];
    for (const shift of shifts) checkRange(scale, shift, maxAcc);
  }
  // Zero scale: a constant unit, threshold outside the reachable range.
  for (const shift of [1, 0, -0, -1e-30, -2]) {
    const { threshold, direction } = foldUnit(0, shift, 100);
    assert.equal(direction, 1);
    assert.equal(threshold, shift >= 0 ? -101 : 101);
    checkRange(0, shift, 100);
  }
  // First-layer ranges (255 K): check a window around the threshold and random points.
  const maxAcc = maxAccumulator(784, true);
  for (let i = 0; i < 50; i++) {
    const scale = f((rng.next() < 0.5 ? -1 : 1) * (1e-6 + rng.next() * 1e-3));
    const shift = f(rng.normal() * Math.abs(scale) * 30000);
    const { threshold } = foldUnit(scale, shift, maxAcc);
    checkRange(scale, shift, maxAcc, threshold - 2000, threshold + 2000);
    for (let j = 0; j < 200; j++) {
      const acc = rng.int(2 * maxAcc + 1) - maxAcc;
      checkRange(scale, shift, maxAcc, acc, acc);
    }
  }
  assert.throws(() => foldUnit(NaN, 0, 10), /finite/);
});

test('a trained bnn-mlp and its folded artifact model give identical logits on a Fashion-MNIST sample, on every backend', async () => {
  await initTraining();
  const data = loadClassificationData('fashion-mnist');
  const config = bnnMlpConfigSchema.parse({ epochs: 1, hiddenSizes: [48, 32], limit: 1200, seed: seed % 100000, learningRate: 0.01 });
  const prepare = (x: Uint8Array | Float32Array, rows: ArrayLike<number>) => gatherRows(x, rows, data.features);
  const loop = await trainLoop({ kind: 'bnn', config, data, prepare, jobKey: 'fold-test' });
  try {
    const consts = loop.graph.evalConstants();
    const model = foldBnnMlp(loop.best.map((l, i) => ({ ...l, scale: consts[i].scale, shift: consts[i].shift })));
    // A random sample of 1000 test images.
    const rng = new Rng(seed + 7);
    const rows = Int32Array.from({ length: 1000 }, () => rng.int(data.test.n));
    const x = new Uint8Array(rows.length * data.features);
    rows.forEach((r, i) => x.set(data.test.x.subarray(r * data.features, (r + 1) * data.features) as Uint8Array, i * data.features));
    const tfjsLogits = loop.graph.predict(prepare(data.test.x, rows), rows.length);
    const tfjsPred = argmaxRows(tfjsLogits, rows.length, data.classes);
    let correct = 0;
    tfjsPred.forEach((p, i) => (correct += p === data.test.labels[rows[i]] ? 1 : 0));
    assert.ok(correct / rows.length > 0.3, `the model learned something (chance is 0.1) (sample accuracy ${correct / rows.length})`);
    for (const backend of availableBackends()) {
      const out = bnnMlpForward(model, backend, x, rows.length);
      for (let i = 0; i < tfjsLogits.length; i++) {
        if (!Object.is(out.logits[i], tfjsLogits[i]) && out.logits[i] !== tfjsLogits[i]) assert.fail(`${backend.name}: logit ${i} is ${out.logits[i]} after folding, ${tfjsLogits[i]} in tfjs eval mode`);
      }
      assert.deepEqual(argmaxRows(out.logits, rows.length, data.classes), tfjsPred);
    }
    // Thresholds are not all at the clamp bounds (the units really compare).
    const inner = model.hidden[0].thresholds.filter((t) => Math.abs(t) <= maxAccumulator(784, true)).length;
    assert.ok(inner > 0, 'some first-layer thresholds lie inside the reachable range');
  } finally {
    loop.graph.dispose();
  }
});
