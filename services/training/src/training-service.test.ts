/**
 * The training service end to end on real parts: a real Redis (libs/testing/redis.ts), the NestJS gRPC server on a
 * free port started exactly as `bitplane training-service` starts it, a real @grpc/grpc-js client, and real
 * `bitplane worker` processes spawned from the compiled CLI. Jobs are tiny (hidden 16, a few hundred examples).
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { Rng } from '../../../libs/core/src/random';
import { freePort, startRedis, TestRedis } from '../../../libs/testing/redis';
import { healthCheck, reflectionFilesForSymbol, reflectionServices } from '../../common/src/testing/grpc-clients';
import { jsonToStruct } from '../../common/src/protobuf-wkt';
import type { JobMessage } from './job-view';
import { RunningTrainingService, startTrainingService } from './main';
import { TrainingClient } from './training-client';
import { CHECKPOINTS_DIR, TRAINING_SERVICE_NAME } from './training.constants';

// The compiled CLI of this build (BITPLANE_DIST-aware: this file is <outDir>/services/training/src/*.test.js).
const CLI = path.resolve(__dirname, '..', '..', '..', 'bin', 'main.js');

const seed = Number(process.env.BITPLANE_TEST_SEED ?? Date.now() % 1e9);
console.log(`[training-service test] seed ${seed}`);
const rng = new Rng(seed);
const token = Array.from(rng.bytes(16), (b) => b.toString(16).padStart(2, '0')).join('');

let redis: TestRedis | undefined;
let service: RunningTrainingService | undefined;
let client: TrainingClient;
let addr: string;
let registryDir: string;
let datasetsDir: string;
const workers = new Set<ChildProcess>();
const workerLogs: string[] = [];

/** Small, fast jobs: first N Fashion-MNIST examples, one hidden layer of 16. */
function tinyHyper(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { hiddenSizes: [16], limit: 400, epochs: 2, batchSize: 50, seed: rng.int(1000000), ...extra };
}

function spawnWorker(extraEnv: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'worker', '--redis', redis!.url, '--registry', registryDir, '--datasets', datasetsDir, '--lock-duration', '4000', '--stalled-interval', '1000'], {
    env: { ...process.env, BITPLANE_LOG_LEVEL: 'info', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tag = `[worker ${child.pid}] `;
  const keep = (b: Buffer): void => {
    for (const line of b.toString().split('\n')) if (line) workerLogs.push(tag + line);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  workers.add(child);
  child.on('exit', () => workers.delete(child));
  return child;
}

async function stopWorker(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 20000);
  const code = await exited;
  clearTimeout(t);
  return code;
}

/** Collects a WatchJob stream until it ends; `onJob` sees each message as it arrives. */
function watchAll(jobId: string, onJob: (j: JobMessage) => void = () => undefined, timeoutMs = 120000): Promise<JobMessage[]> {
  return new Promise((resolve, reject) => {
    const seen: JobMessage[] = [];
    const call = client.watchJob(jobId, { deadline: Date.now() + timeoutMs });
    call.on('data', (j: JobMessage) => {
      seen.push(j);
      onJob(j);
    });
    call.on('error', (e) => reject(Object.assign(e, { seen })));
    call.on('end', () => resolve(seen));
  });
}

function grpcCode(e: unknown): number | undefined {
  return (e as grpc.ServiceError).code;
}

async function expectCode(p: Promise<unknown>, code: grpc.status, pattern?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.equal(grpcCode(e), code, `expected ${grpc.status[code]}, got ${String((e as Error).message)}`);
    if (pattern) assert.match((e as grpc.ServiceError).details, pattern);
    return true;
  });
}

/** Polls `cond` for up to `ms`. */
async function eventually(cond: () => boolean | Promise<boolean>, ms = 10000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await cond()) return true;
  return cond();
}

function dumpWorkerLogs(): void {
  console.log(workerLogs.slice(-60).join('\n'));
}

