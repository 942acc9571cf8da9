import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, freshSeed } from '../../libs/core/src/random';
import { verifyOnnxExports } from './verify';
import { edgeCaseBnnMlp, registryWith } from './testing';

test('verifyOnnxExports runs all three targets, reports 0 mismatches and sizes (packed << float32)', async () => {
  const seed = freshSeed();
  console.log(`seed ${seed}`);
  const rng = new Rng(seed);
  const m = edgeCaseBnnMlp(rng, 100 + rng.int(100), [30 + rng.int(40)], 10);
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
  assert.ok(onnx.fileBytes * 4 < report.float32OnnxBytes, `packed ${onnx.fileBytes} vs float32 ${report.float32OnnxBytes}`);
  await assert.rejects(verifyOnnxExports(artifact, rng.bytes(3), 2), /images has 3 values, expected 2 x/);
});
