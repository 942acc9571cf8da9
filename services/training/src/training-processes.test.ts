/**
 * `bitplane training-service` and `bitplane worker` as real processes from the compiled CLI, against a real Redis:
 * SIGTERM drains the service (watch streams end UNAVAILABLE, exit 0); SIGTERM on a worker mid-job puts the job
 * back on the queue and another worker resumes it from its checkpoint.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { Rng } from '../../../libs/core/src/random';
import { freePort, startRedis, TestRedis } from '../../../libs/testing/redis';
import { healthCheck } from '../../common/src/testing/grpc-clients';
import { jsonToStruct } from '../../common/src/protobuf-wkt';
import type { JobMessage } from './job-view';
import { TrainingClient } from './training-client';

const CLI = path.resolve(__dirname, '..', '..', '..', 'bin', 'main.js');
const seed = Number(process.env.BITPLANE_TEST_SEED ?? Date.now() % 1e9);
console.log(`[training-processes test] seed ${seed}`);
const rng = new Rng(seed);
const token = Array.from(rng.bytes(12), (b) => b.toString(16).padStart(2, '0')).join('');

let redis: TestRedis | undefined;
let tmp: string;
const children = new Set<ChildProcess>();
const logs: string[] = [];

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, BITPLANE_ADMIN_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'] });
  const tag = `[${args[0]} ${child.pid}] `;
  for (const s of [child.stdout!, child.stderr!]) s.on('data', (b: Buffer) => b.toString().split('\n').forEach((l) => l && logs.push(tag + l)));
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function exitOf(child: ChildProcess, ms = 30000): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`process ${child.pid} did not exit within ${ms} ms`)), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}

async function waitServing(addr: string, ms = 60000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if ((await healthCheck(addr, '')) === 'SERVING') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${addr} not SERVING within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startService(): Promise<{ proc: ChildProcess; addr: string; metricsPort: number }> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const proc = start(['training-service', '--host', '127.0.0.1', '--port', String(port), '--metrics-port', String(metricsPort), '--registry', path.join(tmp, 'models'), '--datasets', tmp, '--redis', redis!.url]);
  const addr = `127.0.0.1:${port}`;
  await waitServing(addr);
  return { proc, addr, metricsPort };
}

before(async () => {
  assert.ok(fs.existsSync(CLI), `compiled CLI not found at ${CLI}`);
  redis = await startRedis();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-trainproc-'));
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.allSettled([...children].map((c) => exitOf(c, 5000)));
  await redis?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('training-service process: /metrics over HTTP; SIGTERM ends watch streams with UNAVAILABLE, drains and exits 0', async () => {
  const { proc, addr, metricsPort } = await startService();
  const client = new TrainingClient(addr, token);
  try {
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^bitplane_training_jobs\{state="queued"\} 0$/m);
    // No worker runs: the job stays queued and its watch stream stays open until the drain.
    const { job_id } = await client.submitJob({ family: 'mlp', dataset: 'fashion-mnist', model_name: 'drain-probe', hyperparameters: jsonToStruct({ hiddenSizes: [16], limit: 300, epochs: 1 }) });
    const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
      const call = client.watchJob(job_id);
      call.on('data', () => undefined);
      call.on('error', (e: grpc.ServiceError) => resolve(e));
      call.on('end', () => resolve(undefined));
    });
    await new Promise((r) => setTimeout(r, 300));
    proc.kill('SIGTERM');
    const err = await ended;
    assert.equal(err?.code, grpc.status.UNAVAILABLE, `watch ended with ${err?.code} ${err?.details}`);
    assert.deepEqual(await exitOf(proc), { code: 0, signal: null });
    await assert.rejects(healthCheck(addr, ''), 'the port is closed after the drain');
  } catch (e) {
    console.log(logs.slice(-40).join('\n'));
    throw e;
  } finally {
    client.close();
  }
});

test('worker process: SIGTERM mid-job puts the job back on the queue; the next worker resumes it', async () => {
  const { proc: svc, addr } = await startService();
  const client = new TrainingClient(addr, token);
  const workerArgs = ['worker', '--redis', redis!.url, '--registry', path.join(tmp, 'models'), '--datasets', tmp, '--lock-duration', '4000', '--stalled-interval', '1000'];
  let first: ChildProcess | undefined = start(workerArgs);
  let second: ChildProcess | undefined;
  try {
    const epochs = 4;
    const { job_id } = await client.submitJob({ family: 'binaryconnect-mlp', dataset: 'fashion-mnist', model_name: 'term-resume', hyperparameters: jsonToStruct({ hiddenSizes: [16], limit: 600, epochs, batchSize: 10, seed: rng.int(1e6) }) });
    let stoppedAt: number | undefined;
    let firstExit: Promise<{ code: number | null; signal: string | null }> | undefined;
    const seen: JobMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.watchJob(job_id, { deadline: Date.now() + 180000 });
      call.on('data', (j: JobMessage) => {
        seen.push(j);
        const p = j.progress;
        if (stoppedAt === undefined && p?.phase === 'training' && p.epoch === 2 && p.batch < p.batches) {
          stoppedAt = p.epoch;
          firstExit = exitOf(first!);
          first!.kill('SIGTERM');
          // The next worker starts once the first has let go of the job.
          void firstExit.then(() => (second = start(workerArgs)));
        }
      });
      call.on('error', reject);
      call.on('end', () => resolve());
    });
    assert.deepEqual(await firstExit, { code: 0, signal: null }, 'worker exits 0 on SIGTERM');
    const last = seen[seen.length - 1];
    assert.equal(last.state, 'JOB_STATE_SUCCEEDED', `final ${last.state}: ${last.error}`);
    assert.ok(seen.some((j, i) => i > 0 && j.state === 'JOB_STATE_QUEUED' && seen.slice(0, i).some((k) => k.state === 'JOB_STATE_RUNNING')), 'went back to QUEUED after SIGTERM');
    assert.equal(last.attempts_started, 2);
    const m = new ModelRegistry(path.join(tmp, 'models')).manifest('term-resume');
    assert.equal(m.training?.resumedFromEpoch, stoppedAt! - 1, 'resumed from the checkpoint, not from scratch');
    assert.deepEqual(m.training?.history?.map((h) => h.epoch), [1, 2, 3, 4]);
  } catch (e) {
    console.log(logs.slice(-60).join('\n'));
    throw e;
  } finally {
    client.close();
    for (const w of [first, second]) w?.kill('SIGKILL');
    svc.kill('SIGTERM');
    await exitOf(svc).catch(() => svc.kill('SIGKILL'));
    first = undefined;
  }
});

test('training-service process: health goes NOT_SERVING for the service while Redis is gone', async () => {
  const { proc, addr } = await startService();
  try {
    assert.equal(await healthCheck(addr, 'bitplane.v1.TrainingService'), 'SERVING');
    await redis!.stop();
    let status = '';
    for (let i = 0; i < 100 && status !== 'NOT_SERVING'; i++) {
      status = await healthCheck(addr, 'bitplane.v1.TrainingService');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 'NOT_SERVING');
    proc.kill('SIGTERM');
    assert.deepEqual(await exitOf(proc), { code: 0, signal: null }, 'still drains and exits 0 without Redis');
  } catch (e) {
    console.log(logs.slice(-20).join('\n'));
    throw e;
  }
});
