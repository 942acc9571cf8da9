import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Rng, freshSeed } from '../../libs/core/src/random';
import { TsBackend } from '../../libs/kernels/src/ts/ts-backend';
import { bnnMlpForward, loadBnnMlp } from '../../libs/models/bnn-mlp/model';
import { checkFamily, exportTarget } from '../index';
import { compareOutputs, comparisonPassed } from './compare';
import { checkOnnxFolder } from './folder-check';
import { OnnxTargetName, onnxModelBytes } from './onnx-models';
import { decodeModel, encodeModel } from './onnx-schema';
import { checkQonnxStructure } from './qonnx-check';
import { runTarget } from './run-target';
import { edgeCaseBnnMlp, registryWith, tempDir } from './testing';

const TARGETS: OnnxTargetName[] = ['onnx', 'onnx-float', 'qonnx'];
const seed = freshSeed();
console.log(`seed ${seed}`);
const rng = new Rng(seed);

function randomShape(): [number, number[], number] {
  const layers = rng.int(3);
  return [1 + rng.int(200), Array.from({ length: layers }, () => 3 + rng.int(100)), 1 + rng.int(12)];
}

test('every ONNX target equals bnnMlpForward on edge-case models (accumulators exactly, logits, predictions)', async () => {
  for (const shape of [randomShape(), randomShape(), [784 - rng.int(5), [65, 64], 10] as [number, number[], number]]) {
    const m = edgeCaseBnnMlp(rng, ...shape);
    const { artifact } = registryWith(m);
    const n = 1 + rng.int(50);
    const x = rng.bytes(n * m.inputSize);
    const want = bnnMlpForward(m, new TsBackend(), x, n);
    for (const t of TARGETS) {
      const got = await runTarget(t, onnxModelBytes(t, artifact), x, n, m.inputSize, m.outputSize, true, 1 + rng.int(20));
      const c = compareOutputs(want, got, n, m.outputSize);
      assert.ok(comparisonPassed(c) && c.accMismatches === 0, `${t} on ${shape[0]}-${shape[1].join('-')}-${shape[2]}: ${JSON.stringify(c)}`);
      // Integer accumulators and the same float32 op order: the logits are bit-identical.
      assert.equal(c.logitRowsNotBitExact, 0, `${t}: logits not bit-identical`);
    }
  }
});

test('a flipped weight bit in the exported model is caught (the comparison can fail)', async () => {
  const m = edgeCaseBnnMlp(rng, 30 + rng.int(50), [], 4);
  const { artifact } = registryWith(m);
  const n = 64;
  const x = rng.bytes(n * m.inputSize);
  const want = bnnMlpForward(m, new TsBackend(), x, n);
  const model = decodeModel(onnxModelBytes('onnx', artifact));
  const w = model.graph!.initializer!.find((i) => i.name === 'layer0.weights')!;
  w.raw_data![0] ^= 1;
  const got = await runTarget('onnx', encodeModel(model), x, n, m.inputSize, m.outputSize, true);
  const c = compareOutputs(want, got, n, m.outputSize);
  // Weight 0 of class 0 meets input 0 in every row: the accumulator moves by 2 x_0, so rows with x_0 > 0 differ.
  const expected = Array.from({ length: n }, (_, i) => x[i * m.inputSize]).filter((v) => v > 0).length;
  assert.ok(expected > 0);
  assert.equal(c.accMismatches, expected);
  assert.ok(!comparisonPassed(c));
});

