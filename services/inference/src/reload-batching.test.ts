/**
 * Hot reload (a new registry version is served without a restart; model_version pins the old one) and dynamic
 * batching (concurrent requests merge into one model call, each still gets exactly its own rows' results;
 * --max-batch-rows 0 switches merging off).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../libs/core/src/random';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { getBackend } from '../../../libs/kernels/src/select';
import { bnnMlpForward } from '../../../libs/models/bnn-mlp/model';
import { unary } from './client/inference-client';
import { TestServer, saveRandomBnnMlp, startTestServer, tempRegistry, testSeed } from './testing/test-server';

interface InferResponse {
  model_version: string;
  raw_output_contents: Buffer[];
}
const f32 = (b: Buffer) => new Float32Array(new Uint8Array(b).buffer);

async function waitFor(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}`);
}

async function metric(t: TestServer, name: string, labels: string): Promise<number> {
  const text = await (await fetch(t.metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('inference: hot reload', () => {
  const rng = new Rng(testSeed('inference.reload'));
  let registry: ModelRegistry;
  let t: TestServer;
  const K = 48;

  before(async () => {
    registry = tempRegistry();
    saveRandomBnnMlp(registry, 'hot', rng, [K, [32], 4]);
    t = await startTestServer(registry, { backend: 'ts', pollMs: 100 });
  });
  after(async () => t.close());

  it('a version saved while the server runs is served without a restart; model_version pins the old one', async () => {
    const v1 = registry.get('hot', 1);
    const x = rng.bytes(3 * K);
    const call = (version?: string) =>
      unary<InferResponse>(t.client, 'ModelInfer', { model_name: 'hot', model_version: version ?? '', inputs: [{ name: 'input', datatype: 'UINT8', shape: [3, K] }], raw_input_contents: [Buffer.from(x)] });
    assert.equal((await call()).model_version, '1');
    const { model: m2, version } = saveRandomBnnMlp(registry, 'hot', rng, [K, [32], 4]);
    assert.equal(version, 2);
    await waitFor(async () => (await unary<{ ready: boolean }>(t.client, 'ModelReady', { name: 'hot', version: '2' })).ready, 5000, 'version 2 to load');
    const latest = await call();
    assert.equal(latest.model_version, '2');
    assert.deepEqual(f32(latest.raw_output_contents[0]), bnnMlpForward(m2, getBackend('ts'), x, 3).logits);
    const pinned = await call('1');
    assert.equal(pinned.model_version, '1');
    const { loadBnnMlp } = await import('../../../libs/models/bnn-mlp/model');
    assert.deepEqual(f32(pinned.raw_output_contents[0]), bnnMlpForward(loadBnnMlp(v1), getBackend('ts'), x, 3).logits);
    const md = await unary<{ versions: string[] }>(t.client, 'ModelMetadata', { name: 'hot' });
    assert.deepEqual(md.versions, ['1', '2']);
  });

  it('a model added while the server runs is found', async () => {
    saveRandomBnnMlp(registry, 'late', rng, [K, [16], 3]);
    await waitFor(async () => (await unary<{ ready: boolean }>(t.client, 'ModelReady', { name: 'late' })).ready, 5000, "model 'late' to load");
  });
});

describe('inference: dynamic batching', () => {
  const rng = new Rng(testSeed('inference.batching'));
  const K = 784;
  const sizes: [number, number[], number] = [K, [512, 512], 10];
  let registry: ModelRegistry;

  before(() => {
    registry = tempRegistry();
    saveRandomBnnMlp(registry, 'big', rng, sizes);
  });

  async function burst(t: TestServer, count: number): Promise<void> {
    const model = (await import('../../../libs/models/bnn-mlp/model')).loadBnnMlp(registry.get('big', 1));
    const xs = Array.from({ length: count }, (_, i) => rng.bytes((1 + (i % 3)) * K));
    const results = await Promise.all(
      xs.map((x) => unary<InferResponse>(t.client, 'ModelInfer', { model_name: 'big', inputs: [{ name: 'input', datatype: 'UINT8', shape: [x.length / K, K] }], raw_input_contents: [Buffer.from(x)] })),
    );
    results.forEach((r, i) => assert.deepEqual(f32(r.raw_output_contents[0]), bnnMlpForward(model, getBackend('ts'), xs[i], xs[i].length / K).logits, `request ${i} got its own rows`));
  }

  it('concurrent requests to a busy model run as merged calls, each answered with its own rows', async () => {
    const t = await startTestServer(registry, { backend: 'ts', maxBatchRows: 64 });
    try {
      await burst(t, 40);
      const calls = await metric(t, 'bitplane_inference_batch_requests_count', 'model="big"');
      const requests = await metric(t, 'bitplane_inference_batch_requests_sum', 'model="big"');
      assert.equal(requests, 40);
      assert.ok(calls < 40, `40 requests ran in ${calls} model calls (merging expected)`);
      const maxRows = await metric(t, 'bitplane_inference_batch_rows_bucket', 'le="64"');
      assert.equal(maxRows, calls, 'no merged call exceeds --max-batch-rows 64');
    } finally {
      await t.close();
    }
  });

  it('--max-batch-rows 0 switches merging off: one model call per request', async () => {
    const t = await startTestServer(registry, { backend: 'ts', maxBatchRows: 0 });
    try {
      await burst(t, 12);
      assert.equal(await metric(t, 'bitplane_inference_batch_requests_count', 'model="big"'), 12);
      assert.equal(await metric(t, 'bitplane_inference_batch_requests_sum', 'model="big"'), 12);
    } finally {
      await t.close();
    }
  });
});
