/** What travels through Redis for one training job: the job's data, its progress reports, its return value. */
import type { TrainingJobResult, TrainingJobSpec, TrainingProgress } from '../../../libs/models/training/job';

/** BullMQ job data. */
export interface TrainingJobData {
  /** The validated spec (hyperparameters with defaults filled in). */
  spec: TrainingJobSpec;
}

/** What a worker passes to job.updateProgress: the trainer's report plus when it was sent. */
export interface TrainingJobProgressData extends TrainingProgress {
  /** ms since the epoch. */
  updatedAt: number;
  /** Wall seconds of the epoch that just finished (measured by the worker), when one finished since the last report. */
  finishedEpoch?: { epoch: number; seconds: number };
}

/** BullMQ return value of a finished job. */
export type TrainingJobReturn = TrainingJobResult;
