/** Configuration of the training service process (CLI flags with environment fallbacks, resolved by the caller). */

/** Everything the training service needs to run. */
export interface TrainingServiceConfig {
  /** gRPC port (0 is not supported by NestJS: pick a free one). */
  port: number;
  host?: string;
  /** Prometheus port (0 picks a free one). */
  metricsPort: number;
  registryDir: string;
  datasetsDir?: string;
  redisUrl: string;
  /** Bearer token required by SubmitJob and CancelJob; undefined means open. */
  adminToken?: string;
  maxMessageBytes?: number;
  maxInFlight?: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** How long startup waits for Redis before failing (default 10 s). */
  redisTimeoutMs?: number;
}

/** DI token of the TrainingServiceConfig. */
export const TRAINING_CONFIG = Symbol('TRAINING_CONFIG');
