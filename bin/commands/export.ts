/** `bitplane export <model[:version]> --target <t|all> --out DIR`: runs exporters on a registry artifact. */
import * as path from 'node:path';
import { Command } from 'commander';
import { positiveIntList } from '../option-parsers';
import { ModelRegistry, parseModelRef } from '../../libs/core/src/registry';
import { checkFamily, exportTarget, exportTargets } from '../../exporters';
import { registerExportedOnnx } from '../../exporters/onnx/register-export';

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('export')
    .description('export a model to a hardware or interchange target')
    .argument('<model>', 'model reference name[:version] (latest when no version)')
    .requiredOption('--target <target>', `target, or 'all' (targets: ${exportTargets().map((t) => t.name).join(', ')})`)
    .requiredOption('--out <dir>', 'output directory (with --target all, one subfolder per target)')
    .option('--registry <dir>', 'model registry directory (default $BITPLANE_REGISTRY or ./models)')
    .option('--pe <list>', 'hardware targets: PE per layer, comma-separated', positiveIntList)
    .option('--simd <list>', 'hardware targets: SIMD per layer, comma-separated', positiveIntList)
    .option('--target-fps <n>', 'hardware targets: pick PE / SIMD for this many images per second', Number)
    .option('--datasets <dir>', 'datasets directory for golden vectors (default $BITPLANE_DATASETS)')
    .option('--register <name>', "targets onnx / onnx-float: also store the exported model.onnx as the next version of <name> (family 'onnx') in the registry")
    .action(async (ref: string, opts: { target: string; out: string; registry?: string; pe?: number[]; simd?: number[]; targetFps?: number; datasets?: string; register?: string }) => {
      const { name, version } = parseModelRef(ref);
      if (opts.register !== undefined && opts.target !== 'onnx' && opts.target !== 'onnx-float') {
        throw new Error(`--register takes the model.onnx of --target onnx or onnx-float, not '${opts.target}'`);
      }
      const artifact = new ModelRegistry(opts.registry).get(name, version);
      const family = artifact.manifest.family;
      const targets = opts.target === 'all' ? exportTargets().filter((t) => t.families.includes(family)) : [exportTarget(opts.target)];
      for (const t of targets) {
        checkFamily(t, family);
        const outDir = opts.target === 'all' ? path.join(opts.out, t.name) : opts.out;
        const r = await t.export(artifact, path.resolve(outDir), { pe: opts.pe, simd: opts.simd, targetFps: opts.targetFps, datasets: opts.datasets });
        console.log(`${t.name}: ${r.summary}\n  -> ${r.outDir}`);
        if (opts.register !== undefined) console.log(await registerExportedOnnx(opts.registry, opts.register, r.outDir, artifact));
      }
    });
}
