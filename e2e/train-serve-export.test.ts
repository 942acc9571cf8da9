/**
 * The whole path, with every part a real process: Redis (testcontainers when Docker answers, else Debian's
 * redis-server), `bitplane training-service`, `bitplane worker` and `bitplane serve`, on free loopback ports over a
 * temporary registry, configured through the environment as the containers are. Everything below goes over gRPC:
 * a small bnn-mlp job on Fashion-MNIST is submitted and watched to completion, the inference service picks the
 * new version up without a restart, ModelInfer on the whole test set reproduces the in-process bitwise forward
 * pass and the accuracy the job reported, the ONNX export (CLI) run by onnxruntime-node agrees with ModelInfer on
 * every image, a worker killed mid-job is replaced by a new one that finishes the job, and SIGTERM under load
 * answers every accepted request. Every process is stopped in after(), also when a test fails.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as ort from 'onnxruntime-node';
import { loadMnistLike } from '../libs/core/src/idx';
import { freshSeed, Rng } from '../libs/core/src/random';
import { ModelRegistry } from '../libs/core/src/registry';
import { getBackend } from '../libs/kernels/src/select';
import { argmaxRows, bnnMlpForward, loadBnnMlp } from '../libs/models/bnn-mlp/model';
import { freePort, startRedis, TestRedis } from '../libs/testing/redis';
import { jsonToStruct } from '../services/common/src/protobuf-wkt';
import { inferenceClient, unary } from '../services/inference/src/client/inference-client';
import type { JobMessage } from '../services/training/src/job-view';
import { TrainingClient } from '../services/training/src/training-client';
import { CLI, ServiceProcess, stopAllServices } from './service-process';

const seed = Number(process.env.BITPLANE_TEST_SEED ?? freshSeed());
console.log(`[e2e] seed ${seed} (BITPLANE_TEST_SEED=${seed} repeats this run)`);
const rng = new Rng(seed);

const MODEL = 'e2e-fashion';
const RESUME_MODEL = 'e2e-resume';
const CLASSES = 10;
const PIXELS = 784;
const CHUNK = 1000; // rows per ModelInfer call

interface InferOutput {
  name: string;
  datatype: string;
  shape: string[];
}
interface InferResponse {
  model_name: string;
  model_version: string;
  outputs: InferOutput[];
  raw_output_contents: Buffer[];
}

let tmp = '';
let registryDir = '';
let redis: TestRedis | undefined;
let training: ServiceProcess | undefined;
let worker: ServiceProcess | undefined;
let inference: ServiceProcess | undefined;
let trainingClient: TrainingClient | undefined;
let infer: grpc.Client | undefined;
let inferenceAddress = '';
const serviceEnv: Record<string, string> = {};

function startWorker(label: string): ServiceProcess {
  // Short lock and stalled-check periods so a killed worker's job is recovered in seconds, not the default 30 s.
  return new ServiceProcess(label, ['worker'], { ...serviceEnv, BITPLANE_WORKER_LOCK_MS: '4000', BITPLANE_WORKER_STALLED_MS: '1000' });
}

/** Follows WatchJob until the stream ends; every message, in order. */
function watchToEnd(client: TrainingClient, jobId: string, onMessage: (j: JobMessage) => void = () => undefined, timeoutMs = 150000): Promise<JobMessage[]> {
  return new Promise((resolve, reject) => {
    const seen: JobMessage[] = [];
    const call = client.watchJob(jobId, { deadline: Date.now() + timeoutMs });
    call.on('data', (j: JobMessage) => {
      seen.push(j);
      onMessage(j);
    });
    call.on('error', (e: grpc.ServiceError) => reject(new Error(`WatchJob ${jobId}: ${grpc.status[e.code]}: ${e.details}; last state ${seen[seen.length - 1]?.state}`)));
    call.on('end', () => resolve(seen));
  });
}

