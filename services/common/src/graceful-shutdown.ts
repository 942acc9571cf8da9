/**
 * SIGTERM / SIGINT handling shared by the services: mark health NOT_SERVING, tell long-lived streams to end
 * (`signal`), stop accepting and drain in-flight calls (`close`, e.g. NestJS app.close(), which uses grpc-js
 * tryShutdown), then exit 0. A drain that overruns `timeoutMs` is forced, logged, and still exits 0.
 */
import type { Logger } from 'pino';
import { ServiceHealth } from './health';

/** What a service hands to the shutdown helper. */
export interface GracefulShutdownOptions {
  logger: Logger;
  health?: ServiceHealth;
  /** Stops accepting and resolves when in-flight calls are done. */
  close: () => Promise<void>;
  /** Called when the drain overruns (e.g. grpc-js forceShutdown). */
  force?: () => void;
  /** Default 10 s ($BITPLANE_DRAIN_MS overrides). */
  timeoutMs?: number;
  /** Default process.exit; tests pass their own. */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

/** A handle on the installed handler. */
export interface GracefulShutdown {
  /** Aborted when the drain begins: long-lived streams watch it and end themselves. */
  signal: AbortSignal;
  /** Runs the drain as if a signal had arrived (idempotent); resolves before exit is called. */
  shutdown(reason: string): Promise<void>;
  /** Removes the signal handlers. */
  uninstall(): void;
}

/** Installs the handlers (see module doc). */
export function installGracefulShutdown(opts: GracefulShutdownOptions): GracefulShutdown {
  const ac = new AbortController();
  const timeoutMs = opts.timeoutMs ?? Number(process.env.BITPLANE_DRAIN_MS ?? 10000);
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  let running: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    if (running) return running;
    running = (async () => {
      opts.logger.info({ reason, timeoutMs }, 'draining: no new calls, finishing in-flight ones');
      opts.health?.setAll('NOT_SERVING');
      ac.abort(new Error(`server shutting down (${reason})`));
      let timer: NodeJS.Timeout | undefined;
      const overrun = new Promise<'overrun'>((r) => (timer = setTimeout(() => r('overrun'), timeoutMs)));
      try {
        const how = await Promise.race([opts.close().then(() => 'drained' as const), overrun]);
        if (how === 'overrun') {
          opts.logger.warn({ timeoutMs }, 'drain overran its timeout: forcing shutdown');
          opts.force?.();
        } else opts.logger.info('drained');
      } catch (e) {
        opts.logger.error({ err: e }, 'error while draining');
      } finally {
        if (timer) clearTimeout(timer);
      }
      exit(0);
    })();
    return running;
  };
  const handler = (sig: NodeJS.Signals): void => void shutdown(sig);
  for (const s of signals) process.on(s, handler);
  return { signal: ac.signal, shutdown, uninstall: () => signals.forEach((s) => process.off(s, handler)) };
}
