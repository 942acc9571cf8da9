import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { Rng, freshSeed } from '../../libs/core/src/random';
import { ModelRegistry } from '../../libs/core/src/registry';
import { TsBackend } from '../../libs/kernels/src/ts/ts-backend';
import { bnnMlpForward } from '../../libs/models/bnn-mlp/model';
import { onnxModelBytes } from './onnx-models';
import { ONNX_FAMILY, ONNX_FILE, registerOnnxModel } from './register';
import { edgeCaseBnnMlp, registryWith, tempDir } from './testing';

const seed = freshSeed();
console.log(`seed ${seed}`);
const rng = new Rng(seed);

test('bitplane export --register stores model.onnx as a family-onnx version that onnxruntime serves', async () => {
  const m = edgeCaseBnnMlp(rng, 20 + rng.int(100), [5 + rng.int(40)], 2 + rng.int(8));
  const { root } = registryWith(m, 'src');
  const out = tempDir('bitplane-onnx-reg-');
  const dist = path.resolve(process.env.BITPLANE_DIST ?? 'dist');
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(dist, 'bin', 'main.js'), ...args], { encoding: 'utf8' });
  for (const target of ['onnx', 'onnx-float']) {
    const r = cli(['export', 'src', '--target', target, '--out', path.join(out, target), '--registry', root, '--register', 'served']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /registered served:\d \(family onnx\)/);
  }
  const reg = new ModelRegistry(root);
  assert.deepEqual(reg.listVersions('served'), [1, 2]);
  for (const [v, target] of [[1, 'onnx'], [2, 'onnx-float']] as const) {
    const a = reg.get('served', v); // verifies model.onnx against its sha256
    assert.equal(a.manifest.family, ONNX_FAMILY);
    assert.deepEqual(a.manifest.signature, {
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [-1, m.inputSize] }],
      outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, m.outputSize] }],
    });
    assert.equal(a.manifest.config.source, 'src:1');
    assert.equal(a.manifest.config.target, target);
    const bytes = fs.readFileSync(a.file(ONNX_FILE));
    assert.ok(bytes.equals(fs.readFileSync(path.join(out, target, 'model.onnx'))));
    const n = 5;
    const x = rng.bytes(n * m.inputSize);
    const s = await ort.InferenceSession.create(bytes);
    const res = await s.run({ input: new ort.Tensor('uint8', x, [n, m.inputSize]) });
    assert.deepEqual(res.logits.data, bnnMlpForward(m, new TsBackend(), x, n).logits);
  }
  // A tampered model.onnx is caught when the version is loaded.
  const file = path.join(reg.path('served', 1), ONNX_FILE);
  const b = fs.readFileSync(file);
  b[b.length - 1] ^= 1;
  fs.writeFileSync(file, b);
  assert.throws(() => reg.get('served', 1), /model\.onnx does not match its sha256/);
  // --register with a target that writes no ONNX onnxruntime can serve.
  const bad = cli(['export', 'src', '--target', 'qonnx', '--out', path.join(out, 'q'), '--registry', root, '--register', 'served']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--register takes the model\.onnx of --target onnx or onnx-float, not 'qonnx'/);
});

test('registering a QONNX model or bytes that are not ONNX is refused with a reason', async () => {
  const m = edgeCaseBnnMlp(rng, 12, [7], 3);
  const { artifact, registry } = registryWith(m);
  await assert.rejects(registerOnnxModel(registry, 'q', onnxModelBytes('qonnx', artifact)), /custom-domain ops \(qonnx\.custom_op\.general:BipolarQuant, qonnx\.custom_op\.general:MultiThreshold\)/);
  await assert.rejects(registerOnnxModel(registry, 'junk', Uint8Array.from([0xff, 0xff, 0xff, 0x07])), /not an ONNX model|onnxruntime cannot load/);
  assert.deepEqual(registry.listVersions('q'), []);
});
