/**
 * `bitplane train <family> --dataset fashion-mnist [...]`: trains in-process (no Redis), with a progress bar, and
 * saves a new registry version. Interrupted with Ctrl-C, the same command resumes from the last epoch's checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import { positiveIntList } from '../option-parsers';
import { SingleBar } from 'cli-progress';
import { ModelRegistry } from '../../libs/core/src/registry';
import { TRAINABLE_FAMILIES, TrainingProgress, runTrainingJob, trainingJobKey, validateTrainingJob } from '../../libs/models/training/job';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got '${v}'`);
    return n;
  };
}

function num(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got '${v}'`);
    return n;
  };
}

/** `--set key=value` (value parsed as JSON when it parses, else kept as a string), repeatable. */
function collectSet(v: string, prev: Record<string, unknown>): Record<string, unknown> {
  const i = v.indexOf('=');
  if (i < 1) throw new Error(`--set expects key=value, got '${v}'`);
  const raw = v.slice(i + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: keep the string.
  }
  return { ...prev, [v.slice(0, i)]: value };
}

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

interface TrainOptions {
  dataset: string;
  epochs?: number;
  hidden?: number[];
  limit?: number;
  name?: string;
  registry?: string;
  seed?: number;
  datasets?: string;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  binarization?: string;
  shiftBatchNorm?: boolean;
  loss?: string;
  set: Record<string, unknown>;
  checkpointDir?: string;
  progress: boolean;
}

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('train')
    .description(`train a model in-process and save it to the registry (families: ${TRAINABLE_FAMILIES.join(', ')})`)
    .argument('<family>', `model family: ${TRAINABLE_FAMILIES.join(', ')}`)
    .addOption(new Option('--dataset <ref>', "'fashion-mnist' or a CSV file name inside the datasets directory").default('fashion-mnist'))
    .option('--epochs <n>', 'epochs (default 10)', int('--epochs'))
    .option('--hidden <sizes>', 'hidden layer sizes, comma-separated (default 1024,1024)', positiveIntList)
    .option('--limit <n>', 'use only the first N training examples', int('--limit'))
    .option('--name <name>', 'registry model name (default <family>-<dataset>)')
    .addOption(new Option('--registry <dir>', 'model registry directory').env('BITPLANE_REGISTRY').default('./models'))
    .option('--seed <s>', 'random seed (default 1)', int('--seed'))
    .addOption(new Option('--datasets <dir>', 'datasets directory for CSV datasets').env('BITPLANE_DATASETS').default('./datasets'))
    .option('--batch-size <n>', 'minibatch size (default 100)', int('--batch-size'))
    .option('--lr <rate>', 'initial learning rate', num('--lr'))
    .option('--optimizer <name>', 'adam | adamax | shift-adamax')
    .option('--binarization <mode>', 'binary families: deterministic | stochastic')
    .option('--shift-batch-norm', 'bnn-mlp: shift-based batch norm')
    .option('--loss <loss>', 'softmax | squared-hinge')
    .option('--set <key=value>', 'any other hyperparameter (repeatable), e.g. --set validationSplit=0.2', collectSet, {})
    .option('--checkpoint-dir <dir>', 'checkpoint directory (default <registry>/.checkpoints/<name>-<job key>)')
    .option('--no-progress', 'no progress bar (one line per epoch instead)')
    .addHelpText('after', '\nEnvironment: BITPLANE_REGISTRY (--registry), BITPLANE_DATASETS (--datasets), BITPLANE_BACKEND (kernels for the matrix products: auto|ts|cpu|cuda), BITPLANE_FASHION_MNIST (Fashion-MNIST directory).')
    .action(async (family: string, opts: TrainOptions) => {
      const hyperparameters: Record<string, unknown> = { ...opts.set };
      const put = (k: string, v: unknown) => v !== undefined && (hyperparameters[k] = v);
      put('epochs', opts.epochs);
      put('hiddenSizes', opts.hidden);
      put('limit', opts.limit);
      put('seed', opts.seed);
      put('batchSize', opts.batchSize);
      put('learningRate', opts.lr);
      put('optimizer', opts.optimizer);
      put('binarization', opts.binarization);
      put('shiftBatchNorm', opts.shiftBatchNorm);
      put('loss', opts.loss);
      const name = opts.name ?? `${family}-${path.basename(opts.dataset).replace(/\.csv$/i, '')}`.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/-+$/, '');
      const spec = validateTrainingJob({ family, dataset: opts.dataset, name, hyperparameters }, opts.datasets);
      const registry = new ModelRegistry(opts.registry);
      const checkpointDir = path.resolve(opts.checkpointDir ?? path.join(registry.root, '.checkpoints', `${name}-${trainingJobKey(spec).slice(0, 12)}`));
      if (fs.existsSync(checkpointDir) && fs.readdirSync(checkpointDir).some((f) => f.startsWith('epoch-'))) console.error(`resuming from the checkpoint in ${checkpointDir}`);
      const controller = new AbortController();
      const onSigint = () => {
        console.error('\ninterrupted: stopping after this batch (the next identical command resumes from the last finished epoch)');
        controller.abort();
      };
      process.once('SIGINT', onSigint);
      const showBar = opts.progress && process.stderr.isTTY;
      const bar = new SingleBar({
        format: 'epoch {ep}/{eps} [{bar}] batch {value}/{total} loss {loss} ETA {etaText}',
        hideCursor: true,
        clearOnComplete: false,
        stream: process.stderr,
      });
      let barEpoch = 0;
      const onProgress = (p: TrainingProgress) => {
        if (p.phase !== 'training') {
          if (barEpoch && showBar) bar.stop();
          barEpoch = 0;
          if (p.phase !== 'loading') console.error(`${p.phase}...`);
          return;
        }
        const payload = { ep: p.epoch, eps: p.epochs, loss: p.loss.toFixed(4), etaText: fmtSeconds(p.etaSeconds) };
        if (p.epoch !== barEpoch) {
          if (barEpoch && showBar) bar.stop();
          barEpoch = p.epoch;
          if (showBar) bar.start(p.batches, p.batch, payload);
        } else if (showBar) bar.update(p.batch, payload);
        if (p.batch === p.batches && !showBar) {
          const m = Object.entries(p.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
          console.error(`epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)}${m ? `, ${m}` : ''}, ETA ${fmtSeconds(p.etaSeconds)}`);
        }
      };
      try {
        const r = await runTrainingJob(spec, { registry, checkpointDir, datasetsDir: opts.datasets, onProgress, signal: controller.signal });
        if (showBar) bar.stop();
        // The CLI's checkpoints served only this run; a later identical command trains a new version.
        fs.rmSync(checkpointDir, { recursive: true, force: true });
        console.log(`model ${r.name}:${r.version} (${family}, dataset ${spec.dataset})`);
        for (const [k, v] of Object.entries(r.metrics)) console.log(`  ${k.padEnd(22)} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
        console.log(`artifact: ${r.dir}`);
      } finally {
        process.removeListener('SIGINT', onSigint);
        bar.stop();
      }
    });
}
