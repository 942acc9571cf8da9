/**
 * Every served family through the real server: mlp (FP32 input: NaN / Inf refused), binaryconnect-mlp, and ONNX
 * files (a bnn-mlp exported with onnx-float, a two-input MatMul) through onnxruntime; a corrupt artifact is
 * reported not ready and never takes the server down.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as ort from 'onnxruntime-node';
import { Rng } from '../../../libs/core/src/random';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { getBackend } from '../../../libs/kernels/src/select';
import { binaryConnectMlpForward } from '../../../libs/models/binaryconnect-mlp/model';
import { BnnMlpModel, bnnMlpForward } from '../../../libs/models/bnn-mlp/model';
import { MlpModel, mlpForward } from '../../../libs/models/mlp/model';
import { BinaryConnectMlpModel } from '../../../libs/models/binaryconnect-mlp/model';
import { onnxModelBytes } from '../../../exporters/onnx/onnx-models';
import { matmulModel } from '../../../exporters/onnx/matmul-model';
import { registerOnnxModel } from '../../../exporters/onnx/register';
import { unary } from './client/inference-client';
import { saveRandomBinaryConnectMlp, saveRandomMlp } from './testing/random-models';
import { TestServer, saveRandomBnnMlp, startTestServer, tempRegistry, testSeed } from './testing/test-server';

interface InferResponse {
  outputs: Array<{ name: string; datatype: string; shape: string[] }>;
  raw_output_contents: Buffer[];
}
const f32 = (b: Buffer) => new Float32Array(new Uint8Array(b).buffer);
const rawOf = (a: Float32Array | Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('inference: every family', () => {
  const rng = new Rng(testSeed('inference.families'));
  let registry: ModelRegistry;
  let t: TestServer;
  let mlp: MlpModel;
  let bc: BinaryConnectMlpModel;
  let bnn: BnnMlpModel;
  const ts = getBackend('ts');

  before(async () => {
    registry = tempRegistry();
    mlp = saveRandomMlp(registry, 'mlp-csv', rng, 12, [16], 3, 'float32');
    bc = saveRandomBinaryConnectMlp(registry, 'bc', rng, 50, [40], 6, 'uint8');
    bnn = saveRandomBnnMlp(registry, 'bnn', rng, [64, [48], 10]).model;
    await registerOnnxModel(registry, 'bnn-onnx', onnxModelBytes('onnx-float', registry.get('bnn')));
    await registerOnnxModel(registry, 'matmul', matmulModel(-1, 6, 4));
    // A corrupt model: tensors.bin no longer matches its sha256.
    saveRandomBnnMlp(registry, 'broken', rng, [16, [8], 2]);
    const blob = path.join(registry.path('broken', 1), 'tensors.bin');
    const bytes = fs.readFileSync(blob);
    bytes[0] ^= 0xff;
    fs.writeFileSync(blob, bytes);
    t = await startTestServer(registry, { backend: 'ts' });
  });
  after(async () => t.close());

  it('mlp with FP32 input: typed == raw == mlpForward; NaN and Inf are INVALID_ARGUMENT naming the input', async () => {
    const n = 4;
    const x = Float32Array.from({ length: n * 12 }, () => rng.normal());
    const want = mlpForward(mlp, ts, x, n);
    const typed = await unary<InferResponse>(t.client, 'ModelInfer', { model_name: 'mlp-csv', inputs: [{ name: 'input', datatype: 'FP32', shape: [n, 12], contents: { fp32_contents: Array.from(x) } }] });
    const raw = await unary<InferResponse>(t.client, 'ModelInfer', { model_name: 'mlp-csv', inputs: [{ name: 'input', datatype: 'FP32', shape: [n, 12] }], raw_input_contents: [rawOf(x)] });
    assert.deepEqual(f32(typed.raw_output_contents[0]), want);
    assert.deepEqual(f32(raw.raw_output_contents[0]), want);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const y = x.slice();
      const at = rng.int(y.length);
      y[at] = bad;
      await assert.rejects(
        unary(t.client, 'ModelInfer', { model_name: 'mlp-csv', inputs: [{ name: 'input', datatype: 'FP32', shape: [n, 12] }], raw_input_contents: [rawOf(y)] }),
        (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && e.details.includes(`input 'input' for model 'mlp-csv' contains ${bad} at element ${at}; expected finite FP32 values`),
      );
      await assert.rejects(
        unary(t.client, 'ModelInfer', { model_name: 'mlp-csv', inputs: [{ name: 'input', datatype: 'FP32', shape: [n, 12], contents: { fp32_contents: Array.from(y) } }] }),
        (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && e.details.includes(`contains ${bad} at element ${at}`),
      );
    }
  });

  it('binaryconnect-mlp: equal to binaryConnectMlpForward', async () => {
    const n = 3;
    const x = rng.bytes(n * 50);
    const res = await unary<InferResponse>(t.client, 'ModelInfer', { model_name: 'bc', inputs: [{ name: 'input', datatype: 'UINT8', shape: [n, 50] }], raw_input_contents: [rawOf(x)] });
    assert.deepEqual(f32(res.raw_output_contents[0]), binaryConnectMlpForward(bc, ts, x, n));
  });

  it('onnx (bnn-mlp exported with onnx-float): served by onnxruntime, equal to running the file in-process, argmax equal to bnnMlpForward', async () => {
    const n = 6;
    const x = rng.bytes(n * 64);
    const res = await unary<InferResponse>(t.client, 'ModelInfer', { model_name: 'bnn-onnx', inputs: [{ name: 'input', datatype: 'UINT8', shape: [n, 64] }], raw_input_contents: [rawOf(x)] });
    const md = await unary<{ platform: string }>(t.client, 'ModelMetadata', { name: 'bnn-onnx' });
    assert.equal(md.platform, 'onnxruntime_onnx');
    const session = await ort.InferenceSession.create(registry.get('bnn-onnx').file('model.onnx'));
    const direct = await session.run({ input: new ort.Tensor('uint8', x, [n, 64]) });
    await session.release();
    const got = f32(res.raw_output_contents[0]);
    assert.deepEqual(got, direct.logits.data as Float32Array);
    const want = bnnMlpForward(bnn, ts, x, n).logits;
    got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-3 * Math.max(1, Math.abs(want[i])), `logit ${i}: onnx ${v}, bitplane ${want[i]}`));
  });

  it('onnx with two FP32 inputs (MatMul a [-1,6] x b [6,4]): not batchable, still served', async () => {
    const a = Float32Array.from({ length: 2 * 6 }, () => rng.normal());
    const b = Float32Array.from({ length: 6 * 4 }, () => rng.normal());
    const res = await unary<InferResponse>(t.client, 'ModelInfer', {
      model_name: 'matmul',
      inputs: [{ name: 'a', datatype: 'FP32', shape: [2, 6] }, { name: 'b', datatype: 'FP32', shape: [6, 4] }],
      raw_input_contents: [rawOf(a), rawOf(b)],
    });
    const y = f32(res.raw_output_contents[0]);
    assert.deepEqual(res.outputs[0].shape, ['2', '4']);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 6; k++) s += a[i * 6 + k] * b[k * 4 + j];
        assert.ok(Math.abs(y[i * 4 + j] - s) < 1e-4, `y[${i}][${j}] ${y[i * 4 + j]} vs ${s}`);
      }
    }
  });

  it('a corrupt artifact: ModelReady false, UNAVAILABLE with the reason, RepositoryIndex says why, the rest serve', async () => {
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'broken' }), { ready: false });
    await assert.rejects(
      unary(t.client, 'ModelInfer', { model_name: 'broken', inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, 16] }], raw_input_contents: [Buffer.alloc(16)] }),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE && /sha256/.test(e.details),
    );
    const idx = await unary<{ models: Array<{ name: string; state: string; reason: string }> }>(t.client, 'RepositoryIndex', {});
    const broken = idx.models.find((m) => m.name === 'broken')!;
    assert.equal(broken.state, 'UNAVAILABLE');
    assert.match(broken.reason, /tensors.bin sha256/);
    assert.deepEqual(await unary(t.client, 'ServerReady', {}), { ready: true });
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'bnn' }), { ready: true });
  });
});
