/** Helpers for trainer tests: small synthetic CSV datasets written into a temporary datasets directory. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../../core/src/random';

/**
 * Writes `blobs.csv`: `rows` rows of `features` integer features in 0..255 drawn around a per-class centre, and a
 * `label` column with `classes` classes. Returns the datasets directory.
 */
export function writeBlobsCsv(seed: number, rows = 600, features = 12, classes = 3, name = 'blobs.csv', float = false): string {
  const rng = new Rng(seed);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-datasets-'));
  const centres = Array.from({ length: classes }, () => Array.from({ length: features }, () => 40 + rng.next() * 175));
  const lines = [[...Array.from({ length: features }, (_, j) => `f${j}`), 'label'].join(',')];
  for (let i = 0; i < rows; i++) {
    const c = rng.int(classes);
    const x = centres[c].map((m) => {
      const v = m + rng.normal() * 30;
      return float ? (v / 7).toFixed(3) : String(Math.max(0, Math.min(255, Math.round(v))));
    });
    lines.push([...x, `class${c}`].join(','));
  }
  fs.writeFileSync(path.join(dir, name), lines.join('\n') + '\n');
  return dir;
}