/** ModelInfer with raw UINT8 rows; returns the FP32 logits. */
async function modelInfer(client: grpc.Client, name: string, version: string, x: Uint8Array, n: number): Promise<Float32Array> {
  const res = await unary<InferResponse>(client, 'ModelInfer', {
    model_name: name,
    model_version: version,
    inputs: [{ name: 'input', datatype: 'UINT8', shape: [String(n), String(PIXELS)] }],
    raw_input_contents: [Buffer.from(x.buffer, x.byteOffset, x.byteLength)],
  });
  assert.equal(res.outputs.length, 1);
  assert.deepEqual({ name: res.outputs[0].name, datatype: res.outputs[0].datatype, shape: res.outputs[0].shape.map(Number) }, { name: 'logits', datatype: 'FP32', shape: [n, CLASSES] });
  const raw = res.raw_output_contents[0];
  assert.equal(raw.byteLength, n * CLASSES * 4);
  // Little-endian FP32, as the protocol specifies (this machine is little-endian too, checked by the copy below).
  const out = new Float32Array(n * CLASSES);
  for (let i = 0; i < out.length; i++) out[i] = raw.readFloatLE(i * 4);
  return out;
}

/** Index of the first differing element, or -1. */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function accuracy(pred: Int32Array, labels: Uint8Array, idx?: number[]): number {
  const rows = idx ?? Array.from(pred.keys());
  let ok = 0;
  for (const i of rows) if (pred[i] === labels[i]) ok++;
  return ok / rows.length;
}

