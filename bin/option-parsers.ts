/** Parsers for CLI option values, shared by every command (commander calls them with the raw string). */

/** A positive integer. */
export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`'${v}' is not a positive integer`);
  return n;
}

/** A TCP port, 0-65535 (0: any free port). */
export function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`'${v}' is not a port number (0-65535)`);
  return n;
}

/** A comma-separated list of positive integers ("1024,1024"). */
export function positiveIntList(v: string): number[] {
  return v.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`'${v}' is not a comma-separated list of positive integers`);
    return n;
  });
}
