/**
 * Load and access limits against the real server: calls over the in-flight cap fail at once with
 * RESOURCE_EXHAUSTED; a call whose deadline passes or that the client cancels while it queues is dropped without
 * running; model-control RPCs need the admin token when one is set; TLS with a certificate and key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Rng } from '../../../libs/core/src/random';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { getBackend } from '../../../libs/kernels/src/select';
import { bnnMlpForward, loadBnnMlp } from '../../../libs/models/bnn-mlp/model';
import { inferenceClient, unary } from './client/inference-client';
import { spawnInferenceServer } from './testing/spawn-server';
import { TestServer, saveRandomBnnMlp, startTestServer, tempRegistry, testSeed } from './testing/test-server';

const K = 784;

async function metric(t: { metricsUrl: string }, name: string, labels: string): Promise<number> {
  const text = await (await fetch(t.metricsUrl)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((s, l) => s + Number(l.split(' ').pop()), 0);
}

describe('inference limits', () => {
  const rng = new Rng(testSeed('inference.limits'));
  let registry: ModelRegistry;
  /** Rows whose forward pass on the ts backend takes about 300 ms here (measured, so the test adapts to the machine). */
  let slowRows = 0;
  let slowMs = 0;

  before(() => {
    registry = tempRegistry();
    saveRandomBnnMlp(registry, 'big', rng, [K, [1024, 1024], 10]);
    const model = loadBnnMlp(registry.get('big'));
    const x = rng.bytes(16 * K);
    // Warm the JIT first (the server runs in this process), then time.
    for (let i = 0; i < 3; i++) bnnMlpForward(model, getBackend('ts'), x, 16);
    const t0 = performance.now();
    bnnMlpForward(model, getBackend('ts'), x, 16);
    const perRow = (performance.now() - t0) / 16;
    slowRows = Math.max(4, Math.ceil(300 / perRow));
    slowMs = slowRows * perRow;
    console.log(`# ${slowRows} rows take about ${slowMs.toFixed(0)} ms on ts`);
  });

  const req = (rows: number) => ({ model_name: 'big', inputs: [{ name: 'input', datatype: 'UINT8', shape: [rows, K] }], raw_input_contents: [Buffer.from(rng.bytes(rows * K))] });

  it('more calls in flight than --max-inflight: RESOURCE_EXHAUSTED at once, the others answered', async () => {
    const t = await startTestServer(registry, { backend: 'ts', maxInFlight: 2 });
    try {
      const settled = await Promise.allSettled(Array.from({ length: 8 }, () => unary(t.client, 'ModelInfer', req(slowRows))));
      const codes = settled.map((s) => (s.status === 'fulfilled' ? 'OK' : grpc.status[(s.reason as grpc.ServiceError).code]));
      assert.ok(codes.every((c) => c === 'OK' || c === 'RESOURCE_EXHAUSTED'), codes.join(','));
      assert.ok(codes.filter((c) => c === 'OK').length >= 2, codes.join(','));
      assert.ok(codes.includes('RESOURCE_EXHAUSTED'), codes.join(','));
      const refused = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
      assert.match((refused.reason as grpc.ServiceError).details, /limit 2/);
      // Health still answers (not counted).
      assert.deepEqual(await unary(t.client, 'ServerLive', {}), { live: true });
    } finally {
      await t.close();
    }
  });

  it('a call whose deadline passes while the model is busy is dropped and never runs (server in its own process; client: DEADLINE_EXCEEDED)', async () => {
    const s = await spawnInferenceServer(registry.root, { BITPLANE_MAX_BATCH_ROWS: '1' });
    const client = inferenceClient(s.address);
    try {
      await unary(client, 'ModelInfer', req(slowRows)); // warm-up, so the timings below hold
      const runsBefore = await metric(s, 'bitplane_inference_batch_requests_count', 'model="big"');
      const a = unary(client, 'ModelInfer', req(slowRows));
      await new Promise((r) => setTimeout(r, slowMs / 6));
      const c = unary(client, 'ModelInfer', req(slowRows));
      await new Promise((r) => setTimeout(r, slowMs / 6));
      const b = unary(client, 'ModelInfer', req(1), new grpc.Metadata(), { deadline: Date.now() + slowMs / 3 });
      await assert.rejects(b, (e: grpc.ServiceError) => e.code === grpc.status.DEADLINE_EXCEEDED);
      await Promise.all([a, c]);
      assert.equal((await metric(s, 'bitplane_inference_batch_requests_count', 'model="big"')) - runsBefore, 2, 'the expired call never ran');
      // Depending on timing grpc-js ends the call before its handler runs, or the batcher drops it.
      const dropped = await metric(s, 'bitplane_inference_dropped_total', 'reason="deadline"');
      console.log(`# expired call: dropped by the batcher ${dropped}`);
      assert.ok(dropped <= 1);
    } finally {
      client.close();
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('a call the client cancels while it queues is dropped and never runs (server in its own process; client: CANCELLED)', async () => {
    const s = await spawnInferenceServer(registry.root, { BITPLANE_MAX_BATCH_ROWS: '1' });
    const client = inferenceClient(s.address);
    try {
      await unary(client, 'ModelInfer', req(slowRows)); // warm-up, so the timings below hold
      const runsBefore = await metric(s, 'bitplane_inference_batch_requests_count', 'model="big"');
      const a = unary(client, 'ModelInfer', req(slowRows));
      await new Promise((r) => setTimeout(r, slowMs / 6));
      const c = unary(client, 'ModelInfer', req(slowRows));
      await new Promise((r) => setTimeout(r, slowMs / 6));
      const call = (client as unknown as Record<string, (r: object, cb: (e: grpc.ServiceError | null) => void) => grpc.ClientUnaryCall>).ModelInfer(req(1), () => undefined);
      const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
      await new Promise((r) => setTimeout(r, slowMs / 6));
      call.cancel();
      assert.equal((await status).code, grpc.status.CANCELLED);
      await Promise.all([a, c]);
      assert.equal((await metric(s, 'bitplane_inference_batch_requests_count', 'model="big"')) - runsBefore, 2, 'the cancelled call never ran');
      const dropped = await metric(s, 'bitplane_inference_dropped_total', 'reason="cancelled"');
      const failures = await metric(s, 'bitplane_inference_failures_total', 'code="CANCELLED"');
      console.log(`# cancelled call: dropped from the queue ${dropped}, failed as CANCELLED ${failures}`);
      assert.ok(dropped <= 1);
    } finally {
      client.close();
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });
});

describe('inference admin token and TLS', () => {
  const rng = new Rng(testSeed('inference.auth'));
  let registry: ModelRegistry;
  let t: TestServer;

  before(async () => {
    registry = tempRegistry();
    saveRandomBnnMlp(registry, 'm', rng, [16, [8], 2]);
    t = await startTestServer(registry, { backend: 'ts' }, { BITPLANE_ADMIN_TOKEN: 's3cret-token' });
  });
  after(async () => t.close());

  it('RepositoryModelLoad / Unload need the bearer token when BITPLANE_ADMIN_TOKEN is set (UNAUTHENTICATED)', async () => {
    for (const rpc of ['RepositoryModelUnload', 'RepositoryModelLoad']) {
      await assert.rejects(unary(t.client, rpc, { model_name: 'm' }), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED && /admin token/.test(e.details));
      const wrong = new grpc.Metadata();
      wrong.set('authorization', 'Bearer nope');
      await assert.rejects(unary(t.client, rpc, { model_name: 'm' }, wrong), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED);
    }
    const md = new grpc.Metadata();
    md.set('authorization', 'Bearer s3cret-token');
    await unary(t.client, 'RepositoryModelUnload', { model_name: 'm' }, md);
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'm' }), { ready: false });
    await unary(t.client, 'RepositoryModelLoad', { model_name: 'm' }, md);
    assert.deepEqual(await unary(t.client, 'ModelReady', { name: 'm' }), { ready: true });
    const rest = await fetch(`${t.httpUrl}/v2/repository/models/m/unload`, { method: 'POST' });
    assert.equal(rest.status, 401);
  });

  it('TLS: served over TLS with a certificate and key; a plaintext client cannot call', async (ctx) => {
    let openssl = true;
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      openssl = false;
    }
    if (!openssl) {
      ctx.skip('openssl not installed: cannot make a test certificate');
      return;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const s = await startTestServer(registry, { backend: 'ts', tlsCert: cert, tlsKey: key });
    try {
      const secure = inferenceClient(s.address.replace('127.0.0.1', 'localhost'), grpc.credentials.createSsl(fs.readFileSync(cert)));
      try {
        assert.deepEqual(await unary(secure, 'ServerLive', {}), { live: true });
        const r = await unary<{ raw_output_contents: Buffer[] }>(secure, 'ModelInfer', { model_name: 'm', inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, 16] }], raw_input_contents: [Buffer.from(rng.bytes(16))] });
        assert.equal(r.raw_output_contents[0].length, 8);
      } finally {
        secure.close();
      }
      await assert.rejects(unary(s.client, 'ServerLive', {}, new grpc.Metadata(), { deadline: Date.now() + 3000 }), (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE || e.code === grpc.status.DEADLINE_EXCEEDED);
    } finally {
      await s.close();
    }
  });
});
