/** Maps a BullMQ job (and its cancel mark) to the proto `Job` message of bitplane.v1.TrainingService. */
import type { Job as BullJob, JobState as BullState } from 'bullmq';
import { jsonToStruct, StructMessage, TimestampMessage, toTimestamp } from '../../common/src/protobuf-wkt';
import { CANCELLED_REASON } from './training.constants';
import type { TrainingJobData, TrainingJobProgressData, TrainingJobReturn } from './training-job.types';

/** proto JobState names (enums travel as strings with GRPC_LOADER_OPTIONS). */
export type JobStateName = 'JOB_STATE_UNSPECIFIED' | 'JOB_STATE_QUEUED' | 'JOB_STATE_RUNNING' | 'JOB_STATE_SUCCEEDED' | 'JOB_STATE_FAILED' | 'JOB_STATE_CANCELLED';

/** States after which nothing changes. */
export const TERMINAL_STATES: ReadonlySet<JobStateName> = new Set(['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED']);

/** proto JobProgress. */
export interface JobProgressMessage {
  phase: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  metrics: Record<string, number>;
  eta_seconds: number;
  updated_at?: TimestampMessage;
}

/** proto Job. */
export interface JobMessage {
  job_id: string;
  state: JobStateName;
  family: string;
  dataset: string;
  model_name: string;
  hyperparameters: StructMessage;
  progress?: JobProgressMessage;
  created_at?: TimestampMessage;
  started_at?: TimestampMessage;
  finished_at?: TimestampMessage;
  error: string;
  model?: { name: string; version: number };
  metrics: Record<string, number>;
  attempts_started: number;
  cancel_requested: boolean;
}

/** The proto state for a BullMQ state, a failure reason and whether a cancel mark exists. */
export function jobStateName(state: BullState | 'unknown', failedReason: string | undefined, cancelMarked: boolean): JobStateName {
  switch (state) {
    case 'completed':
      return 'JOB_STATE_SUCCEEDED';
    case 'failed':
      // The job object may have been read just before the worker failed it: a missing reason with a cancel mark is the cancel.
      return failedReason?.startsWith(CANCELLED_REASON) || (!failedReason && cancelMarked) ? 'JOB_STATE_CANCELLED' : 'JOB_STATE_FAILED';
    case 'active':
      return 'JOB_STATE_RUNNING';
    case 'waiting':
    case 'delayed':
    case 'prioritized':
    case 'waiting-children':
      // A cancelled job still in the queue never starts: the worker that picks it up drops it at once.
      return cancelMarked ? 'JOB_STATE_CANCELLED' : 'JOB_STATE_QUEUED';
    default:
      return 'JOB_STATE_UNSPECIFIED';
  }
}

/** The numeric entries of a record (proto map<string, double>); other values are dropped. */
function numberMap(m: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m ?? {})) if (typeof v === 'number') out[k] = v;
  return out;
}

/** proto JobProgress from a worker's progress report (undefined when it is not one). */
export function progressMessage(p: unknown): JobProgressMessage | undefined {
  if (typeof p !== 'object' || p === null || !('phase' in p)) return undefined;
  const q = p as TrainingJobProgressData;
  return {
    phase: String(q.phase),
    epoch: q.epoch ?? 0,
    epochs: q.epochs ?? 0,
    batch: q.batch ?? 0,
    batches: q.batches ?? 0,
    loss: q.loss ?? 0,
    metrics: numberMap(q.metrics),
    eta_seconds: Number.isFinite(q.etaSeconds) ? q.etaSeconds : 0,
    updated_at: toTimestamp(q.updatedAt),
  };
}

/** Builds the proto Job from a BullMQ job, its state and its cancel mark. */
export function jobMessage(job: BullJob<TrainingJobData, TrainingJobReturn>, state: BullState | 'unknown', cancelMarked: boolean): JobMessage {
  const name = jobStateName(state, job.failedReason, cancelMarked);
  const spec = job.data.spec;
  const result = name === 'JOB_STATE_SUCCEEDED' ? job.returnvalue : undefined;
  let error = '';
  if (name === 'JOB_STATE_FAILED' || name === 'JOB_STATE_CANCELLED') error = job.failedReason || (name === 'JOB_STATE_CANCELLED' ? CANCELLED_REASON : '');
  return {
    job_id: String(job.id),
    state: name,
    family: spec.family,
    dataset: spec.dataset,
    model_name: spec.name,
    hyperparameters: jsonToStruct(spec.hyperparameters),
    progress: progressMessage(job.progress),
    created_at: toTimestamp(job.timestamp),
    started_at: toTimestamp(job.processedOn),
    finished_at: TERMINAL_STATES.has(name) ? toTimestamp(job.finishedOn ?? job.processedOn ?? job.timestamp) : undefined,
    error,
    model: result ? { name: result.name, version: result.version } : undefined,
    metrics: numberMap(result?.metrics),
    attempts_started: job.attemptsStarted ?? 0,
    cancel_requested: cancelMarked && !TERMINAL_STATES.has(name),
  };
}
