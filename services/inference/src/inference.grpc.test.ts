/**
 * Every GRPCInferenceService RPC against a real server over a real socket with a real @grpc/grpc-js client; typed
 * and raw tensors agree with each other and with the in-process forward pass; health and reflection answer.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { Rng } from '../../../libs/core/src/random';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { getBackend } from '../../../libs/kernels/src/select';
import { BnnMlpModel, bnnMlpForward } from '../../../libs/models/bnn-mlp/model';
import { GRPC_LOADER_OPTIONS } from '../../common/src/grpc-loader-options';
import { unary } from './client/inference-client';
import { TestServer, saveRandomBnnMlp, startTestServer, tempRegistry, testSeed } from './testing/test-server';

interface InferResponse {
  model_name: string;
  model_version: string;
  id: string;
  outputs: Array<{ name: string; datatype: string; shape: string[] }>;
  raw_output_contents: Buffer[];
}

function logitsOf(res: InferResponse): Float32Array {
  const b = res.raw_output_contents[0];
  return new Float32Array(new Uint8Array(b).buffer);
}

describe('inference gRPC service', () => {
  const seed = testSeed('inference.grpc');
  const rng = new Rng(seed);
  let registry: ModelRegistry;
  let t: TestServer;
  let model: BnnMlpModel;
  const sizes: [number, number[], number] = [70, [96, 64], 10];

  before(async () => {
    registry = tempRegistry();
    model = saveRandomBnnMlp(registry, 'bnn', rng, sizes).model;
    t = await startTestServer(registry, { backend: 'ts' });
  });
  after(async () => t.close());

  it('ServerLive, ServerReady, ServerMetadata', async () => {
    assert.deepEqual(await unary(t.client, 'ServerLive', {}), { live: true });
    assert.deepEqual(await unary(t.client, 'ServerReady', {}), { ready: true });
    const md = await unary<{ name: string; version: string; extensions: string[] }>(t.client, 'ServerMetadata', {});
    assert.equal(md.name, 'bitplane');
    assert.match(md.version, /^\d+\.\d+\.\d+/);
    assert.ok(md.extensions.includes('model_repository'));
  });

  it('ModelReady and ModelMetadata describe the bnn-mlp from its manifest', async () => {
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'bnn' }), { ready: true });
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'bnn', version: '1' }), { ready: true });
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'bnn', version: '7' }), { ready: false });
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'nope' }), { ready: false });
    const md = await unary<{ name: string; versions: string[]; platform: string; inputs: unknown[]; outputs: unknown[] }>(t.client, 'ModelMetadata', { name: 'bnn' });
    assert.equal(md.name, 'bnn');
    assert.deepEqual(md.versions, ['1']);
    assert.equal(md.platform, 'bitplane_bnn-mlp');
    assert.deepEqual(md.inputs, [{ name: 'input', datatype: 'UINT8', shape: ['-1', String(sizes[0])] }]);
    assert.deepEqual(md.outputs, [{ name: 'logits', datatype: 'FP32', shape: ['-1', String(sizes[2])] }]);
  });

  it('ModelInfer: typed contents and raw_input_contents give identical logits, equal to the in-process forward pass', async () => {
    const n = 5;
    const x = rng.bytes(n * sizes[0]);
    const expected = bnnMlpForward(model, getBackend('ts'), x, n).logits;
    const typed = await unary<InferResponse>(t.client, 'ModelInfer', {
      model_name: 'bnn',
      id: 'typed-1',
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [n, sizes[0]], contents: { uint_contents: Array.from(x) } }],
    });
    const raw = await unary<InferResponse>(t.client, 'ModelInfer', {
      model_name: 'bnn',
      model_version: '1',
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [n, sizes[0]] }],
      raw_input_contents: [Buffer.from(x)],
    });
    assert.equal(typed.id, 'typed-1');
    assert.equal(typed.model_name, 'bnn');
    assert.equal(typed.model_version, '1');
    assert.deepEqual(typed.outputs.map((o) => [o.name, o.datatype, o.shape]), [['logits', 'FP32', [String(n), String(sizes[2])]]]);
    assert.equal(typed.raw_output_contents.length, 1);
    assert.deepEqual(logitsOf(typed), expected);
    assert.deepEqual(logitsOf(raw), expected);
    assert.ok(expected.some((v) => v !== expected[0]), 'logits are not constant');
  });

  it('ModelInfer honours requested outputs and rejects unknown ones', async () => {
    const x = rng.bytes(sizes[0]);
    const res = await unary<InferResponse>(t.client, 'ModelInfer', {
      model_name: 'bnn',
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, sizes[0]] }],
      raw_input_contents: [Buffer.from(x)],
      outputs: [{ name: 'logits' }],
    });
    assert.equal(res.outputs[0].name, 'logits');
    await assert.rejects(
      unary(t.client, 'ModelInfer', { model_name: 'bnn', inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, sizes[0]] }], raw_input_contents: [Buffer.from(x)], outputs: [{ name: 'probs' }] }),
      (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /unexpected inference output 'probs' for model 'bnn'/.test(e.details),
    );
  });

  it('ModelStreamInfer answers every request in order, errors in error_message, on one call', async () => {
    const call = (t.client as unknown as { ModelStreamInfer(): grpc.ClientDuplexStream<object, { error_message: string; infer_response: InferResponse | null }> }).ModelStreamInfer();
    const got: Array<{ error_message: string; infer_response: InferResponse | null }> = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('data', (m) => got.push(m));
      call.on('end', resolve);
      call.on('error', reject);
    });
    const xs: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) {
      const n = 1 + (i % 3);
      const x = rng.bytes(n * sizes[0]);
      xs.push(x);
      call.write({ model_name: 'bnn', id: `s${i}`, inputs: [{ name: 'input', datatype: 'UINT8', shape: [n, sizes[0]] }], raw_input_contents: [Buffer.from(x)] });
      if (i === 2) call.write({ model_name: 'bnn', id: 'bad', inputs: [{ name: 'input', datatype: 'INT32', shape: [1, sizes[0]] }], raw_input_contents: [Buffer.alloc(4 * sizes[0])] });
    }
    call.end();
    await ended;
    assert.equal(got.length, 7);
    assert.match(got[3].error_message, /inference input 'input' data-type is 'INT32', but model 'bnn' expects 'UINT8'/);
    const ok = got.filter((m) => m.error_message === '');
    assert.deepEqual(ok.map((m) => m.infer_response!.id), ['s0', 's1', 's2', 's3', 's4', 's5']);
    ok.forEach((m, i) => {
      const n = xs[i].length / sizes[0];
      assert.deepEqual(logitsOf(m.infer_response!), bnnMlpForward(model, getBackend('ts'), xs[i], n).logits);
    });
  });

  it('RepositoryIndex lists versions with their state; RepositoryModelUnload / Load stop and resume serving', async () => {
    const idx = await unary<{ models: Array<{ name: string; version: string; state: string }> }>(t.client, 'RepositoryIndex', {});
    assert.deepEqual(idx.models.map((m) => [m.name, m.version, m.state]), [['bnn', '1', 'READY']]);
    await unary(t.client, 'RepositoryModelUnload', { model_name: 'bnn' });
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'bnn' }), { ready: false });
    await assert.rejects(
      unary(t.client, 'ModelInfer', { model_name: 'bnn', inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, sizes[0]] }], raw_input_contents: [Buffer.from(rng.bytes(sizes[0]))] }),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE && /unloaded/.test(e.details),
    );
    const ready = await unary<{ models: unknown[] }>(t.client, 'RepositoryIndex', { ready: true });
    assert.equal(ready.models.length, 0);
    await unary(t.client, 'RepositoryModelLoad', { model_name: 'bnn' });
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'bnn' }), { ready: true });
    await assert.rejects(unary(t.client, 'RepositoryModelLoad', { model_name: 'ghost' }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
  });

  it('grpc.health.v1.Health answers for the server, the service and each model; reflection lists the services', async () => {
    const def = protoLoader.loadSync(healthProtoPath, GRPC_LOADER_OPTIONS);
    const Health = (grpc.loadPackageDefinition(def) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } }).grpc.health.v1.Health;
    const health = new Health(t.address, grpc.credentials.createInsecure());
    try {
      for (const service of ['', 'inference.GRPCInferenceService', 'bnn']) {
        assert.deepEqual(await unary(health, 'Check', { service }), { status: 'SERVING' }, `health of '${service}'`);
      }
      await assert.rejects(unary(health, 'Check', { service: 'no-such-model' }), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
    } finally {
      health.close();
    }
    const reflectionProto = require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1alpha/reflection.proto');
    const rdef = protoLoader.loadSync(reflectionProto, GRPC_LOADER_OPTIONS);
    const Reflection = (grpc.loadPackageDefinition(rdef) as unknown as { grpc: { reflection: { v1alpha: { ServerReflection: grpc.ServiceClientConstructor } } } }).grpc.reflection.v1alpha.ServerReflection;
    const refl = new Reflection(t.address, grpc.credentials.createInsecure());
    try {
      const stream = (refl as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, { list_services_response?: { service: Array<{ name: string }> } }> }).ServerReflectionInfo();
      const reply = new Promise<string[]>((resolve, reject) => {
        stream.on('data', (m) => resolve((m.list_services_response?.service ?? []).map((s: { name: string }) => s.name)));
        stream.on('error', reject);
      });
      stream.write({ list_services: '' });
      const names = await reply;
      stream.end();
      assert.ok(names.includes('inference.GRPCInferenceService'), `reflection lists ${names.join(', ')}`);
      assert.ok(names.includes('grpc.health.v1.Health'));
    } finally {
      refl.close();
    }
  });
});
