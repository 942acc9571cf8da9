/**
 * The consumer side of the training queue (`bitplane worker`): a BullMQ Worker that runs each job with
 * runTrainingJob() from libs/models/training in a worker thread (training.thread.ts: the main loop stays free to
 * renew the job's lock), reports progress through job.updateProgress (the service streams it),
 * aborts a job within one batch when CancelJob publishes its id, and checkpoints under `<registry>/.jobs/<jobId>`
 * so that a job recovered from a dead worker (BullMQ stalled-job check) resumes where it stopped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { Worker as Thread } from 'node:worker_threads';
import { TrainingJobResult, TrainingProgress } from '../../../libs/models/training/job';
import { createLogger, Logger } from '../../common/src/logger';
import { redactUrl, withTimeout } from './redis.util';
import { CANCEL_CHANNEL, CANCELLED_REASON, cancelKey, CHECKPOINTS_DIR, TRAINING_QUEUE } from './training.constants';
import type { TrainingJobData, TrainingJobProgressData, TrainingJobReturn } from './training-job.types';
import type { TrainingThreadCommand, TrainingThreadInput, TrainingThreadMessage } from './training.thread';

/** How a worker process runs. */
export interface TrainingWorkerOptions {
  redisUrl: string;
  registryDir: string;
  datasetsDir?: string;
  /** Jobs run at once (default 1: training saturates the cores). */
  concurrency?: number;
  /** BullMQ lock duration: a worker silent this long is presumed dead (default 30 s). */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for (default 30 s). */
  stalledIntervalMs?: number;
  /** Times a job may be recovered from a dead worker before it fails (default 5). */
  maxStalledCount?: number;
  /** Least ms between two progress reports within one epoch (default 100). */
  progressIntervalMs?: number;
  /** How long startup waits for Redis before failing (default 10 s). */
  redisTimeoutMs?: number;
}

/** A running worker. */
export interface RunningTrainingWorker {
  worker: Worker<TrainingJobData, TrainingJobReturn>;
  /** Stops taking jobs; running jobs are interrupted and put back on the queue (they resume from their checkpoint elsewhere). */
  close(): Promise<void>;
}

/** Why a running job's AbortController fired. */
type AbortReason = 'cancel' | 'shutdown';

/** Directory of a job's checkpoints. */
export function checkpointDirFor(registryDir: string, jobId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(jobId)) throw new Error(`job id '${jobId}' is not usable as a directory name`);
  return path.join(registryDir, CHECKPOINTS_DIR, jobId);
}

/** Forwards trainer progress to job.updateProgress: throttled within an epoch, always on phase/epoch changes, in order. */
function progressReporter(job: Job<TrainingJobData, TrainingJobReturn>, intervalMs: number, log: Logger): { report: (p: TrainingProgress) => Promise<void>; flush: () => Promise<void> } {
  let lastSent = 0;
  let lastKey = '';
  let chain = Promise.resolve();
  let epochStart: { epoch: number; at: number } | undefined;
  let finishedEpoch: TrainingJobProgressData['finishedEpoch'];
  const report = (p: TrainingProgress): Promise<void> => {
    const now = Date.now();
    if (p.phase === 'training') {
      if (!epochStart || p.epoch !== epochStart.epoch) {
        // Only an epoch this process saw start from its first batch gets a duration.
        if (epochStart && p.epoch === epochStart.epoch + 1 && epochStart.at > 0) finishedEpoch = { epoch: epochStart.epoch, seconds: (now - epochStart.at) / 1000 };
        epochStart = { epoch: p.epoch, at: p.batch <= 1 ? now : 0 };
      }
    } else if (p.phase === 'evaluating' && epochStart && epochStart.at > 0 && !finishedEpoch) {
      finishedEpoch = { epoch: epochStart.epoch, seconds: (now - epochStart.at) / 1000 };
      epochStart = { epoch: epochStart.epoch, at: 0 };
    }
    const key = `${p.phase}:${p.epoch}`;
    const lastBatch = p.batches > 0 && p.batch >= p.batches;
    if (key === lastKey && !lastBatch && now - lastSent < intervalMs && !finishedEpoch) return Promise.resolve();
    lastKey = key;
    lastSent = now;
    const data: TrainingJobProgressData = { ...p, updatedAt: now, ...(finishedEpoch ? { finishedEpoch } : {}) };
    finishedEpoch = undefined;
    chain = chain.then(() => job.updateProgress(data as unknown as object)).catch((e: Error) => log.warn({ jobId: job.id, err: e.message }, 'progress update failed'));
    return Promise.resolve();
  };
  return { report, flush: () => chain };
}

/** Runs the job in a worker thread; rejects with the trainer's message, or an AbortError-named error when aborted. */
function runInThread(input: TrainingThreadInput, signal: AbortSignal, onProgress: (p: TrainingProgress) => void): Promise<TrainingJobResult> {
  return new Promise((resolve, reject) => {
    const thread = new Thread(path.join(__dirname, 'training.thread.js'), { workerData: input });
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      f();
      void thread.terminate();
    };
    const onAbort = (): void => thread.postMessage({ type: 'abort' } satisfies TrainingThreadCommand);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    thread.on('message', (m: TrainingThreadMessage) => {
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'done') settle(() => resolve(m.result));
      else if (m.type === 'error') settle(() => reject(Object.assign(new Error(m.message), { aborted: m.aborted })));
    });
    thread.on('error', (e: Error) => settle(() => reject(e)));
    thread.on('exit', (code) => settle(() => reject(new Error(`training thread exited with code ${code} before finishing`))));
  });
}