test('export writes model.onnx, golden vectors, check.js and README; byte-identical on re-export; the folder check passes', async () => {
  const m = edgeCaseBnnMlp(rng, ...randomShape());
  const { artifact } = registryWith(m);
  const out = tempDir('bitplane-onnx-out-');
  for (const t of TARGETS) {
    const target = exportTarget(t);
    checkFamily(target, 'bnn-mlp');
    const a = await target.export(artifact, path.join(out, t, 'a'), {});
    const b = await target.export(artifact, path.join(out, t, 'b'), {});
    assert.deepEqual(a.files, ['README.md', 'check.js', 'golden-acc.bin', 'golden-input.bin', 'golden-logits.bin', 'golden.json', 'model.onnx']);
    for (const f of a.files) assert.ok(fs.readFileSync(path.join(a.outDir, f)).equals(fs.readFileSync(path.join(b.outDir, f))), `${t}/${f} differs between two exports`);
    const readme = fs.readFileSync(path.join(a.outDir, 'README.md'), 'utf8');
    assert.match(readme, /check\.js/);
    const { comparison } = await checkOnnxFolder(a.outDir);
    assert.ok(comparisonPassed(comparison), `${t}: ${JSON.stringify(comparison)}`);
    // check.js as a user runs it, against this build.
    const r = spawnSync(process.execPath, [path.join(a.outDir, 'check.js')], { encoding: 'utf8', env: { ...process.env, BITPLANE_DIST: process.env.BITPLANE_DIST ?? 'dist' } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /PASS/);
  }
  // A corrupted golden file makes check.js fail.
  const dir = path.join(out, 'onnx', 'a');
  const logits = fs.readFileSync(path.join(dir, 'golden-logits.bin'));
  logits.writeFloatLE(logits.readFloatLE(0) + 1, 0);
  fs.writeFileSync(path.join(dir, 'golden-logits.bin'), logits);
  const r = spawnSync(process.execPath, [path.join(dir, 'check.js')], { encoding: 'utf8', env: { ...process.env, BITPLANE_DIST: process.env.BITPLANE_DIST ?? 'dist' } });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /FAIL/);
});

test('qonnx export is structurally what FINN expects, and a broken one is reported', () => {
  const m = edgeCaseBnnMlp(rng, ...randomShape());
  const { artifact } = registryWith(m);
  const model = decodeModel(onnxModelBytes('qonnx', artifact));
  assert.deepEqual(checkQonnxStructure(model, loadBnnMlp(artifact)), []);
  const broken = decodeModel(onnxModelBytes('qonnx', artifact));
  const mt = broken.graph!.node!.find((n) => n.op_type === 'MultiThreshold' || n.op_type === 'BipolarQuant')!;
  mt.domain = 'finn';
  broken.graph!.quantization_annotation!.pop();
  const problems = checkQonnxStructure(broken, loadBnnMlp(artifact));
  assert.ok(problems.some((p) => p.includes("domain 'finn'")), problems.join('\n'));
  assert.ok(problems.some((p) => p.includes("tensor 'logits' should be annotated")), problems.join('\n'));
});

test('a family a target cannot export gets an error naming the family and the targets that can', () => {
  assert.throws(() => checkFamily(exportTarget('onnx'), 'event-snn'), /target 'onnx' cannot export family 'event-snn'.*no target exports 'event-snn'/);
  const m = edgeCaseBnnMlp(rng, 10, [], 2);
  const { artifact } = registryWith(m);
  const fake = { ...artifact, manifest: { ...artifact.manifest, family: 'mlp' } };
  assert.throws(() => onnxModelBytes('qonnx', fake), /target 'qonnx' cannot export family 'mlp'/);
});

// Debian's onnx is 1.12 (opsets up to 17): it cannot check the opset-18 bitwise ops of the `onnx` target.
test("Debian's python3-onnx checker accepts the onnx-float (full check) and qonnx models (skipped when absent)", (t) => {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('python3-onnx not installed (apt-get install python3-onnx)');
    return;
  }
  const m = edgeCaseBnnMlp(rng, ...randomShape());
  const { artifact } = registryWith(m);
  const dir = tempDir('bitplane-onnx-py-');
  for (const [target, full] of [['onnx-float', 'True'], ['qonnx', 'False']] as const) {
    const file = path.join(dir, `${target}.onnx`);
    fs.writeFileSync(file, onnxModelBytes(target, artifact));
    const r = spawnSync('/usr/bin/python3', ['-c', `import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=${full}); print("ok")`, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${target}: ${r.stderr}`);
  }
});
