/** The KServe V2 REST endpoints on their own port: health, metadata, readiness, inference (equal to gRPC), errors. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../libs/core/src/random';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { getBackend } from '../../../libs/kernels/src/select';
import { BnnMlpModel, bnnMlpForward } from '../../../libs/models/bnn-mlp/model';
import { unary } from './client/inference-client';
import { TestServer, saveRandomBnnMlp, startTestServer, tempRegistry, testSeed } from './testing/test-server';

const K = 30;

describe('inference REST (KServe V2 JSON)', () => {
  const rng = new Rng(testSeed('inference.http'));
  let registry: ModelRegistry;
  let t: TestServer;
  let model: BnnMlpModel;

  before(async () => {
    registry = tempRegistry();
    model = saveRandomBnnMlp(registry, 'bnn', rng, [K, [24], 5]).model;
    t = await startTestServer(registry, { backend: 'ts', maxMessageBytes: 32 * 1024 });
  });
  after(async () => t.close());

  const get = async (p: string) => {
    const r = await fetch(t.httpUrl + p);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const post = async (p: string, body: unknown) => {
    const r = await fetch(t.httpUrl + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('health, server metadata, model metadata and readiness', async () => {
    assert.deepEqual(await get('/v2/health/live'), { status: 200, body: { live: true } });
    assert.deepEqual(await get('/v2/health/ready'), { status: 200, body: { ready: true } });
    const sm = await get('/v2');
    assert.equal(sm.body.name, 'bitplane');
    const md = await get('/v2/models/bnn');
    assert.equal(md.status, 200);
    assert.deepEqual(md.body.inputs, [{ name: 'input', datatype: 'UINT8', shape: ['-1', String(K)] }]);
    assert.equal((await get('/v2/models/bnn/versions/1')).status, 200);
    assert.equal((await get('/v2/models/bnn/ready')).status, 200);
    assert.equal((await get('/v2/models/bnn/versions/1/ready')).status, 200);
    assert.equal((await get('/v2/models/bnn/versions/3/ready')).status, 400);
    const missing = await get('/v2/models/ghost');
    assert.equal(missing.status, 404);
    assert.match(String(missing.body.error), /Request for unknown model: 'ghost' is not found/);
  });

  it('infer with nested data equals the gRPC answer and the forward pass', async () => {
    const n = 3;
    const x = rng.bytes(n * K);
    const nested = Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * K, (i + 1) * K)));
    const r = await post('/v2/models/bnn/infer', { id: 'r1', inputs: [{ name: 'input', shape: [n, K], datatype: 'UINT8', data: nested }] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const out = (r.body.outputs as Array<{ name: string; datatype: string; shape: number[]; data: number[] }>)[0];
    assert.equal(r.body.id, 'r1');
    assert.equal(r.body.model_version, '1');
    assert.deepEqual([out.name, out.datatype, out.shape], ['logits', 'FP32', [n, 5]]);
    const want = bnnMlpForward(model, getBackend('ts'), x, n).logits;
    assert.deepEqual(Float32Array.from(out.data), want);
    const g = await unary<{ raw_output_contents: Buffer[] }>(t.client, 'ModelInfer', { model_name: 'bnn', inputs: [{ name: 'input', datatype: 'UINT8', shape: [n, K] }], raw_input_contents: [Buffer.from(x)] });
    assert.deepEqual(new Float32Array(new Uint8Array(g.raw_output_contents[0]).buffer), Float32Array.from(out.data));
    const pinned = await post('/v2/models/bnn/versions/1/infer', { inputs: [{ name: 'input', shape: [n, K], datatype: 'UINT8', data: Array.from(x) }] });
    assert.equal(pinned.status, 200);
  });

  it('errors: 404 unknown model, 400 with Triton wording for bad tensors, 413 for a body over the limit', async () => {
    const x = Array.from(rng.bytes(K));
    const unknown = await post('/v2/models/ghost/infer', { inputs: [{ name: 'input', shape: [1, K], datatype: 'UINT8', data: x }] });
    assert.equal(unknown.status, 404);
    const dtype = await post('/v2/models/bnn/infer', { inputs: [{ name: 'input', shape: [1, K], datatype: 'INT32', data: x }] });
    assert.equal(dtype.status, 400);
    assert.match(String(dtype.body.error), /inference input 'input' data-type is 'INT32', but model 'bnn' expects 'UINT8'/);
    const shape = await post('/v2/models/bnn/infer', { inputs: [{ name: 'input', shape: [2, K], datatype: 'UINT8', data: x }] });
    assert.equal(shape.status, 400);
    assert.match(String(shape.body.error), new RegExp(`input 'input' for model 'bnn'. Expected ${2 * K}, got ${K}`));
    const empty = await post('/v2/models/bnn/infer', { inputs: [{ name: 'input', shape: [0, K], datatype: 'UINT8', data: [] }] });
    assert.equal(empty.status, 400);
    assert.match(String(empty.body.error), /empty batch/);
    const notJson = await post('/v2/models/bnn/infer', { nothing: true });
    assert.equal(notJson.status, 400);
    const big = await fetch(t.httpUrl + '/v2/models/bnn/infer', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'input', shape: [2000, K], datatype: 'UINT8', data: Array.from(rng.bytes(2000 * K)) }] }),
    });
    assert.equal(big.status, 413);
  });
});
