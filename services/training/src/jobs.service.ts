/**
 * The producer side of the training queue: validates and queues jobs, reads their state, cancels them, and turns
 * BullMQ queue events (progress, active, completed, failed, waiting) into per-job watch streams.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Job as BullJob, JobType, Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import { Observable } from 'rxjs';
import { InvalidArgumentError, NotFoundError } from '../../../libs/core/src/errors';
import { checkModelName } from '../../../libs/core/src/registry';
import { TrainingJobSpec, validateTrainingJob } from '../../../libs/models/training/job';
import { rpcError, toRpcException } from '../../common/src/grpc-errors';
import { ServiceHealth } from '../../common/src/health';
import { createLogger } from '../../common/src/logger';
import { jobMessage, JobMessage, JobStateName, progressMessage, TERMINAL_STATES } from './job-view';
import { TRAINING_CONFIG, TrainingServiceConfig } from './training.config';
import { CANCEL_CHANNEL, CANCEL_MARK_TTL_S, cancelKey, TRAIN_JOB, TRAINING_QUEUE, TRAINING_SERVICE_NAME } from './training.constants';
import type { TrainingJobData, TrainingJobProgressData, TrainingJobReturn } from './training-job.types';
import { TrainingMetrics } from './training.metrics';
import { redactUrl, withTimeout } from './redis.util';

type TrainingBullJob = BullJob<TrainingJobData, TrainingJobReturn>;

/** BullMQ job types holding jobs of each proto state. */
const BULL_TYPES: Record<Exclude<JobStateName, 'JOB_STATE_UNSPECIFIED'>, JobType[]> = {
  JOB_STATE_QUEUED: ['waiting', 'delayed', 'prioritized', 'waiting-children'],
  JOB_STATE_RUNNING: ['active'],
  JOB_STATE_SUCCEEDED: ['completed'],
  JOB_STATE_FAILED: ['failed'],
  JOB_STATE_CANCELLED: ['failed', 'waiting', 'delayed', 'prioritized'],
};

/** How often a watch stream re-reads its job even without events (a safety net for missed events). */
const WATCH_POLL_MS = 2000;
/** How long finished jobs are kept in Redis. */
const KEEP_FINISHED = { age: 30 * 24 * 3600, count: 10000 };

/** Queue-backed job operations (see module doc). */
@Injectable()
export class JobsService implements OnModuleInit, OnModuleDestroy {
  private readonly log = createLogger('training-service.jobs');
  private redis!: IORedis;
  private subscriber!: IORedis;
  private eventsRedis!: IORedis;
  private queue!: Queue<TrainingJobData, TrainingJobReturn>;
  private events!: QueueEvents;
  private readonly watchers = new Map<string, Set<(progress?: unknown) => void>>();
  private readonly seenEpochs = new Set<string>();
  private readonly shutdown = new AbortController();

  constructor(
    @Inject(TRAINING_CONFIG) private readonly config: TrainingServiceConfig,
    private readonly metrics: TrainingMetrics,
    @Optional() private readonly health?: ServiceHealth,
  ) {}