before(async () => {
  assert.ok(fs.existsSync(CLI), `compiled CLI not found at ${CLI}`);
  redis = await startRedis();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-trainsvc-'));
  registryDir = path.join(tmp, 'models');
  datasetsDir = path.join(tmp, 'datasets');
  fs.mkdirSync(datasetsDir, { recursive: true });
  const port = await freePort();
  service = await startTrainingService({ port, host: '127.0.0.1', metricsPort: 0, registryDir, datasetsDir, redisUrl: redis.url, adminToken: token });
  addr = `127.0.0.1:${port}`;
  client = new TrainingClient(addr, token);
});

after(async () => {
  client?.close();
  await Promise.allSettled([...workers].map((w) => stopWorker(w, 'SIGKILL')));
  await service?.close();
  await redis?.stop();
  fs.rmSync(path.dirname(registryDir ?? os.tmpdir() + '/none/x'), { recursive: true, force: true });
});

test('health answers SERVING for the server and the service; reflection lists and describes the service', async () => {
  assert.equal(await healthCheck(addr, ''), 'SERVING');
  assert.equal(await healthCheck(addr, TRAINING_SERVICE_NAME), 'SERVING');
  await assert.rejects(healthCheck(addr, 'no.such.Service'), (e: unknown) => grpcCode(e) === grpc.status.NOT_FOUND);
  const services = await reflectionServices(addr);
  assert.ok(services.includes(TRAINING_SERVICE_NAME), `reflection lists ${services.join(', ')}`);
  assert.ok(services.includes('grpc.health.v1.Health'), `reflection lists ${services.join(', ')}`);
  assert.ok((await reflectionFilesForSymbol(addr, TRAINING_SERVICE_NAME)) >= 1);
});

test('TLS: with a certificate and key the same server answers over TLS and refuses plaintext', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-tls-'));
  const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { encoding: 'utf8' });
  if (r.status !== 0) {
    t.skip(`openssl could not make a test certificate: ${r.stderr || r.error?.message}`);
    return;
  }
  const port = await freePort();
  const tls = await startTrainingService({ port, host: '127.0.0.1', metricsPort: 0, registryDir, datasetsDir, redisUrl: redis!.url, adminToken: token, tlsCertFile: cert, tlsKeyFile: key });
  try {
    const creds = grpc.credentials.createSsl(fs.readFileSync(cert));
    assert.equal(await healthCheck(`localhost:${port}`, TRAINING_SERVICE_NAME, creds), 'SERVING');
    const secure = new TrainingClient(`localhost:${port}`, token, creds);
    assert.ok(Array.isArray(await secure.listModels()));
    secure.close();
    await assert.rejects(healthCheck(`127.0.0.1:${port}`, ''), (e: unknown) => grpcCode(e) === grpc.status.UNAVAILABLE);
  } finally {
    await tls.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a request over the message-size cap (default 4 MiB): RESOURCE_EXHAUSTED, and the server keeps serving', async () => {
  const big = 'x'.repeat(4 * 1024 * 1024 + 1 + rng.int(1000));
  await expectCode(client.submitJob({ family: 'bnn-mlp', dataset: 'fashion-mnist', model_name: 'too-big', hyperparameters: jsonToStruct({ note: big }) }), grpc.status.RESOURCE_EXHAUSTED);
  assert.equal(await healthCheck(addr, TRAINING_SERVICE_NAME), 'SERVING');
});

test('SubmitJob and CancelJob without the admin token: UNAUTHENTICATED; reads stay open', async () => {
  const anon = new TrainingClient(addr);
  const wrong = new TrainingClient(addr, token.slice(0, -1) + (token.endsWith('0') ? '1' : '0'));
  try {
    const req = { family: 'bnn-mlp', dataset: 'fashion-mnist', model_name: 'auth-probe', hyperparameters: jsonToStruct(tinyHyper()) };
    await expectCode(anon.submitJob(req), grpc.status.UNAUTHENTICATED, /admin token/);
    await expectCode(wrong.submitJob(req), grpc.status.UNAUTHENTICATED, /not valid/);
    await expectCode(anon.cancelJob('whatever'), grpc.status.UNAUTHENTICATED);
    assert.ok(Array.isArray(await anon.listJobs()));
    assert.ok(Array.isArray(await anon.listModels()));
    assert.equal((await anon.listJobs()).filter((j) => j.model_name === 'auth-probe').length, 0, 'refused jobs are not queued');
  } finally {
    anon.close();
    wrong.close();
  }
});

