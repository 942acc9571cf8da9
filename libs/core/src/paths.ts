/** Locates the package root (where package.json, proto/ and native builds live) from compiled code anywhere below it. */
import * as fs from 'node:fs';
import * as path from 'node:path';

let root: string | undefined;

/** The directory of bitplane's package.json ($BITPLANE_ROOT overrides). */
export function packageRoot(): string {
  if (root) return root;
  if (process.env.BITPLANE_ROOT) return (root = path.resolve(process.env.BITPLANE_ROOT));
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === 'bitplane') return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find bitplane's package.json above ${__dirname}; set BITPLANE_ROOT`);
    dir = up;
  }
}

/** Path of a file or folder under the package root. */
export function fromRoot(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}
