/** Test support: the inference service as its own process (`node main.js`), for SIGTERM and true-concurrency tests. */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { freePort } from '../../../../libs/testing/free-port';

/** A server process and where it listens. */
export interface SpawnedServer {
  child: ChildProcess;
  address: string;
  httpUrl: string;
  metricsUrl: string;
  /** Everything the process wrote to stderr (pino JSON lines). */
  log(): string;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

/** Starts main.js over `registry` with `env` settings and waits for its 'listening' log line. */
export async function spawnInferenceServer(registry: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<SpawnedServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, path.join(__dirname, '..', 'main.js')], {
    env: {
      ...process.env,
      BITPLANE_REGISTRY: registry,
      BITPLANE_INFERENCE_HOST: '127.0.0.1',
      BITPLANE_INFERENCE_PORT: String(port),
      BITPLANE_INFERENCE_HTTP_PORT: '0',
      BITPLANE_INFERENCE_METRICS_PORT: '0',
      BITPLANE_BACKEND: 'ts',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<{ http: number; metrics: number }>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const line of stderr.split('\n')) {
        if (!line.includes('inference server listening')) continue;
        const j = JSON.parse(line) as { http: number; metrics: number };
        resolve({ http: j.http, metrics: j.metrics });
      }
    });
    void exited.then((code) => reject(new Error(`inference server exited with ${code} before listening:\n${stderr}`)));
  });
  const ports = await ready;
  return {
    child,
    address: `127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`,
    log: () => stderr,
    exited,
  };
}