test('invalid hyperparameters, unknown or escaping datasets, bad names and families: INVALID_ARGUMENT at SubmitJob', async () => {
  fs.writeFileSync(path.join(datasetsDir, 'tiny.csv'), 'a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n');
  const base = { family: 'bnn-mlp', dataset: 'fashion-mnist', model_name: 'bad-input' };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...base, hyperparameters: jsonToStruct({ epochs: -1 - rng.int(5) }) }, /hyperparameters\.epochs/],
    [{ ...base, hyperparameters: jsonToStruct({ hiddenSizes: 'sixteen' }) }, /hyperparameters\.hiddenSizes/],
    [{ ...base, hyperparameters: jsonToStruct({ learningRat: 0.01 }) }, /learningRat/],
    [{ ...base, dataset: `no-such-dataset-${rng.int(1e6)}` }, /no-such-dataset/],
    [{ ...base, dataset: '../../etc/passwd' }, /refused|outside/],
    [{ ...base, model_name: 'Bad/Name' }, /invalid model name/],
    [{ ...base, family: 'resnet' }, /unknown family 'resnet'/],
  ];
  const before = (await client.listJobs()).length;
  for (const [req, pattern] of cases) await expectCode(client.submitJob(req as never), grpc.status.INVALID_ARGUMENT, pattern);
  assert.equal((await client.listJobs()).length, before, 'nothing was queued');
  await expectCode(client.getJob('no-such-job'), grpc.status.NOT_FOUND);
  await expectCode(watchAll('no-such-job'), grpc.status.NOT_FOUND, /no-such-job/);
  await expectCode(client.getModel('no-such-model'), grpc.status.NOT_FOUND);
  await expectCode(client.getModel('Bad/Name'), grpc.status.INVALID_ARGUMENT);
});

test('submit -> watch -> model in the registry (and GetModel, ListModels, ListJobs, metrics agree)', async () => {
  const worker = spawnWorker();
  try {
    const hyper = tinyHyper();
    const { job_id, job } = await client.submitJob({ family: 'bnn-mlp', dataset: 'fashion-mnist', model_name: 'svc-tiny', hyperparameters: jsonToStruct(hyper) });
    assert.equal(job.state, 'JOB_STATE_QUEUED');
    assert.equal(job.hyperparameters.fields?.epochs?.numberValue, 2);
    const seen = await watchAll(job_id);
    const last = seen[seen.length - 1];
    assert.equal(last.state, 'JOB_STATE_SUCCEEDED', `final state ${last.state}: ${last.error}`);
    const training = seen.filter((j) => j.progress?.phase === 'training');
    assert.ok(training.length >= 2, `saw ${training.length} training progress messages`);
    assert.ok(training.every((j) => Number.isFinite(j.progress!.loss) && j.progress!.batch >= 1 && j.progress!.epochs === 2));
    assert.deepEqual([...new Set(training.map((j) => j.progress!.epoch))], [1, 2]);
    assert.ok(seen.some((j) => j.state === 'JOB_STATE_RUNNING'));
    assert.deepEqual(last.model, { name: 'svc-tiny', version: 1 });
    assert.ok(last.metrics.testAccuracy > 0.2 && last.metrics.testAccuracy <= 1, `testAccuracy ${last.metrics.testAccuracy}`);
    // The registry holds the model the job reported.
    const reg = new ModelRegistry(registryDir);
    const m = reg.manifest('svc-tiny', 1);
    assert.equal(m.family, 'bnn-mlp');
    assert.equal(m.training?.history?.length, 2);
    assert.equal(m.training?.metrics?.testAccuracy, last.metrics.testAccuracy);
    assert.ok(await eventually(() => !fs.existsSync(path.join(registryDir, CHECKPOINTS_DIR, job_id))), 'checkpoints removed after success');
    const got = await client.getModel('svc-tiny');
    assert.equal(got.version, 1);
    assert.equal(got.sha256, m.sha256);
    assert.equal(got.history.length, 2);
    assert.deepEqual(got.inputs[0], { name: 'input', datatype: 'UINT8', shape: ['-1', '784'] });
    assert.ok((await client.listModels()).some((s) => s.name === 'svc-tiny' && s.latest_version === 1 && s.family === 'bnn-mlp'));
    assert.ok((await client.listJobs(['JOB_STATE_SUCCEEDED'])).some((j) => j.job_id === job_id));
    assert.equal((await client.getJob(job_id)).state, 'JOB_STATE_SUCCEEDED');
    const metrics = await (await fetch(`http://127.0.0.1:${service!.metricsPort}/metrics`)).text();
    assert.match(metrics, /^bitplane_training_jobs\{state="done"\} [1-9]/m);
    assert.match(metrics, /^bitplane_training_jobs_submitted_total [1-9]/m);
    assert.match(metrics, /^bitplane_training_epoch_duration_seconds_count\{family="bnn-mlp"\} [1-9]/m);
  } catch (e) {
    dumpWorkerLogs();
    throw e;
  } finally {
    assert.equal(await stopWorker(worker), 0, 'worker exits 0 on SIGTERM');
  }
});

