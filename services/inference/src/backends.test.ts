/** Per-backend identity: the same requests to servers on every available backend (ts, cpu, cuda where present) give bit-identical bnn-mlp logits. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../libs/core/src/random';
import { backendStatuses } from '../../../libs/kernels/src/select';
import { unary } from './client/inference-client';
import { saveRandomBnnMlp, startTestServer, tempRegistry, testSeed } from './testing/test-server';

describe('inference: per-backend results', () => {
  const statuses = backendStatuses();
  for (const s of statuses.filter((b) => !b.available)) console.log(`# backend ${s.name} skipped: ${s.detail}`);
  const available = statuses.filter((s) => s.available).map((s) => s.name);

  it(`bnn-mlp logits are bit-identical on ${available.join(', ')}`, async () => {
    const rng = new Rng(testSeed('inference.backends'));
    const registry = tempRegistry();
    const K = 200;
    saveRandomBnnMlp(registry, 'bnn', rng, [K, [130, 70], 10]);
    const n = 17;
    const x = rng.bytes(n * K);
    const results: Record<string, Buffer> = {};
    for (const backend of available) {
      const t = await startTestServer(registry, { backend });
      try {
        const r = await unary<{ raw_output_contents: Buffer[] }>(t.client, 'ModelInfer', { model_name: 'bnn', inputs: [{ name: 'input', datatype: 'UINT8', shape: [n, K] }], raw_input_contents: [Buffer.from(x)] });
        results[backend] = Buffer.from(r.raw_output_contents[0]);
        const metrics = await (await fetch(t.metricsUrl)).text();
        assert.match(metrics, new RegExp(`bitplane_inference_backend_info\\{backend="${backend}"`));
      } finally {
        await t.close();
      }
    }
    for (const b of available) assert.ok(results[b].equals(results.ts), `backend ${b} agrees with ts bit for bit`);
  });
});