  /** Opens the Redis connections and starts listening to queue events; fails clearly when Redis does not answer. */
  async onModuleInit(): Promise<void> {
    const url = this.config.redisUrl;
    const opts = { maxRetriesPerRequest: null };
    this.redis = new IORedis(url, opts);
    this.subscriber = new IORedis(url, opts);
    this.eventsRedis = new IORedis(url, opts);
    this.queue = new Queue(TRAINING_QUEUE, { connection: this.redis });
    this.events = new QueueEvents(TRAINING_QUEUE, { connection: this.eventsRedis });
    for (const r of [this.redis, this.subscriber, this.eventsRedis]) r.on('error', (e: Error) => this.log.warn({ err: e.message }, 'redis connection error'));
    this.queue.on('error', (e: Error) => this.log.warn({ err: e.message }, 'queue error'));
    this.events.on('error', (e: Error) => this.log.warn({ err: e.message }, 'queue events error'));
    // Health follows the command connection: NOT_SERVING while Redis is unreachable.
    this.redis.on('ready', () => this.health?.set(TRAINING_SERVICE_NAME, 'SERVING'));
    this.redis.on('close', () => this.health?.set(TRAINING_SERVICE_NAME, 'NOT_SERVING'));
    try {
      await withTimeout(Promise.all([this.redis.ping(), this.queue.waitUntilReady(), this.events.waitUntilReady()]), this.config.redisTimeoutMs ?? 10000, `Redis at ${redactUrl(url)} did not answer`);
    } catch (e) {
      // BullMQ's close() waits on the connection it cannot get: drop the sockets instead.
      this.redis.removeAllListeners('close');
      for (const r of [this.redis, this.subscriber, this.eventsRedis]) r.disconnect();
      throw e;
    }
    const wake = ({ jobId }: { jobId: string }): void => this.wake(jobId);
    for (const ev of ['active', 'completed', 'failed', 'waiting', 'stalled', 'removed'] as const) this.events.on(ev, wake as never);
    this.events.on('progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
      this.observeEpoch(jobId, data);
      this.wake(jobId, data);
    });
    await this.subscriber.subscribe(CANCEL_CHANNEL);
    this.subscriber.on('message', (channel: string, jobId: string) => {
      if (channel === CANCEL_CHANNEL) this.wake(jobId);
    });
    this.metrics.setJobCounter(() => this.queue.getJobCounts());
    this.log.info({ queue: TRAINING_QUEUE, redis: redactUrl(this.config.redisUrl) }, 'training queue ready');
  }

  /** Ends every watch stream (UNAVAILABLE) so that a drain does not wait on them. */
  endWatches(): void {
    this.shutdown.abort();
  }

  /** Closes queue, events and connections. */
  async onModuleDestroy(): Promise<void> {
    this.endWatches();
    this.redis?.removeAllListeners('close');
    await withTimeout(Promise.allSettled([this.events?.close(), this.queue?.close()]), 5000, 'closing the queue').catch((e: Error) => this.log.warn({ err: e.message }, 'queue close timed out'));
    for (const r of [this.subscriber, this.redis, this.eventsRedis]) if (r) r.disconnect();
  }

  /** Validates a spec and queues it; INVALID_ARGUMENT for anything wrong with the request. */
  async submit(spec: TrainingJobSpec): Promise<JobMessage> {
    let valid: TrainingJobSpec;
    try {
      if (typeof spec.family !== 'string' || spec.family === '') throw new InvalidArgumentError("family is required (e.g. 'bnn-mlp')");
      if (typeof spec.dataset !== 'string' || spec.dataset === '') throw new InvalidArgumentError("dataset is required (e.g. 'fashion-mnist')");
      checkModelName(spec.name);
      valid = validateTrainingJob(spec, this.config.datasetsDir);
    } catch (e) {
      // An unknown dataset is a bad argument of this request, not a missing server resource.
      if (e instanceof InvalidArgumentError || e instanceof NotFoundError) throw rpcError(GrpcStatus.INVALID_ARGUMENT, e.message);
      throw e;
    }
    const job = await this.queue.add(TRAIN_JOB, { spec: valid }, { jobId: randomUUID(), attempts: 1, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED });
    this.metrics.submitted.inc();
    this.log.info({ jobId: job.id, family: valid.family, dataset: valid.dataset, name: valid.name }, 'job queued');
    return this.view(job);
  }

  /** The job's current view; NOT_FOUND when unknown. */
  async get(jobId: string): Promise<JobMessage> {
    const job = await this.fetch(jobId);
    if (!job) throw rpcError(GrpcStatus.NOT_FOUND, `training job '${jobId}' not found`);
    return this.view(job);
  }

  /** Jobs newest first, filtered by proto state names (all when empty). */
  async list(states: JobStateName[], limit: number): Promise<JobMessage[]> {
    const n = Math.min(Math.max(limit || 100, 1), 1000);
    const wanted = new Set<JobStateName>(states.filter((s) => s !== 'JOB_STATE_UNSPECIFIED'));
    const types = new Set<JobType>();
    for (const [s, t] of Object.entries(BULL_TYPES)) if (!wanted.size || wanted.has(s as JobStateName)) t.forEach((x) => types.add(x));
    const jobs: TrainingBullJob[] = [];
    // getJobs ranges apply per type: take n of each, then sort and cut.
    for (const t of types) jobs.push(...(await this.queue.getJobs([t], 0, n - 1, false)).filter(Boolean));
    const unique = [...new Map(jobs.map((j) => [String(j.id), j])).values()].sort((a, b) => b.timestamp - a.timestamp);
    const views: JobMessage[] = [];
    for (const j of unique) {
      const v = await this.view(j);
      if (!wanted.size || wanted.has(v.state)) views.push(v);
      if (views.length >= n) break;
    }
    return views;
  }

  /** Marks the job cancelled and tells workers; FAILED_PRECONDITION when it already finished. */
  async cancel(jobId: string): Promise<JobMessage> {
    const before = await this.get(jobId);
    if (TERMINAL_STATES.has(before.state)) throw rpcError(GrpcStatus.FAILED_PRECONDITION, `training job '${jobId}' already finished (${before.state})`);
    await this.redis.set(cancelKey(jobId), String(Date.now()), 'EX', CANCEL_MARK_TTL_S);
    await this.redis.publish(CANCEL_CHANNEL, jobId);
    this.metrics.cancelRequests.inc();
    this.log.info({ jobId, state: before.state }, 'cancel requested');
    return this.get(jobId);
  }

  /** A stream of the job's views: the current one, then each change, completing after a terminal state. */
  watch(jobId: string): Observable<JobMessage> {
    return new Observable<JobMessage>((sub) => {
      let closed = false;
      let last = '';
      let lastView: JobMessage | undefined;
      let chain = Promise.resolve();
      const emit = (v: JobMessage): void => {
        const key = JSON.stringify(v);
        if (key !== last && !closed) {
          last = key;
          lastView = v;
          sub.next(v);
        }
        if (TERMINAL_STATES.has(v.state)) sub.complete();
      };
      const refresh = (progress?: unknown): void => {
        chain = chain
          .then(async () => {
            if (closed) return;
            // A progress event carries the report itself: stream every one, even when they come faster than reads.
            const p = progress === undefined ? undefined : progressMessage(progress);
            if (p && lastView && !TERMINAL_STATES.has(lastView.state)) {
              emit({ ...lastView, state: 'JOB_STATE_RUNNING', progress: p });
              return;
            }
            const job = await this.fetch(jobId);
            if (closed) return;
            if (!job) {
              sub.error(rpcError(GrpcStatus.NOT_FOUND, `training job '${jobId}' not found`));
              return;
            }
            emit(await this.view(job));
          })
          .catch((e: unknown) => sub.error(toRpcException(e)));
      };
      const onShutdown = (): void => sub.error(rpcError(GrpcStatus.UNAVAILABLE, 'training service shutting down: watch the job again on another instance'));
      let set = this.watchers.get(jobId);
      if (!set) this.watchers.set(jobId, (set = new Set()));
      set.add(refresh);
      if (this.shutdown.signal.aborted) onShutdown();
      else this.shutdown.signal.addEventListener('abort', onShutdown, { once: true });
      const timer = setInterval(() => refresh(), WATCH_POLL_MS);
      refresh();
      return () => {
        closed = true;
        clearInterval(timer);
        this.shutdown.signal.removeEventListener('abort', onShutdown);
        set.delete(refresh);
        if (!set.size) this.watchers.delete(jobId);
      };
    });
  }

  private wake(jobId: string, progress?: unknown): void {
    for (const f of this.watchers.get(jobId) ?? []) f(progress);
  }

  private observeEpoch(jobId: string, data: unknown): void {
    const fe = (data as TrainingJobProgressData | undefined)?.finishedEpoch;
    if (!fe || !Number.isFinite(fe.seconds)) return;
    const key = `${jobId}:${fe.epoch}`;
    if (this.seenEpochs.has(key)) return;
    this.seenEpochs.add(key);
    if (this.seenEpochs.size > 100000) this.seenEpochs.clear();
    void this.fetch(jobId).then((j) => this.metrics.epochSeconds.observe({ family: j?.data.spec.family ?? 'unknown' }, fe.seconds));
  }

  private async fetch(jobId: string): Promise<TrainingBullJob | undefined> {
    if (typeof jobId !== 'string' || jobId === '' || jobId.length > 200) throw rpcError(GrpcStatus.INVALID_ARGUMENT, `invalid job id '${String(jobId)}'`);
    return (await this.queue.getJob(jobId)) ?? undefined;
  }

  private async view(job: TrainingBullJob): Promise<JobMessage> {
    const [state, mark] = await Promise.all([job.getState(), this.redis.exists(cancelKey(String(job.id)))]);
    return jobMessage(job, state, mark === 1);
  }
}
