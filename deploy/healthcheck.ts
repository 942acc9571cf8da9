/**
 * Container health check: asks a bitplane service's `grpc.health.v1.Health/Check` whether it is SERVING and exits 0
 * when it is, 1 otherwise (the reason on stderr). The image's HEALTHCHECK and compose call it; Kubernetes uses its
 * native `grpc:` probes instead. It needs no downloaded grpc_health_probe binary.
 *
 *   node dist/deploy/healthcheck.js [inference|training|worker|HOST:PORT] [--service NAME] [--timeout-ms N]
 *                                   [--tls] [--ca FILE]
 *
 * With no target, the role is read from PID 1's command line (the argument the entrypoint was given), so one
 * HEALTHCHECK line in the image serves every role. A worker serves no gRPC: its check is that Redis answers PING.
 * TLS: when the service was given a certificate ($BITPLANE_TLS_CERT), or with --tls, the check speaks TLS and
 * trusts $BITPLANE_TLS_CA (or --ca), else the service's own certificate (self-signed). It connects over loopback,
 * so the certificate's host name is not checked: the question is whether the server answers, not who it is.
 */
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import Redis from 'ioredis';

/** The roles the image's entrypoint knows. */
export const ROLES = ['inference', 'training', 'worker'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Default gRPC port of each role that serves gRPC (README: inference 8001, training service 8011). */
export const ROLE_GRPC_PORTS: Record<Exclude<Role, 'worker'>, number> = { inference: 8001, training: 8011 };

/** Environment variable per role naming its gRPC port when it is not the default. */
export const ROLE_PORT_ENV: Record<Exclude<Role, 'worker'>, string> = { inference: 'BITPLANE_INFERENCE_PORT', training: 'BITPLANE_TRAINING_PORT' };

/** What one check found. */
export interface HealthResult {
  ok: boolean;
  detail: string;
}

/** Channel credentials: plaintext, or TLS trusting `caFile` (PEM; default: the system's roots) without a host-name check. */
export function healthCredentials(tls: boolean, caFile?: string): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  if (caFile !== undefined && !fs.existsSync(caFile)) throw new Error(`TLS CA / certificate file not found: ${caFile}`);
  return grpc.credentials.createSsl(caFile === undefined ? null : fs.readFileSync(caFile), null, null, { checkServerIdentity: () => undefined });
}

/** Calls grpc.health.v1.Health/Check on `address` for `serviceName` ('' = the whole server). */
export function checkGrpcHealth(address: string, serviceName: string, timeoutMs: number, credentials = grpc.credentials.createInsecure()): Promise<HealthResult> {
  const Client = grpc.makeGenericClientConstructor(healthService, 'Health');
  const client = new Client(address, credentials);
  return new Promise((resolve) => {
    const deadline = new Date(Date.now() + timeoutMs);
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (req: { service: string }) => healthService.Check.requestSerialize(req),
      (buf: Buffer) => healthService.Check.responseDeserialize(buf) as { status: string },
      { service: serviceName },
      new grpc.Metadata(),
      { deadline },
      (err: grpc.ServiceError | null, res?: { status: string }) => {
        client.close();
        if (err) resolve({ ok: false, detail: `${address}: ${grpc.status[err.code] ?? err.code}: ${err.details || err.message}` });
        else resolve({ ok: res?.status === 'SERVING', detail: `${address} service '${serviceName}': ${res?.status ?? 'no status'}` });
      },
    );
  });
}

/** PINGs the Redis at `url` (a worker's one dependency). */
export async function checkRedis(url: string, timeoutMs: number): Promise<HealthResult> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const pong = await redis.ping();
    return { ok: pong === 'PONG', detail: `redis ${url}: ${pong}` };
  } catch (e) {
    return { ok: false, detail: `redis ${url}: ${(e as Error).message}` };
  } finally {
    redis.disconnect();
  }
}

/** The role named in PID 1's command line (tini -- entrypoint <role> ...), if any. */
export function roleFromCommandLine(cmdline: string): Role | undefined {
  return cmdline.split('\0').find((a): a is Role => (ROLES as readonly string[]).includes(a));
}

/** gRPC address for a role: loopback and its port ($BITPLANE_HEALTH_ADDRESS overrides everything). */
export function addressForRole(role: Exclude<Role, 'worker'>, env: NodeJS.ProcessEnv): string {
  if (env.BITPLANE_HEALTH_ADDRESS) return env.BITPLANE_HEALTH_ADDRESS;
  const port = env[ROLE_PORT_ENV[role]] || String(ROLE_GRPC_PORTS[role]);
  return `127.0.0.1:${port}`;
}

interface Options {
  target?: string;
  service: string;
  timeoutMs: number;
  tls: boolean;
  ca?: string;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { service: '', timeoutMs: 3000, tls: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--service') opts.service = argv[++i] ?? '';
    else if (a === '--timeout-ms') {
      opts.timeoutMs = Number(argv[++i]);
      if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) throw new Error(`--timeout-ms must be a positive number of milliseconds, got '${argv[i]}'`);
    } else if (a === '--tls') opts.tls = true;
    else if (a === '--ca') {
      opts.ca = argv[++i];
      opts.tls = true;
    } else if (a === '-h' || a === '--help') {
      console.log('usage: healthcheck [inference|training|worker|HOST:PORT] [--service NAME] [--timeout-ms N] [--tls] [--ca FILE]');
      process.exit(0);
    } else if (a.startsWith('-')) throw new Error(`unknown option '${a}'`);
    else if (opts.target === undefined) opts.target = a;
    else throw new Error(`unexpected argument '${a}'`);
  }
  return opts;
}

/** Runs one check as the command line asks; resolves to the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const opts = parseArgs(argv);
  let target = opts.target;
  if (target === undefined) {
    let cmdline = '';
    try {
      cmdline = fs.readFileSync('/proc/1/cmdline', 'utf8');
    } catch {
      // not Linux, or no /proc: the caller must name the target
    }
    target = roleFromCommandLine(cmdline);
    if (!target) {
      console.error(`healthcheck: no target given and no role (${ROLES.join(', ')}) in PID 1's command line; pass one, or HOST:PORT`);
      return 2;
    }
  }
  // TLS when asked, or when the service in this container serves TLS (its certificate is in the environment).
  const tls = opts.tls || Boolean(env.BITPLANE_TLS_CERT);
  const credentials = () => healthCredentials(tls, opts.ca ?? env.BITPLANE_TLS_CA ?? env.BITPLANE_TLS_CERT);
  let result: HealthResult;
  if (target === 'worker') {
    result = await checkRedis(env.REDIS_URL || 'redis://127.0.0.1:6379', opts.timeoutMs);
  } else if (target === 'inference' || target === 'training') {
    result = await checkGrpcHealth(addressForRole(target, env), opts.service, opts.timeoutMs, credentials());
  } else if (/^[^\s:]+:\d+$/.test(target) || /^\[[0-9a-fA-F:]+\]:\d+$/.test(target)) {
    result = await checkGrpcHealth(target, opts.service, opts.timeoutMs, credentials());
  } else {
    console.error(`healthcheck: '${target}' is neither a role (${ROLES.join(', ')}) nor HOST:PORT`);
    return 2;
  }
  (result.ok ? console.log : console.error)(`healthcheck: ${result.ok ? 'healthy' : 'unhealthy'}: ${result.detail}`);
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`healthcheck: ${e.message}`);
      process.exit(2);
    },
  );
}