test('cancel: a running job stops within a batch and writes no model; a queued job never starts', async () => {
  const worker = spawnWorker();
  try {
    const long = await client.submitJob({ family: 'bnn-mlp', dataset: 'fashion-mnist', model_name: 'svc-cancel', hyperparameters: jsonToStruct(tinyHyper({ epochs: 200, limit: 600, batchSize: 20 })) });
    const queued = await client.submitJob({ family: 'mlp', dataset: 'fashion-mnist', model_name: 'svc-cancel-queued', hyperparameters: jsonToStruct(tinyHyper()) });
    let cancelledAt: { epoch: number; batch: number } | undefined;
    let cancelSent: Promise<JobMessage> | undefined;
    let queuedReply: JobMessage | undefined;
    const seen = await watchAll(long.job_id, (j) => {
      if (!cancelSent && j.state === 'JOB_STATE_RUNNING' && j.progress?.phase === 'training' && j.progress.batch >= 2) {
        cancelledAt = { epoch: j.progress.epoch, batch: j.progress.batch };
        // The worker (concurrency 1) is busy with the long job, so the second one is still queued: cancel it first.
        cancelSent = client.cancelJob(queued.job_id).then((q) => {
          queuedReply = q;
          return client.cancelJob(long.job_id);
        });
      }
    });
    const reply = await cancelSent!;
    assert.equal(queuedReply?.state, 'JOB_STATE_CANCELLED', 'a queued job reads CANCELLED at once');
    assert.ok(reply.cancel_requested || reply.state === 'JOB_STATE_CANCELLED');
    const last = seen[seen.length - 1];
    assert.equal(last.state, 'JOB_STATE_CANCELLED', `final ${last.state}: ${last.error}`);
    assert.match(last.error, /cancelled/);
    const lastTraining = seen.filter((j) => j.progress?.phase === 'training').pop()!;
    console.log(`cancel requested at epoch ${cancelledAt!.epoch} batch ${cancelledAt!.batch}; last progress epoch ${lastTraining.progress!.epoch} batch ${lastTraining.progress!.batch}`);
    assert.ok(lastTraining.progress!.epoch < 200, 'the job did not run to the end');
    assert.equal(new ModelRegistry(registryDir).listVersions('svc-cancel').length, 0, 'no model written');
    assert.ok(await eventually(() => !fs.existsSync(path.join(registryDir, CHECKPOINTS_DIR, long.job_id))), 'checkpoints removed');
    await expectCode(client.cancelJob(long.job_id), grpc.status.FAILED_PRECONDITION, /already finished/);

    // The worker picks the cancelled queued job up next and drops it without training.
    const qSeen = await watchAll(queued.job_id);
    assert.deepEqual(qSeen.map((j) => j.state), ['JOB_STATE_CANCELLED'], 'its watch ends at once');
    assert.ok(await eventually(async () => (await client.getJob(queued.job_id)).error.includes('before it started')), 'dropped before it started');
    assert.equal((await client.getJob(queued.job_id)).progress, null, 'it never reported progress');
    assert.equal(new ModelRegistry(registryDir).listVersions('svc-cancel-queued').length, 0);
  } catch (e) {
    dumpWorkerLogs();
    throw e;
  } finally {
    await stopWorker(worker);
  }
});

