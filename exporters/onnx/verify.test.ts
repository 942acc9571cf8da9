import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, freshSeed } from '../../libs/core/src/random';
import { verifyOnnxExports } from './verify';
import { edgeCaseBnnMlp, registryWith } from './testing';

test('verifyOnnxExports runs all three targets, reports 0 mismatches and sizes (packed << float32)', async () => {
  const seed = freshSeed();
  console.log(`seed ${seed}`);
  const rng = new Rng(seed);
  const m = edgeCaseBnnMlp(rng, 150 + rng.int(100), [40 + rng.int(40)], 10);
  const { artifact } = registryWith(m);
  const n = 20 + rng.int(30);
  const report = await verifyOnnxExports(artifact, rng.bytes(n * m.inputSize), n, { batch: 8 });
  assert.deepEqual(report.targets.map((t) => t.target), ['onnx', 'onnx-float', 'qonnx']);
  assert.ok(report.passed, JSON.stringify(report));
  for (const t of report.targets) {
    assert.equal(t.comparison.rows, n);
    assert.equal(t.comparison.accMismatches, 0);
    assert.equal(t.comparison.predictionMismatches, 0);
  }
  const onnx = report.targets[0];
  assert.equal(report.float32OnnxBytes, report.targets[1].fileBytes);
  // Weights dominate only for large models; here the fixed part (popcount table, graph) is a good share of the file.
  assert.ok(onnx.fileBytes * 2 < report.float32OnnxBytes, `packed ${onnx.fileBytes} vs float32 ${report.float32OnnxBytes}`);
  await assert.rejects(verifyOnnxExports(artifact, rng.bytes(3), 2), /images has 3 values, expected 2 x/);
});

test('verify-cli runs a registry model on Fashion-MNIST test images (skipped without the dataset)', async (t) => {
  const fs = await import('node:fs');
  const { FASHION_MNIST_DIR } = await import('../../libs/core/src/idx');
  if (!fs.existsSync(process.env.BITPLANE_FASHION_MNIST ?? FASHION_MNIST_DIR)) {
    t.skip('Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)');
    return;
  }
  const { verifyCli } = await import('./verify-cli');
  const rng = new Rng(freshSeed());
  const m = edgeCaseBnnMlp(rng, 784, [16 + rng.int(30)], 10);
  const { root } = registryWith(m, 'cli');
  assert.equal(await verifyCli(['cli', '--registry', root, '--images', '24']), true);
});
