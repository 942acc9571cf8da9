/** `bitplane models ls | show <name[:version]> | rm <name:version>`: manage the model registry. */
import { Command, Option } from 'commander';
import { Manifest } from '../../libs/core/src/artifact';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { ModelRegistry, parseModelRef } from '../../libs/core/src/registry';

const registryOption = () => new Option('--registry <dir>', 'model registry directory').env('BITPLANE_REGISTRY').default('./models');

function pct(v: unknown): string {
  return typeof v === 'number' ? `${(v * 100).toFixed(2)}%` : '-';
}

/** One-screen summary of a manifest. */
function describe(m: Manifest, dir: string): string {
  const lines: string[] = [];
  lines.push(`${m.name}:${m.version}  family ${m.family}  created ${m.createdAt}`);
  lines.push(`dir: ${dir}`);
  lines.push(`signature: in ${m.signature.inputs.map((s) => `${s.name} ${s.datatype} [${s.shape.join(', ')}]`).join('; ')} -> out ${m.signature.outputs.map((s) => `${s.name} ${s.datatype} [${s.shape.join(', ')}]`).join('; ')}`);
  lines.push(`config: ${JSON.stringify(m.config)}`);
  const bytes = Object.values(m.tensors).reduce((s, t) => s + t.byteLength, 0);
  lines.push(`tensors (${Object.keys(m.tensors).length}, ${bytes} bytes, sha256 ${m.sha256.slice(0, 16)}...):`);
  for (const [name, t] of Object.entries(m.tensors)) lines.push(`  ${name.padEnd(28)} ${t.dtype.padEnd(8)} [${t.shape.join(', ')}]${t.layout === 'bitplanes' ? ' bitplanes' : ''}`);
  if (m.files) lines.push(`files: ${Object.keys(m.files).join(', ')}`);
  if (m.training) {
    lines.push(`training: dataset ${m.training.dataset ?? '-'}`);
    for (const [k, v] of Object.entries(m.training.metrics ?? {})) lines.push(`  ${k.padEnd(22)} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
    const h = m.training.history ?? [];
    if (h.length) {
      lines.push('  epoch  loss     train acc  val acc   lr        seconds');
      for (const e of h) lines.push(`  ${String(e.epoch).padEnd(6)} ${e.loss.toFixed(4).padEnd(8)} ${pct(e.trainAccuracy).padEnd(10)} ${pct(e.valAccuracy).padEnd(9)} ${e.learningRate.toExponential(2).padEnd(9)} ${e.seconds.toFixed(1)}`);
    }
  }
  return lines.join('\n');
}

/** Registers the command. */
export function register(program: Command): void {
  const models = program.command('models').description('list, show and delete registry models').addHelpText('after', '\nEnvironment: BITPLANE_REGISTRY (--registry).');
  models
    .command('ls')
    .description('list models and their versions')
    .addOption(registryOption())
    .action((opts: { registry: string }) => {
      const reg = new ModelRegistry(opts.registry);
      const names = reg.listModels();
      if (!names.length) {
        console.log(`no models in ${reg.root}`);
        return;
      }
      console.log(`${'name'.padEnd(30)} ${'versions'.padEnd(12)} ${'family'.padEnd(18)} ${'test acc'.padEnd(9)} created (latest)`);
      for (const name of names) {
        const versions = reg.listVersions(name);
        let family = '?';
        let acc = '-';
        let created = '?';
        try {
          const m = reg.manifest(name);
          family = m.family;
          acc = pct(m.training?.metrics?.testAccuracy);
          created = m.createdAt;
        } catch (e) {
          family = `unreadable: ${(e as Error).message}`;
        }
        console.log(`${name.padEnd(30)} ${versions.join(',').padEnd(12)} ${family.padEnd(18)} ${acc.padEnd(9)} ${created}`);
      }
    });
  models
    .command('show')
    .description('show one version (latest when no version): signature, config, tensors, training metrics and history')
    .argument('<model>', 'name[:version]')
    .addOption(registryOption())
    .option('--json', 'print the manifest as JSON')
    .action((ref: string, opts: { registry: string; json?: boolean }) => {
      const reg = new ModelRegistry(opts.registry);
      const { name, version } = parseModelRef(ref);
      const v = reg.resolve(name, version);
      const m = reg.manifest(name, v);
      console.log(opts.json ? JSON.stringify(m, null, 2) : describe(m, reg.path(name, v)));
    });
  models
    .command('rm')
    .description('delete one version')
    .argument('<model>', 'name:version (the version is required)')
    .addOption(registryOption())
    .action((ref: string, opts: { registry: string }) => {
      const reg = new ModelRegistry(opts.registry);
      const { name, version } = parseModelRef(ref);
      if (version === undefined) throw new InvalidArgumentError(`'${ref}': give the version to delete (name:version)`);
      reg.delete(name, version);
      console.log(`deleted ${name}:${version}`);
    });
}