test('a worker killed with SIGKILL mid-epoch: another worker recovers the stalled job and resumes from its checkpoint', async () => {
  const first = spawnWorker();
  let second: ChildProcess | undefined;
  try {
    const epochs = 5;
    const { job_id } = await client.submitJob({ family: 'bnn-mlp', dataset: 'fashion-mnist', model_name: 'svc-resume', hyperparameters: jsonToStruct(tinyHyper({ epochs, limit: 600, batchSize: 10 })) });
    let killedAt: { epoch: number; batch: number; time: number } | undefined;
    const afterKill: JobMessage[] = [];
    const seen = await watchAll(job_id, (j) => {
      const p = j.progress;
      if (!killedAt && j.state === 'JOB_STATE_RUNNING' && p?.phase === 'training' && p.epoch === 2 && p.batch < p.batches) {
        // Epoch 1's checkpoint is written before epoch 2's first batch is reported.
        first.kill('SIGKILL');
        killedAt = { epoch: p.epoch, batch: p.batch, time: Date.now() };
        second = spawnWorker();
      } else if (killedAt && p?.updated_at && Number(p.updated_at.seconds) * 1000 + p.updated_at.nanos / 1e6 > killedAt.time) {
        afterKill.push(j);
      }
    }, 180000);
    assert.ok(killedAt, 'the first worker was killed during epoch 2');
    const last = seen[seen.length - 1];
    assert.equal(last.state, 'JOB_STATE_SUCCEEDED', `final ${last.state}: ${last.error}`);
    assert.equal(last.attempts_started, 2, 'started twice: once per worker');
    const resumedTraining = afterKill.filter((j) => j.progress?.phase === 'training');
    assert.ok(resumedTraining.length > 0, 'the second worker reported training progress');
    const firstEpochAfter = resumedTraining[0].progress!.epoch;
    const firstAt = resumedTraining[0].progress!.updated_at!;
    const recoverySeconds = (Number(firstAt.seconds) * 1000 + firstAt.nanos / 1e6 - killedAt!.time) / 1000;
    console.log(`killed at epoch ${killedAt!.epoch} batch ${killedAt!.batch}; second worker's first report: epoch ${firstEpochAfter} batch ${resumedTraining[0].progress!.batch}, ${recoverySeconds.toFixed(1)} s after the kill (lock 4 s, stalled check 1 s, includes the new worker's start and data loading)`);
    assert.equal(firstEpochAfter, killedAt!.epoch, 'resumed in the epoch it was killed in, not from scratch');
    const m = new ModelRegistry(registryDir).manifest('svc-resume');
    assert.equal(m.training?.resumedFromEpoch, killedAt!.epoch - 1);
    assert.deepEqual(new ModelRegistry(registryDir).listVersions('svc-resume'), [1], 'one model, saved once');
    assert.deepEqual(m.training?.history?.map((h) => h.epoch), Array.from({ length: epochs }, (_, i) => i + 1), 'every epoch once');
  } catch (e) {
    dumpWorkerLogs();
    throw e;
  } finally {
    await stopWorker(first, 'SIGKILL');
    if (second) await stopWorker(second);
  }
});
