/**
 * Starts a real Redis for tests: testcontainers' Redis module when a Docker engine answers, otherwise Debian's
 * `redis-server` on a free loopback port. Prints which path it took. Call `stop()` when done.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './free-port';

/** A running Redis and how to stop it. */
export interface TestRedis {
  url: string;
  host: string;
  port: number;
  via: 'testcontainers' | 'redis-server';
  stop(): Promise<void>;
}

export { freePort };

function dockerAnswers(): boolean {
  if (process.env.BITPLANE_TEST_NO_DOCKER === '1') return false;
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000, encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().length > 0;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts Redis (see module doc). */
export async function startRedis(): Promise<TestRedis> {
  if (dockerAnswers()) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    const host = container.getHost();
    const port = container.getMappedPort(6379);
    console.log(`[test-redis] testcontainers: redis:7-alpine at ${host}:${port}`);
    return { url: `redis://${host}:${port}`, host, port, via: 'testcontainers', stop: async () => void (await container.stop()) };
  }
  const bin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => fs.existsSync(p)) ?? 'redis-server';
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-redis-'));
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  child.on('error', () => undefined);
  try {
    await waitForPort(port, child, 10000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`no Docker engine answered and Debian's redis-server could not start (${(e as Error).message}); install it with 'apt-get install redis-server'`);
  }
  console.log(`[test-redis] no Docker engine answered: started Debian redis-server (pid ${child.pid}) on 127.0.0.1:${port}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    via: 'redis-server',
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
