/** DynamicBatcher on a controllable host: immediate run when idle, merging while busy, the row cap, drops, errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../../libs/core/src/random';
import { ModelHost } from '../hosts/model-host';
import { Tensor } from '../tensors/tensor';
import { testSeed } from '../testing/test-server';
import { BatchJob, DynamicBatcher } from './dynamic-batcher';

/** A host computing y = 2x + 1 per element, whose calls finish only when the test releases them. */
function gatedHost(): { host: ModelHost; calls: number[]; release(): void; pending(): number } {
  const calls: number[] = [];
  const gates: Array<() => void> = [];
  const host: ModelHost = {
    name: 'gated',
    version: 1,
    family: 'test',
    platform: 'test',
    signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }] },
    device: 'test',
    batchable: true,
    infer(inputs) {
      const x = inputs.get('x')!;
      calls.push(x.shape[0]);
      const y = Float32Array.from(x.data as Float32Array, (v) => 2 * v + 1);
      return new Promise<Tensor[]>((resolve) => gates.push(() => resolve([{ name: 'y', datatype: 'FP32', shape: [...x.shape], data: y }])));
    },
    dispose() {},
  };
  return { host, calls, release: () => gates.shift()?.(), pending: () => gates.length };
}

// Two turns: the host promise settles (microtask), then the batcher's setImmediate drain runs.
const tick = async () => {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
};

describe('DynamicBatcher', () => {
  const rng = new Rng(testSeed('dynamic-batcher'));
  const observed = { batches: [] as Array<[number, number]>, dropped: 0, depth: 0 };
  const observer = {
    batch: (requests: number, rows: number) => observed.batches.push([requests, rows]),
    queueDepth: (d: number) => (observed.depth = d),
    dropped: () => observed.dropped++,
  };
  function job(rows: number, abandoned: () => Error | undefined = () => undefined): { job: BatchJob; x: Float32Array; result: Promise<Tensor[]> } {
    const x = Float32Array.from({ length: rows * 2 }, () => rng.normal());
    let job!: BatchJob;
    const result = new Promise<Tensor[]>((resolve, reject) => {
      job = { inputs: new Map([['x', { name: 'x', datatype: 'FP32', shape: [rows, 2], data: x }]]), rows, abandoned, resolve, reject };
    });
    return { job, x, result };
  }

  it('runs at once when idle, merges what queued while busy (up to maxRows), splits results per job, drops abandoned jobs', async () => {
    observed.batches = [];
    observed.dropped = 0;
    const g = gatedHost();
    const b = new DynamicBatcher(g.host, 8, observer);
    const first = job(3);
    b.submit(first.job);
    assert.deepEqual(g.calls, [3], 'an idle model runs the request at once');
    const client: { cancelled?: Error } = {};
    const queued = [job(2), job(4), job(1, () => client.cancelled), job(5), job(2)];
    for (const q of queued) b.submit(q.job);
    assert.equal(b.depth, 5);
    const droppedCheck = assert.rejects(queued[2].result, /client cancelled/);
    client.cancelled = new Error('client cancelled');
    g.release();
    await tick();
    // 2 + 4 fit in 8 rows; the cancelled job is dropped; 5 would exceed 8.
    assert.deepEqual(g.calls, [3, 6]);
    await droppedCheck;
    assert.equal(observed.dropped, 1);
    g.release();
    await tick();
    assert.deepEqual(g.calls, [3, 6, 7]);
    g.release();
    await tick();
    for (const q of [first, ...queued.filter((_, i) => i !== 2)]) {
      const [y] = await q.result;
      assert.deepEqual(y.shape, [q.x.length / 2, 2]);
      assert.deepEqual(y.data, Float32Array.from(q.x, (v) => 2 * v + 1), 'each job gets exactly its own rows');
    }
    assert.equal(b.depth, 0);
    assert.deepEqual(observed.batches, [[1, 3], [2, 6], [2, 7]]);
    // Idle again: the next job runs at once.
    b.submit(job(1).job);
    assert.deepEqual(g.calls, [3, 6, 7, 1]);
    g.release();
  });

  it('maxRows 0 switches merging off; a job larger than maxRows runs alone; a host error rejects its calls and the batcher keeps going', async () => {
    const g = gatedHost();
    const b = new DynamicBatcher(g.host, 0, observer);
    const jobs = [job(1), job(1), job(1)];
    for (const j of jobs) b.submit(j.job);
    for (let i = 0; i < 3; i++) {
      g.release();
      await tick();
    }
    assert.deepEqual(g.calls, [1, 1, 1]);
    await Promise.all(jobs.map((j) => j.result));

    const g2 = gatedHost();
    const b2 = new DynamicBatcher(g2.host, 4, observer);
    const big = [job(1), job(9), job(1)];
    for (const j of big) b2.submit(j.job);
    for (let i = 0; i < 3; i++) {
      g2.release();
      await tick();
    }
    assert.deepEqual(g2.calls, [1, 9, 1]);

    const failing: ModelHost = { ...g.host, infer: () => { throw new Error('kernel exploded'); } };
    const b3 = new DynamicBatcher(failing, 4, observer);
    const bad = job(2);
    b3.submit(bad.job);
    await assert.rejects(bad.result, /kernel exploded/);
    const after = job(1);
    b3.submit(after.job);
    await assert.rejects(after.result, /kernel exploded/);
  });
});
