/** Configuration of the inference server: CLI flags, each with an environment fallback, then defaults. */
import { defaultRegistryDir } from '../../../libs/core/src/registry';
import { DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_MESSAGE_BYTES, TlsFiles } from '../../common/src/grpc-server-options';
import { adminTokenFromEnv } from '../../common/src/admin-token';

/** Everything a server needs to start. */
export interface InferenceConfig {
  /** Registry directory. */
  registry: string;
  /** Listen host for every port. */
  host: string;
  /** gRPC port (Open Inference Protocol). */
  port: number;
  /** REST port (KServe V2 JSON). */
  httpPort: number;
  /** Prometheus /metrics port. */
  metricsPort: number;
  /** Kernel backend: auto, ts, cpu, cuda. */
  backend: string;
  /** Most rows merged into one model call by the dynamic batcher (0: merging off). */
  maxBatchRows: number;
  /** Largest gRPC message / REST body, bytes. */
  maxMessageBytes: number;
  /** Calls in flight beyond which new ones get RESOURCE_EXHAUSTED. */
  maxInFlight: number;
  /** Registry rescan period in ms (0: no hot reload). */
  pollMs: number;
  /** TLS certificate and key (PEM); both or neither. */
  tls?: TlsFiles;
  /** Token model-control RPCs require (BITPLANE_ADMIN_TOKEN); undefined: open. */
  adminToken?: string;
}

/** Environment variable behind each setting (documented in `bitplane serve --help`). */
export const INFERENCE_ENV = {
  registry: 'BITPLANE_REGISTRY',
  host: 'BITPLANE_INFERENCE_HOST',
  port: 'BITPLANE_INFERENCE_PORT',
  httpPort: 'BITPLANE_INFERENCE_HTTP_PORT',
  metricsPort: 'BITPLANE_INFERENCE_METRICS_PORT',
  backend: 'BITPLANE_BACKEND',
  maxBatchRows: 'BITPLANE_MAX_BATCH_ROWS',
  maxMessageBytes: 'BITPLANE_MAX_MESSAGE_BYTES',
  maxInFlight: 'BITPLANE_MAX_INFLIGHT',
  pollMs: 'BITPLANE_POLL_MS',
  tlsCert: 'BITPLANE_TLS_CERT',
  tlsKey: 'BITPLANE_TLS_KEY',
} as const;

/** Defaults: gRPC 8001, REST 8000, metrics 8002 (Triton's ports), merging up to 1024 rows, 64 MiB messages. */
export const INFERENCE_DEFAULTS = {
  host: '0.0.0.0',
  port: 8001,
  httpPort: 8000,
  metricsPort: 8002,
  backend: 'auto',
  maxBatchRows: 1024,
  maxMessageBytes: Math.max(DEFAULT_MAX_MESSAGE_BYTES, 64 * 1024 * 1024),
  maxInFlight: DEFAULT_MAX_IN_FLIGHT,
  pollMs: 2000,
} as const;

function int(name: string, value: string | number | undefined, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${name} must be an integer >= ${min}, got '${value}'`);
  return n;
}

/** Flags as the CLI hands them over (strings or undefined). */
export type InferenceFlags = Partial<Record<keyof typeof INFERENCE_ENV, string | number | undefined>>;

/** Resolves flags, then environment, then defaults. */
export function resolveInferenceConfig(flags: InferenceFlags = {}, env: NodeJS.ProcessEnv = process.env): InferenceConfig {
  const pick = (k: keyof typeof INFERENCE_ENV) => flags[k] ?? env[INFERENCE_ENV[k]];
  const cert = pick('tlsCert');
  const key = pick('tlsKey');
  return {
    registry: defaultRegistryDir(pick('registry') as string | undefined),
    host: String(pick('host') ?? INFERENCE_DEFAULTS.host),
    port: int('--port', pick('port'), INFERENCE_DEFAULTS.port, 0),
    httpPort: int('--http-port', pick('httpPort'), INFERENCE_DEFAULTS.httpPort, 0),
    metricsPort: int('--metrics-port', pick('metricsPort'), INFERENCE_DEFAULTS.metricsPort, 0),
    backend: String(pick('backend') ?? INFERENCE_DEFAULTS.backend),
    maxBatchRows: int('--max-batch-rows', pick('maxBatchRows'), INFERENCE_DEFAULTS.maxBatchRows, 0),
    maxMessageBytes: int('--max-message-bytes', pick('maxMessageBytes'), INFERENCE_DEFAULTS.maxMessageBytes, 1024),
    maxInFlight: int('--max-inflight', pick('maxInFlight'), INFERENCE_DEFAULTS.maxInFlight, 1),
    pollMs: int('--poll-ms', pick('pollMs'), INFERENCE_DEFAULTS.pollMs, 0),
    ...(cert || key ? { tls: { certFile: cert as string | undefined, keyFile: key as string | undefined } } : {}),
    adminToken: adminTokenFromEnv(env),
  };
}
