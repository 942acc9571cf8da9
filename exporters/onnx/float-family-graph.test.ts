import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, freshSeed } from '../../libs/core/src/random';
import { TsBackend } from '../../libs/kernels/src/ts/ts-backend';
import { checkFamily, exportTarget } from '../index';
import { compareOutputs, comparisonPassed } from './compare';
import { checkOnnxFolder } from './folder-check';
import { onnxModelBytes, referenceForward } from './onnx-models';
import { runTarget } from './run-target';
import { floatFamilyRegistry, tempDir } from './testing';

const seed = freshSeed();
console.log(`seed ${seed}`);
const rng = new Rng(seed);

for (const family of ['mlp', 'binaryconnect-mlp'] as const) {
  for (const inputKind of ['uint8', 'float32'] as const) {
    test(`onnx-float exports ${family} (${inputKind} input) and onnxruntime agrees with the family's forward pass`, async () => {
      const k = 5 + rng.int(120);
      const hidden = Array.from({ length: rng.int(3) }, () => 2 + rng.int(60));
      const c = 2 + rng.int(9);
      const { artifact } = floatFamilyRegistry(rng, family, inputKind, k, hidden, c);
      const n = 1 + rng.int(40);
      const x = inputKind === 'uint8' ? rng.bytes(n * k) : Float32Array.from({ length: n * k }, () => rng.normal() * 3);
      const want = referenceForward(artifact, new TsBackend(), x, n);
      const got = await runTarget('onnx-float', onnxModelBytes('onnx-float', artifact), x, n, k, c, false, 1 + rng.int(16));
      const cmp = compareOutputs(want, got, n, c);
      assert.ok(comparisonPassed(cmp), `${family} ${k}-${hidden.join('-')}-${c}: ${JSON.stringify(cmp)}`);
      // The folder (golden vectors, check) works for float families too.
      const out = tempDir('bitplane-onnx-ff-');
      const target = exportTarget('onnx-float');
      checkFamily(target, family);
      await target.export(artifact, out, {});
      const folder = await checkOnnxFolder(out);
      assert.ok(comparisonPassed(folder.comparison), JSON.stringify(folder.comparison));
      assert.equal(folder.spec.inputDatatype, inputKind === 'uint8' ? 'UINT8' : 'FP32');
      // The bit-plane targets refuse float families, naming the ones that can.
      assert.throws(() => checkFamily(exportTarget('onnx'), family), new RegExp(`target 'onnx' cannot export family '${family}'.*targets that can export '${family}': onnx-float`));
      assert.throws(() => onnxModelBytes('qonnx', artifact), /ONNX targets that can: onnx-float/);
    });
  }
}
