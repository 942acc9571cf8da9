/** The services' structured logger (pino, JSON lines); level from $BITPLANE_LOG_LEVEL (default info). */
import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/** A pino logger named after its component; writes to stderr so stdout stays free for command output. */
export function createLogger(name: string, level: string = process.env.BITPLANE_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level }, pino.destination({ dest: 2, sync: true }));
}
