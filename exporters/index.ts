/** Every export target, collected from exporters/<dir>/targets.ts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../libs/core/src/errors';
import { ExportTarget } from './target';

export * from './target';

/** All targets, in a stable order (by folder, then as each folder lists them). */
export function exportTargets(): ExportTarget[] {
  const out: ExportTarget[] = [];
  for (const dir of fs.readdirSync(__dirname, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const file = path.join(__dirname, dir, 'targets.js');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (fs.existsSync(file)) out.push(...(require(file) as { targets: ExportTarget[] }).targets);
  }
  return out;
}

/** The named target; unknown names list the known ones. */
export function exportTarget(name: string): ExportTarget {
  const all = exportTargets();
  const t = all.find((x) => x.name === name);
  if (!t) throw new InvalidArgumentError(`unknown export target '${name}'; targets: ${all.map((x) => x.name).join(', ')}, all`);
  return t;
}

/** Throws a clear error when `target` cannot export `family`, naming the targets that can. */
export function checkFamily(target: ExportTarget, family: string): void {
  if (target.families.includes(family)) return;
  const can = exportTargets().filter((t) => t.families.includes(family)).map((t) => t.name);
  throw new InvalidArgumentError(
    `target '${target.name}' cannot export family '${family}' (it exports ${target.families.join(', ')}); ` +
      (can.length ? `targets that can export '${family}': ${can.join(', ')}` : `no target exports '${family}'`),
  );
}