/** Starts a worker (see module doc). */
export async function startTrainingWorker(opts: TrainingWorkerOptions): Promise<RunningTrainingWorker> {
  const log = createLogger('training-worker');
  const registry = new ModelRegistry(opts.registryDir);
  const redis = new IORedis(opts.redisUrl, { maxRetriesPerRequest: null });
  const subscriber = new IORedis(opts.redisUrl, { maxRetriesPerRequest: null });
  for (const r of [redis, subscriber]) r.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  const running = new Map<string, AbortController>();

  try {
    await withTimeout(Promise.all([redis.ping(), subscriber.subscribe(CANCEL_CHANNEL)]), opts.redisTimeoutMs ?? 10000, `Redis at ${redactUrl(opts.redisUrl)} did not answer`);
  } catch (e) {
    redis.disconnect();
    subscriber.disconnect();
    throw e;
  }
  subscriber.on('message', (channel: string, jobId: string) => {
    const ac = running.get(jobId);
    if (channel === CANCEL_CHANNEL && ac) {
      log.info({ jobId }, 'cancel received: stopping within one batch');
      ac.abort('cancel' satisfies AbortReason);
    }
  });

  const processor = async (job: Job<TrainingJobData, TrainingJobReturn>, token?: string): Promise<TrainingJobReturn> => {
    const jobId = String(job.id);
    const checkpointDir = checkpointDirFor(registry.root, jobId);
    const dropCheckpoints = (): void => fs.rmSync(checkpointDir, { recursive: true, force: true });
    if ((await redis.exists(cancelKey(jobId))) === 1) {
      dropCheckpoints();
      throw new UnrecoverableError(`${CANCELLED_REASON} before it started`);
    }
    const ac = new AbortController();
    running.set(jobId, ac);
    // A cancel published between the check above and the subscription lookup is caught here.
    if ((await redis.exists(cancelKey(jobId))) === 1) ac.abort('cancel' satisfies AbortReason);
    const resumed = fs.existsSync(checkpointDir);
    log.info({ jobId, attempt: job.attemptsStarted, resumed, checkpointDir, family: job.data.spec.family, name: job.data.spec.name }, 'job started');
    const progress = progressReporter(job, opts.progressIntervalMs ?? 100, log);
    try {
      fs.mkdirSync(checkpointDir, { recursive: true });
      const result = await runInThread({ spec: job.data.spec, registryDir: registry.root, checkpointDir, datasetsDir: opts.datasetsDir }, ac.signal, progress.report);
      await progress.flush();
      // Checkpoints (and the trainer's result record, which makes a rerun return this model instead of training
      // again) are dropped on 'completed', once BullMQ has recorded the result.
      log.info({ jobId, model: `${result.name}:${result.version}`, metrics: result.metrics }, 'job finished');
      return result;
    } catch (e) {
      await progress.flush();
      const reason = ac.signal.aborted ? (ac.signal.reason as AbortReason) : undefined;
      if (reason === 'cancel') {
        dropCheckpoints();
        log.info({ jobId }, 'job cancelled');
        throw new UnrecoverableError(CANCELLED_REASON);
      }
      if (reason === 'shutdown' && token) {
        // Back to the queue with its checkpoints: another worker resumes it.
        await job.moveToWait(token);
        log.info({ jobId }, 'worker shutting down: job put back on the queue');
        throw new WaitingError();
      }
      const msg = e instanceof Error ? e.message : String(e);
      log.error({ jobId, err: msg }, 'job failed');
      // Training errors are deterministic: retrying would fail the same way.
      throw new UnrecoverableError(msg);
    } finally {
      running.delete(jobId);
    }
  };

  const workerRedis = new IORedis(opts.redisUrl, { maxRetriesPerRequest: null });
  workerRedis.on('error', (e: Error) => log.warn({ err: e.message }, 'redis connection error'));
  const worker = new Worker<TrainingJobData, TrainingJobReturn>(TRAINING_QUEUE, processor, {
    connection: workerRedis,
    concurrency: opts.concurrency ?? 1,
    lockDuration: opts.lockDurationMs ?? 30000,
    stalledInterval: opts.stalledIntervalMs ?? 30000,
    maxStalledCount: opts.maxStalledCount ?? 5,
    autorun: false,
  });
  worker.on('error', (e: Error) => log.warn({ err: e.message }, 'worker error'));
  worker.on('completed', (job: Job<TrainingJobData, TrainingJobReturn>) => fs.rmSync(checkpointDirFor(registry.root, String(job.id)), { recursive: true, force: true }));
  worker.on('stalled', (jobId: string) => log.warn({ jobId }, 'stalled job found (its worker died): back on the queue to resume from its checkpoint'));
  void worker.run().catch((e: Error) => log.error({ err: e.message }, 'worker stopped with an error'));
  await worker.waitUntilReady();
  log.info(
    { queue: TRAINING_QUEUE, redis: redactUrl(opts.redisUrl), registry: registry.root, datasets: opts.datasetsDir, concurrency: opts.concurrency ?? 1, pid: process.pid },
    'training worker ready',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const done = worker.close();
      for (const ac of running.values()) ac.abort('shutdown' satisfies AbortReason);
      await done;
      await subscriber.quit().catch(() => undefined);
      await redis.quit().catch(() => undefined);
    })());
  return { worker, close };
}
