/** Locates built native addons relative to the package root (works from sources and from dist/). */
import * as fs from 'node:fs';
import * as path from 'node:path';

let root: string | undefined;

/** The directory of bitplane's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === 'bitplane') return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find bitplane's package.json above ${__dirname}`);
    dir = up;
  }
}

/** Path of a native addon built under libs/kernels/native/<which>/build/Release/<file>. */
export function nativeAddonPath(which: 'cpu' | 'cuda', file: string): string {
  return path.join(packageRoot(), 'libs', 'kernels', 'native', which, 'build', 'Release', file);
}
