/**
 * SIGTERM under load (server in its own process): it stops accepting, answers every call it had accepted, and
 * exits 0. Calls it never accepted fail UNAVAILABLE; none ends CANCELLED, INTERNAL or UNKNOWN.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Rng } from '../../../libs/core/src/random';
import { getBackend } from '../../../libs/kernels/src/select';
import { bnnMlpForward } from '../../../libs/models/bnn-mlp/model';
import { inferenceClient, unary } from './client/inference-client';
import { spawnInferenceServer } from './testing/spawn-server';
import { saveRandomBnnMlp, tempRegistry, testSeed } from './testing/test-server';

describe('inference: SIGTERM drain', () => {
  it('answers every accepted call under load, refuses new ones, exits 0', async () => {
    const rng = new Rng(testSeed('inference.sigterm'));
    const registry = tempRegistry();
    const K = 784;
    const { model } = saveRandomBnnMlp(registry, 'm', rng, [K, [256], 10]);
    const s = await spawnInferenceServer(registry.root);
    const client = inferenceClient(s.address);
    const codes = new Map<string, number>();
    let answeredAfterSigterm = 0;
    let sigtermAt = Infinity;
    let wrong = 0;
    const worker = async () => {
      for (;;) {
        const rows = 1 + rng.int(16);
        const x = rng.bytes(rows * K);
        try {
          const r = await unary<{ raw_output_contents: Buffer[] }>(client, 'ModelInfer', { model_name: 'm', inputs: [{ name: 'input', datatype: 'UINT8', shape: [rows, K] }], raw_input_contents: [Buffer.from(x)] });
          codes.set('OK', (codes.get('OK') ?? 0) + 1);
          if (Date.now() > sigtermAt) answeredAfterSigterm++;
          const got = new Float32Array(new Uint8Array(r.raw_output_contents[0]).buffer);
          if (Buffer.compare(Buffer.from(got.buffer), Buffer.from(bnnMlpForward(model, getBackend('ts'), x, rows).logits.buffer)) !== 0) wrong++;
        } catch (e) {
          const name = grpc.status[(e as grpc.ServiceError).code];
          codes.set(name, (codes.get(name) ?? 0) + 1);
          return;
        }
      }
    };
    try {
      assert.deepEqual(await unary(client, 'ServerReady', {}), { ready: true });
      const workers = Array.from({ length: 24 }, worker);
      // SIGTERM once the load is well under way.
      const until = Date.now() + 60000;
      while ((codes.get('OK') ?? 0) < 60 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      sigtermAt = Date.now();
      s.child.kill('SIGTERM');
      const code = await s.exited;
      await Promise.all(workers);
      console.log(`# outcomes: ${JSON.stringify(Object.fromEntries(codes))}; answered after SIGTERM: ${answeredAfterSigterm}`);
      assert.equal(code, 0, `exit code (log:\n${s.log().slice(-2000)})`);
      assert.match(s.log(), /"msg":"drained"/);
      assert.equal(wrong, 0, 'every answer is the forward pass of its own input');
      assert.ok((codes.get('OK') ?? 0) >= 60 + 1, 'load was running');
      assert.ok(answeredAfterSigterm > 0, 'calls in flight at SIGTERM were answered');
      for (const name of codes.keys()) assert.ok(name === 'OK' || name === 'UNAVAILABLE', `outcome ${name} (only OK or UNAVAILABLE allowed)`);
    } finally {
      client.close();
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  });
});
