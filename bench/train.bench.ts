/**
 * `npm run bench:train [-- --epochs N --limit N --hidden 1024,1024 --wasm-limit N --seed S --lr-decay D]`: Fashion-MNIST
 * 784-1024-1024-10, float `mlp` and `bnn-mlp` trained with the same epochs and seed by our trainer (tfjs cpu with
 * the bitplane sgemm kernel), then the same float model's epoch time on tfjs's wasm backend as the baseline.
 * Reports test accuracy of each (bnn-mlp: the bitwise forward pass of the saved artifact on all 10,000 test
 * images, which also must agree with the tfjs eval-mode model on every one), seconds per epoch, and the speed ratio
 * wasm / ours (> 1: we are faster). Run under `flock /tmp/bench.lock`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../libs/core/src/random';
import { ModelRegistry } from '../libs/core/src/registry';
import { getBackend } from '../libs/kernels/src/select';
import { mlpConfigSchema } from '../libs/models/mlp/config';
import { datasetNormalization, normalizingPreparer } from '../libs/models/mlp/trainer';
import { loadClassificationData } from '../libs/models/training/dataset';
import { runTrainingJob, TrainingJobResult } from '../libs/models/training/job';
import { tf } from '../libs/models/training/tfjs-runtime';
import { trainLoop } from '../libs/models/training/trainer';
import { BenchRow, machine, median, report, row } from './report';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const epochs = Number(arg('epochs', '1'));
  const limit = Number(arg('limit', '60000'));
  const wasmLimit = Number(arg('wasm-limit', String(Math.min(limit, 6000))));
  const seed = Number(arg('seed', '1'));
  const hiddenSizes = arg('hidden', '1024,1024').split(',').map(Number);
  const batchSize = Number(arg('batch-size', '100'));
  const decay = arg('lr-decay', '');
  const extra: Record<string, unknown> = decay ? { learningRateDecay: Number(decay) } : {};
  const backend = getBackend();
  console.log(`bench train: Fashion-MNIST 784-${hiddenSizes.join('-')}-10, ${epochs} epoch(s), ${limit} training examples (10% held out for validation), batch ${batchSize}, seed ${seed}`);
  console.log(`machine: ${JSON.stringify(machine())}; our matrix products: ${backend.describe()}`);
  const registry = new ModelRegistry(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-train-')));
  const results: Record<string, TrainingJobResult> = {};
  for (const family of ['mlp', 'bnn-mlp']) {
    const t0 = Date.now();
    let lastLog = 0;
    results[family] = await runTrainingJob(
      { family, dataset: 'fashion-mnist', name: family, hyperparameters: { epochs, hiddenSizes, limit, seed, batchSize, ...extra } },
      {
        registry,
        checkpointDir: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ckpt-')),
        onProgress: (p) => {
          if (p.phase === 'training' && p.batch === p.batches) console.log(`  ${family} epoch ${p.epoch}/${p.epochs}: loss ${p.loss.toFixed(4)} ${JSON.stringify(p.metrics)}`);
          else if (Date.now() - lastLog > 30000) {
            lastLog = Date.now();
            console.log(`  ${family} ${p.phase} epoch ${p.epoch} batch ${p.batch}/${p.batches}, ETA ${Math.round(p.etaSeconds)} s`);
          }
        },
      },
    );
    console.log(`${family}: ${JSON.stringify(results[family].metrics)} (${((Date.now() - t0) / 1000).toFixed(0)} s in all)`);
  }
  const history = (family: string) => registry.manifest(family).training!.history as Array<{ seconds: number; trainExamples?: number }>;
  const nTrain = results.mlp.metrics.trainExamples;
  // Seconds per epoch of 54,000 examples (the full training set less the validation split), from the measured epochs.
  const perFull = (seconds: number, examples: number) => (seconds / examples) * 54000;
  const oursMlp = perFull(median(history('mlp').map((h) => h.seconds)), nTrain);
  const oursBnn = perFull(median(history('bnn-mlp').map((h) => h.seconds)), nTrain);

  // Baseline: the same float model and trainer on tfjs's wasm backend (its own XNNPACK matmul, no bitplane kernel).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setWasmPaths(p: string): void; getThreadsCount(): number };
  wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  const data = loadClassificationData('fashion-mnist');
  const config = mlpConfigSchema.parse({ epochs: 1, hiddenSizes, limit: wasmLimit, seed, batchSize, validationSplit: 0.1 });
  const nWasm = wasmLimit - Math.floor(wasmLimit * 0.1);
  const prepare = normalizingPreparer(datasetNormalization(data, nWasm), data.features);
  console.log(`wasm baseline: tfjs ${tf.getBackend()} backend, ${wasm.getThreadsCount()} thread(s), 1 epoch of ${nWasm} examples`);
  const loop = await trainLoop({ kind: 'float', config, data, prepare, jobKey: 'bench-wasm' });
  const wasmSeconds = perFull(loop.history[0].seconds, nWasm);
  loop.graph.dispose();

  const acc = (f: string) => results[f].metrics.testAccuracy * 100;
  const rows: BenchRow[] = [
    row('mlp (float) seconds per epoch, ours', oursMlp, 's/epoch', 'tfjs wasm, same model', wasmSeconds, false, { epochs, examplesPerEpoch: 54000, measuredExamples: nTrain, wasmMeasuredExamples: nWasm }),
    row('bnn-mlp seconds per epoch, ours', oursBnn, 's/epoch', 'tfjs wasm, float mlp', wasmSeconds, false),
    row('mlp (float) test accuracy', acc('mlp'), '%', 'bnn-mlp test accuracy', acc('bnn-mlp'), true, { testExamples: results.mlp.metrics.testExamples }),
    row('bnn-mlp test accuracy (bitwise artifact)', acc('bnn-mlp'), '%', 'float mlp test accuracy', acc('mlp'), true, { gapPoints: acc('mlp') - acc('bnn-mlp'), target: 'within 2.5 points of mlp, >= 87%' }),
    row('bnn-mlp folding agreement (tfjs eval vs bitwise)', results['bnn-mlp'].metrics.evalAgreement * 100, '%', 'all test examples', 100, true),
  ];
  const notes = [
    `ours: tfjs cpu backend with BatchMatMul on ${backend.describe()}; baseline: tfjs-backend-wasm (${wasm.getThreadsCount()} thread(s)); seconds per epoch scaled to 54,000 examples from the measured examples`,
    `epochs ${epochs}, limit ${limit}, seed ${seed}, batch ${batchSize}${decay ? `, learningRateDecay ${decay}` : ''}; accuracy = bitwise / float forward pass of the saved artifact on the 10,000 test images`,
    `new Rng(${seed}) init; ${new Rng(seed).nextU32()} is the first draw (reproducibility check)`,
  ];
  report('train', rows, notes);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
