/** Small helpers for the Redis connections of the service and the worker (no NestJS, so the worker stays light). */

/** Rejects with `message (after N ms)` when `p` takes longer than `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable url>';
  }
}
