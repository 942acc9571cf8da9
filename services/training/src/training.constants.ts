/** Names shared by the training service (producer) and `bitplane worker` (consumer): queue, job, Redis keys. */

/** BullMQ queue every training job goes on. */
export const TRAINING_QUEUE = 'bitplane-training';
/** BullMQ job name of a training job. */
export const TRAIN_JOB = 'train';
/** Redis pub/sub channel CancelJob publishes job ids on; workers abort the job, services refresh watchers. */
export const CANCEL_CHANNEL = 'bitplane:training:cancel';
/** Redis key marking a job as cancelled (survives until the job is gone; a worker checks it before starting). */
export function cancelKey(jobId: string): string {
  return `bitplane:training:cancelled:${jobId}`;
}
/** How long cancel marks live (seconds). */
export const CANCEL_MARK_TTL_S = 30 * 24 * 3600;
/** failedReason prefix of a job stopped by CancelJob (the worker throws it; the service reads state CANCELLED). */
export const CANCELLED_REASON = 'cancelled by CancelJob';
/** Fully qualified gRPC service name (health name too). */
export const TRAINING_SERVICE_NAME = 'bitplane.v1.TrainingService';
/** The proto file, relative to proto/. */
export const TRAINING_PROTO = 'bitplane/v1/training.proto';
/** Where a job's checkpoints live: `<registry>/.jobs/<jobId>` (a name the registry never lists). */
export const CHECKPOINTS_DIR = '.jobs';
/** Default ports. */
export const DEFAULT_TRAINING_PORT = 8011;
export const DEFAULT_TRAINING_METRICS_PORT = 8012;
/** Default Redis when neither --redis nor $REDIS_URL is given. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