async function waitModelReady(name: string, version: string, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = await unary<{ ready: boolean }>(infer!, 'ModelReady', { name, version }).then(
      (r) => r.ready,
      () => false,
    );
    if (ready) return;
    if (!inference?.running) throw new Error(`inference ${inference?.describeExit()}:\n${inference?.log()}`);
    if (Date.now() > deadline) throw new Error(`${name}:${version} not ready on the inference service within ${timeoutMs} ms:\n${inference?.log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('end to end: train through the queue, serve, export, recover', () => {
  const fashion = loadMnistLike();
  const test = fashion.test;
  let reportedAccuracy = NaN;
  let servedLogits: Float32Array | undefined;
  let inferencePid = -1;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-e2e-'));
    registryDir = path.join(tmp, 'models');
    const datasetsDir = path.join(tmp, 'datasets');
    fs.mkdirSync(registryDir);
    fs.mkdirSync(datasetsDir);
    redis = await startRedis();
    console.log(`[e2e] Redis via ${redis.via} at ${redis.url}`);
    Object.assign(serviceEnv, { REDIS_URL: redis.url, BITPLANE_REGISTRY: registryDir, BITPLANE_DATASETS: datasetsDir });
    const [trainingPort, inferencePort] = [await freePort(), await freePort()];
    training = new ServiceProcess('training-service', ['training-service'], {
      ...serviceEnv,
      BITPLANE_HOST: '127.0.0.1',
      BITPLANE_TRAINING_PORT: String(trainingPort),
      BITPLANE_TRAINING_METRICS_PORT: '0',
    });
    worker = startWorker('worker-1');
    inference = new ServiceProcess('inference', ['serve'], {
      BITPLANE_REGISTRY: registryDir,
      BITPLANE_INFERENCE_HOST: '127.0.0.1',
      BITPLANE_INFERENCE_PORT: String(inferencePort),
      BITPLANE_INFERENCE_HTTP_PORT: '0',
      BITPLANE_INFERENCE_METRICS_PORT: '0',
      BITPLANE_POLL_MS: '300',
    });
    inferenceAddress = `127.0.0.1:${inferencePort}`;
    await Promise.all([training.waitHealthy(`127.0.0.1:${trainingPort}`), inference.waitHealthy(inferenceAddress)]);
    inferencePid = inference.pid;
    trainingClient = new TrainingClient(`127.0.0.1:${trainingPort}`);
    infer = inferenceClient(inferenceAddress);
    console.log(`[e2e] training-service pid ${training.pid}, worker pid ${worker.pid}, inference pid ${inference.pid}; registry ${registryDir}`);
  });

  after(async () => {
    trainingClient?.close();
    infer?.close();
    await stopAllServices();
    await redis?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('the inference service starts on an empty registry and does not serve the model yet', async () => {
    assert.equal((await unary<{ ready: boolean }>(infer!, 'ServerReady', {})).ready, true);
    const ready = await unary<{ ready: boolean }>(infer!, 'ModelReady', { name: MODEL, version: '' }).then(
      (r) => r.ready,
      (e: grpc.ServiceError) => {
        assert.equal(e.code, grpc.status.NOT_FOUND, e.details);
        return false;
      },
    );
    assert.equal(ready, false);
  });

  it('SubmitJob queues a bnn-mlp job on Fashion-MNIST; WatchJob streams its progress to completion', { timeout: 180000 }, async () => {
    const hyperparameters = { hiddenSizes: [32, 32], limit: 1000, epochs: 2, batchSize: 50, seed: rng.int(1000000) };
    const { job_id } = await trainingClient!.submitJob({ family: 'bnn-mlp', dataset: 'fashion-mnist', model_name: MODEL, hyperparameters: jsonToStruct(hyperparameters) });
    const seen = await watchToEnd(trainingClient!, job_id);
    const last = seen[seen.length - 1];
    assert.equal(last.state, 'JOB_STATE_SUCCEEDED', `final state ${last.state}: ${last.error}\n${worker?.log().slice(-4000)}`);
    const trainingMsgs = seen.filter((j) => j.state === 'JOB_STATE_RUNNING' && j.progress?.phase === 'training');
    assert.ok(trainingMsgs.length >= 2, `progress streamed while training (${trainingMsgs.length} messages)`);
    let prev = 0;
    for (const j of trainingMsgs) {
      const p = j.progress!;
      assert.equal(p.epochs, 2);
      assert.ok(p.epoch >= prev, 'epochs never go back');
      assert.ok(Number.isFinite(p.loss) && p.batch >= 1 && p.batch <= p.batches, JSON.stringify(p));
      prev = p.epoch;
    }
    assert.equal(prev, 2, 'both epochs reported');
    assert.deepEqual({ name: last.model?.name, version: last.model?.version }, { name: MODEL, version: 1 });
    reportedAccuracy = last.metrics.testAccuracy;
    console.log(`[e2e] job ${job_id}: ${seen.length} stream messages, testAccuracy ${reportedAccuracy}`);
    // Far above chance (0.1) for a tiny net on 1000 images; the exact value is checked against the server below.
    assert.ok(reportedAccuracy > 0.4 && reportedAccuracy <= 1, `testAccuracy ${reportedAccuracy}`);
    const model = await trainingClient!.getModel(MODEL, 1);
    assert.equal(model.metrics.testAccuracy, reportedAccuracy, 'GetModel reports what the job reported');
  });

  it('the inference service picks up the new version without a restart', { timeout: 90000 }, async () => {
    await waitModelReady(MODEL, '1');
    assert.ok(inference!.running && inference!.pid === inferencePid, 'same inference process as before the job');
    const meta = await unary<{ name: string; versions: string[]; inputs: { name: string; datatype: string; shape: string[] }[] }>(infer!, 'ModelMetadata', { name: MODEL, version: '' });
    assert.ok(meta.versions.includes('1'), `versions ${meta.versions}`);
    assert.deepEqual(meta.inputs.map((i) => ({ ...i, shape: i.shape.map(Number) })), [{ name: 'input', datatype: 'UINT8', shape: [-1, PIXELS] }]);
  });

  it('ModelInfer on all 10,000 test images reproduces the bitwise forward pass and the reported testAccuracy', { timeout: 120000 }, async () => {
    const n = test.count;
    const served = new Float32Array(n * CLASSES);
    for (let start = 0; start < n; start += CHUNK) {
      const rows = Math.min(CHUNK, n - start);
      served.set(await modelInfer(infer!, MODEL, '1', test.images.subarray(start * PIXELS, (start + rows) * PIXELS), rows), start * CLASSES);
    }
    servedLogits = served;
    const artifact = new ModelRegistry(registryDir).get(MODEL, 1);
    const local = bnnMlpForward(loadBnnMlp(artifact), getBackend('ts'), test.images, n);
    const diff = firstDifference(served, local.logits);
    assert.equal(diff, -1, diff < 0 ? '' : `image ${Math.floor(diff / CLASSES)}: served ${served[diff]} vs in-process ${local.logits[diff]}`);
    const servedPred = argmaxRows(served, n, CLASSES);
    assert.deepEqual(servedPred, argmaxRows(local.logits, n, CLASSES));
    const acc = accuracy(servedPred, test.labels);
    console.log(`[e2e] served accuracy on ${n} test images ${acc} (job reported ${reportedAccuracy}, manifest ${artifact.manifest.training?.metrics?.testAccuracy})`);
    assert.ok(Math.abs(acc - reportedAccuracy) < 1e-9, `served ${acc} vs reported ${reportedAccuracy}`);
    // A random sample, sent as typed uint_contents this time, gives the same logits and a consistent accuracy.
    const idx = Array.from({ length: 300 }, () => rng.int(n));
    const x = new Uint8Array(idx.length * PIXELS);
    idx.forEach((i, r) => x.set(test.images.subarray(i * PIXELS, (i + 1) * PIXELS), r * PIXELS));
    const typed = await unary<InferResponse>(infer!, 'ModelInfer', {
      model_name: MODEL,
      inputs: [{ name: 'input', datatype: 'UINT8', shape: [String(idx.length), String(PIXELS)], contents: { uint_contents: Array.from(x) } }],
    });
    const raw = typed.raw_output_contents[0];
    idx.forEach((i, r) => {
      for (let c = 0; c < CLASSES; c++) assert.equal(raw.readFloatLE((r * CLASSES + c) * 4), served[i * CLASSES + c], `sample row ${r} (image ${i}) class ${c}`);
    });
    const sampleAcc = accuracy(servedPred, test.labels, idx);
    const sd = Math.sqrt((reportedAccuracy * (1 - reportedAccuracy)) / idx.length);
    assert.ok(Math.abs(sampleAcc - reportedAccuracy) <= 4 * sd + 1e-9, `sample accuracy ${sampleAcc} vs ${reportedAccuracy} (4 sd = ${4 * sd})`);
  });

  it('`bitplane export --target onnx`: onnxruntime-node agrees with ModelInfer on every image', { timeout: 240000 }, async () => {
    assert.ok(servedLogits, 'needs the ModelInfer results of the previous test');
    const outDir = path.join(tmp, 'onnx');
    const r = spawnSync(process.execPath, [CLI, 'export', `${MODEL}:1`, '--target', 'onnx', '--out', outDir, '--registry', registryDir], { encoding: 'utf8', timeout: 180000 });
    assert.equal(r.status, 0, `export failed:\n${r.stdout}\n${r.stderr}`);
    const file = path.join(outDir, 'model.onnx');
    assert.ok(fs.existsSync(file), `${file} written (have: ${fs.readdirSync(outDir).join(', ')})`);
    const session = await ort.InferenceSession.create(file);
    try {
      assert.deepEqual([session.inputNames, session.outputNames.includes('logits')], [['input'], true]);
      const n = test.count;
      const onnx = new Float32Array(n * CLASSES);
      for (let start = 0; start < n; start += CHUNK) {
        const rows = Math.min(CHUNK, n - start);
        const feeds = { input: new ort.Tensor('uint8', test.images.subarray(start * PIXELS, (start + rows) * PIXELS), [rows, PIXELS]) };
        const out = await session.run(feeds, ['logits']);
        onnx.set(out.logits.data as Float32Array, start * CLASSES);
      }
      assert.deepEqual(argmaxRows(onnx, n, CLASSES), argmaxRows(servedLogits, n, CLASSES), 'same class for every image');
      const diff = firstDifference(onnx, servedLogits);
      assert.equal(diff, -1, diff < 0 ? '' : `image ${Math.floor(diff / CLASSES)}: onnxruntime ${onnx[diff]} vs ModelInfer ${servedLogits[diff]}`);
    } finally {
      await session.release();
    }
  });

  it('a worker killed with SIGKILL mid-job: a new worker finishes the job from its checkpoint', { timeout: 240000 }, async () => {
    const epochs = 3;
    const hyperparameters = { hiddenSizes: [16], limit: 600, epochs, batchSize: 10, seed: rng.int(1000000) };
    const { job_id } = await trainingClient!.submitJob({ family: 'bnn-mlp', dataset: 'fashion-mnist', model_name: RESUME_MODEL, hyperparameters: jsonToStruct(hyperparameters) });
    const first = worker!;
    let killedAt: { epoch: number; batch: number } | undefined;
    const seen = await watchToEnd(trainingClient!, job_id, (j) => {
      const p = j.progress;
      // Epoch 1's checkpoint is on disk once epoch 2 reports batches.
      if (!killedAt && j.state === 'JOB_STATE_RUNNING' && p?.phase === 'training' && p.epoch === 2 && p.batch < p.batches) {
        first.signal('SIGKILL');
        killedAt = { epoch: p.epoch, batch: p.batch };
        worker = startWorker('worker-2');
        console.log(`[e2e] SIGKILLed worker pid ${first.pid} at epoch ${p.epoch} batch ${p.batch}/${p.batches}; started worker pid ${worker.pid}`);
      }
    });
    assert.ok(killedAt, 'the first worker was killed during epoch 2');
    await first.exited;
    assert.equal(first.describeExit(), 'killed by SIGKILL');
    const last = seen[seen.length - 1];
    assert.equal(last.state, 'JOB_STATE_SUCCEEDED', `final state ${last.state}: ${last.error}\n${worker?.log().slice(-4000)}`);
    assert.equal(last.attempts_started, 2, 'started once by each worker');
    const manifest = new ModelRegistry(registryDir).manifest(RESUME_MODEL, 1);
    assert.equal(manifest.training?.resumedFromEpoch, killedAt.epoch - 1, 'resumed from the last checkpoint, not from scratch');
    assert.deepEqual(manifest.training?.history?.map((h) => h.epoch), [1, 2, 3], 'every epoch trained once');
    // And the inference service serves the recovered job's model too.
    await waitModelReady(RESUME_MODEL, '1');
  });

  it('SIGTERM under load: every accepted request is answered, then the inference service exits 0', { timeout: 120000 }, async () => {
    assert.ok(inference?.running);
    const rows = 500;
    const x = test.images.subarray(0, rows * PIXELS);
    const expected = bnnMlpForward(loadBnnMlp(new ModelRegistry(registryDir).get(MODEL, 1)), getBackend('ts'), x, rows).logits;
    // Four connections, four calls in flight on each.
    const clients = Array.from({ length: 4 }, () => inferenceClient(inferenceAddress));
    interface Outcome {
      start: number;
      end: number;
      code: number; // grpc status, 0 = answered
      correct?: boolean;
    }
    const outcomes: Outcome[] = [];
    let sigtermAt = Infinity;
    let stop = false;
    const loop = async (client: grpc.Client): Promise<void> => {
      while (!stop) {
        const start = performance.now();
        try {
          const logits = await modelInfer(client, MODEL, '1', x, rows);
          outcomes.push({ start, end: performance.now(), code: 0, correct: firstDifference(logits, expected) === -1 });
        } catch (e) {
          const code = (e as grpc.ServiceError).code ?? -1;
          outcomes.push({ start, end: performance.now(), code });
          if (code === grpc.status.UNAVAILABLE) return; // this connection is gone: the server no longer accepts
        }
      }
    };
    const loops = clients.flatMap((c) => Array.from({ length: 4 }, () => loop(c)));
    try {
      // Let the load reach a steady state, then SIGTERM while calls are in flight.
      const loadDeadline = Date.now() + 60000;
      while (outcomes.filter((o) => o.code === 0).length < 40) {
        const failed = outcomes.filter((o) => o.code !== 0);
        if (failed.length || Date.now() > loadDeadline) throw new Error(`load did not reach 40 answers before SIGTERM: ${failed.map((o) => grpc.status[o.code] ?? o.code).join(', ') || 'too slow'}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      sigtermAt = performance.now();
      inference!.signal('SIGTERM');
      const code = await Promise.race([inference!.exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 30000))]);
      assert.equal(code, 0, `inference exit: ${code}\n${inference!.log().slice(-4000)}`);
    } finally {
      stop = true;
      await Promise.all(loops);
      clients.forEach((c) => c.close());
    }
    const answered = outcomes.filter((o) => o.code === 0);
    const refused = outcomes.filter((o) => o.code === grpc.status.UNAVAILABLE);
    const other = outcomes.filter((o) => o.code !== 0 && o.code !== grpc.status.UNAVAILABLE);
    const inFlight = answered.filter((o) => o.start < sigtermAt && o.end > sigtermAt);
    console.log(`[e2e] SIGTERM under load: ${answered.length} answered (${inFlight.length} of them in flight at the signal), ${refused.length} refused (UNAVAILABLE), ${other.length} other`);
    assert.deepEqual(other.map((o) => grpc.status[o.code] ?? o.code), [], 'no call failed with anything but UNAVAILABLE (not accepted)');
    assert.ok(answered.every((o) => o.correct), 'every answer has the right logits');
    assert.ok(inFlight.length >= 1, 'calls were in flight when SIGTERM arrived, and they were answered');
    assert.match(inference!.log(), /drained/, 'the server drained');
    assert.doesNotMatch(inference!.log(), /drain overran/, 'no in-flight call was cut off by a forced shutdown');
  });
});
