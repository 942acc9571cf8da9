/**
 * A bitplane service started as its own process from the compiled CLI, for the end-to-end suite. Each process
 * leads its own process group, so stopping it also stops anything it started; every process ever started is
 * remembered so that an after() hook can stop them all, also when a test failed half way.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { checkGrpcHealth } from '../deploy/healthcheck';

/** The compiled CLI of this build: the suite is compiled to <outDir>/e2e/, the CLI to <outDir>/bin/main.js. */
export const CLI = path.resolve(__dirname, '..', 'bin', 'main.js');

const started = new Set<ServiceProcess>();

// Last resort if the test process ends without its after() hooks (an uncaught error): no process outlives it.
process.once('exit', () => {
  for (const p of started) p.signal('SIGKILL');
});

/** One running CLI command. */
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private output = '';
  private exitCode: number | null | undefined;
  private exitSignal: NodeJS.Signals | null = null;

  /** Starts `bitplane <args>` with `env` added to this process's environment. */
  constructor(
    readonly label: string,
    args: string[],
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, BITPLANE_LOG_LEVEL: process.env.BITPLANE_LOG_LEVEL ?? 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: kill(-pid) reaches its children too
    });
    const keep = (b: Buffer) => {
      // Keep the tail only: enough to explain a failure, bounded for long runs.
      this.output = (this.output + b.toString()).slice(-64 * 1024);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        started.delete(this);
        resolve(code);
      }),
    );
    started.add(this);
  }

  /** The process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** How the process ended, for messages. */
  describeExit(): string {
    return this.running ? 'running' : this.exitSignal ? `killed by ${this.exitSignal}` : `exited with code ${this.exitCode}`;
  }

  /** The last 64 KiB of its stdout and stderr. */
  log(): string {
    return this.output;
  }

  /** Sends a signal to the whole process group. */
  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      // already gone
    }
  }

  /** Waits until grpc.health.v1 at `address` says SERVING; fails early, with the log, if the process exits. */
  async waitHealthy(address: string, timeoutMs = 90000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.label} ${this.describeExit()} before serving:\n${this.log()}`);
      const r = await checkGrpcHealth(address, '', 2000);
      if (r.ok) return;
      last = r.detail;
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error(`${this.label} not SERVING at ${address} within ${timeoutMs} ms (${last}):\n${this.log()}`);
  }

  /** Sends `sig`, waits up to `graceMs` for the exit, then SIGKILLs the group. Resolves with the exit code. */
  async stop(sig: NodeJS.Signals = 'SIGTERM', graceMs = 10000): Promise<number | null> {
    if (this.running) {
      this.signal(sig);
      const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exitCode ?? null;
  }
}

/** Stops every process still running (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAllServices(graceMs = 5000): Promise<void> {
  await Promise.all([...started].map((p) => p.stop('SIGTERM', graceMs)));
}
