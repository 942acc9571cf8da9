import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { InvalidArgumentError, NotFoundError } from '../../core/src/errors';
import { freshSeed } from '../../core/src/random';
import { ModelRegistry } from '../../core/src/registry';
import { getBackend } from '../../kernels/src/select';
import { loadBinaryConnectMlp } from '../binaryconnect-mlp/model';
import { loadMlp } from '../mlp/model';
import { TrainingJobSpec, TrainingProgress, runTrainingJob, validateTrainingJob } from './job';
import { writeBlobsCsv } from './testing';

const seed = freshSeed();
console.log(`training job tests: seed ${seed}; matrix products on ${getBackend().describe()}`);
const datasets = writeBlobsCsv(seed);
const floatDatasets = writeBlobsCsv(seed + 1, 600, 10, 4, 'floats.csv', true);

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bitplane-${prefix}-`));
}

function spec(over: Partial<TrainingJobSpec> = {}, hp: Record<string, unknown> = {}): TrainingJobSpec {
  return { family: 'bnn-mlp', dataset: 'blobs.csv', name: 'blobs', hyperparameters: { epochs: 2, hiddenSizes: [32, 16], batchSize: 50, seed: 7, learningRate: 0.01, ...hp }, ...over };
}

test('bad jobs are rejected before training, naming what is wrong', () => {
  const bad: Array<[TrainingJobSpec, RegExp, typeof InvalidArgumentError | typeof NotFoundError]> = [
    [spec({ family: 'cnn' }), /unknown family 'cnn'/, InvalidArgumentError],
    [spec({ name: '../evil' }), /invalid model name/, InvalidArgumentError],
    [spec({}, { epochs: 0 }), /hyperparameters\.epochs/, InvalidArgumentError],
    [spec({}, { epochs: 1.5 }), /hyperparameters\.epochs/, InvalidArgumentError],
    [spec({}, { hiddenSizes: [] }), /hyperparameters\.hiddenSizes/, InvalidArgumentError],
    [spec({}, { learningRate: -1 }), /hyperparameters\.learningRate/, InvalidArgumentError],
    [spec({}, { optimizer: 'sgd' }), /hyperparameters\.optimizer/, InvalidArgumentError],
    [spec({}, { epoch: 3 }), /Unrecognized key/, InvalidArgumentError],
    [spec({ family: 'mlp' }, { binarization: 'stochastic' }), /Unrecognized key/, InvalidArgumentError],
    [spec({}, { labelColumn: 'nope' }), /label column 'nope' not found/, InvalidArgumentError],
    [spec({ dataset: '../blobs.csv' }), /refused/, InvalidArgumentError],
    [spec({ dataset: 'sub/../../etc/passwd' }), /refused/, InvalidArgumentError],
    [spec({ dataset: '/etc/passwd' }), /refused/, InvalidArgumentError],
    [spec({ dataset: '' }), /empty/, InvalidArgumentError],
    [spec({ dataset: 'missing.csv' }), /not found/, NotFoundError],
    [spec({ dataset: 'floats.csv' }), /8-bit inputs/, InvalidArgumentError],
  ];
  for (const [s, re, cls] of bad) {
    const dir = s.dataset === 'floats.csv' ? floatDatasets : datasets;
    assert.throws(() => validateTrainingJob(s, dir), (e: Error) => e instanceof cls && re.test(e.message), `${JSON.stringify(s)} must be rejected with ${cls.name} ${re}`);
  }
  // A symbolic link inside the directory that leads out of it.
  fs.symlinkSync('/etc/hostname', path.join(datasets, 'escape.csv'));
  assert.throws(() => validateTrainingJob(spec({ dataset: 'escape.csv' }), datasets), /links outside/);
  // Valid specs come back with every default filled in.
  const ok = validateTrainingJob(spec({ dataset: 'blobs' }), datasets);
  assert.equal(ok.hyperparameters.optimizer, 'adam');
  assert.equal(ok.hyperparameters.binarization, 'deterministic');
  assert.equal(validateTrainingJob(spec({ family: 'mlp', dataset: 'floats.csv' }), floatDatasets).family, 'mlp');
});

test('the same seed trains the same model twice; another seed does not', async () => {
  const run = async (s: number) => {
    const registry = new ModelRegistry(tmp('reg'));
    const r = await runTrainingJob(spec({}, { seed: s }), { registry, checkpointDir: tmp('ckpt'), datasetsDir: datasets });
    return registry.manifest(r.name, r.version);
  };
  const a = await run(7);
  const b = await run(7);
  const c = await run(8);
  assert.equal(a.version, 1, 'the first model of a name is version 1');
  assert.equal(a.sha256, b.sha256);
  assert.deepEqual(a.training?.history?.map((h) => h.loss), b.training?.history?.map((h) => h.loss));
  assert.notEqual(a.sha256, c.sha256);
  assert.equal(a.training?.metrics?.evalAgreement, 1, 'folding changed no test prediction');
  assert.ok((a.training?.metrics?.testAccuracy ?? 0) > 0.8, `bnn-mlp learns the blobs (test accuracy ${a.training?.metrics?.testAccuracy})`);
});

test('a cancelled job writes no model; started again with its checkpoint it resumes and ends exactly like an uninterrupted run', async () => {
  // No validation split: the saved weights are the last epoch's, so they depend on the resumed epochs.
  const s = spec({}, { epochs: 3, validationSplit: 0 });
  const regA = new ModelRegistry(tmp('reg'));
  const full = await runTrainingJob(s, { registry: regA, checkpointDir: tmp('ckpt'), datasetsDir: datasets });
  const regB = new ModelRegistry(tmp('reg'));
  const ckpt = tmp('ckpt');
  const controller = new AbortController();
  const events: TrainingProgress[] = [];
  await assert.rejects(
    runTrainingJob(s, {
      registry: regB,
      checkpointDir: ckpt,
      datasetsDir: datasets,
      signal: controller.signal,
      onProgress: (p) => {
        events.push(p);
        // Cancel in the middle of epoch 2.
        if (p.phase === 'training' && p.epoch === 2 && p.batch === 3) controller.abort();
      },
    }),
    (e: Error) => e.name === 'AbortError',
  );
  const last = events[events.length - 1];
  assert.equal(last.epoch, 2);
  assert.equal(last.batch, 3, 'the job stopped within one batch of the cancel');
  assert.deepEqual(regB.listModels(), [], 'no model was written');
  assert.deepEqual(fs.readdirSync(ckpt).filter((f) => !f.startsWith('.')), ['epoch-1'], 'the epoch-1 checkpoint is there');
  const epochsSeen: number[] = [];
  const resumed = await runTrainingJob(s, { registry: regB, checkpointDir: ckpt, datasetsDir: datasets, onProgress: (p) => void (p.phase === 'training' && epochsSeen.push(p.epoch)) });
  assert.ok(!epochsSeen.includes(1), 'epoch 1 was not trained again');
  const ma = regA.manifest(full.name, full.version);
  const mb = regB.manifest(resumed.name, resumed.version);
  assert.equal(mb.training?.resumedFromEpoch, 1);
  assert.equal(mb.sha256, ma.sha256, 'resumed model is bit-identical to the uninterrupted one');
  assert.deepEqual(mb.training?.history?.map((h) => h.loss), ma.training?.history?.map((h) => h.loss));
  const { secondsPerEpoch: _a, ...rm } = resumed.metrics;
  const { secondsPerEpoch: _b, ...fm } = full.metrics;
  assert.deepEqual(rm, fm);
  assert.equal(mb.training?.metrics?.bestEpoch, 3);
  // Started once more (e.g. a worker died after saving), the finished job returns its result instead of training again.
  const again = await runTrainingJob(s, { registry: regB, checkpointDir: ckpt, datasetsDir: datasets });
  assert.equal(again.version, resumed.version);
  assert.deepEqual(regB.listVersions(resumed.name), [1]);
});

test('progress arrives for every batch with epoch, batch, loss and ETA; plots and history are saved', async () => {
  const registry = new ModelRegistry(tmp('reg'));
  const events: TrainingProgress[] = [];
  const r = await runTrainingJob(spec({}, { epochs: 2, validationSplit: 0.2 }), { registry, checkpointDir: tmp('ckpt'), datasetsDir: datasets, onProgress: (p) => void events.push(p) });
  const training = events.filter((e) => e.phase === 'training');
  const m = registry.manifest(r.name, r.version);
  const batches = training[0].batches;
  assert.equal(training.length, 2 * batches, 'one event per batch');
  assert.ok(training.every((e) => Number.isFinite(e.loss) && e.etaSeconds >= 0));
  assert.deepEqual([...new Set(events.map((e) => e.phase))], ['loading', 'training', 'evaluating', 'saving']);
  assert.equal(m.training?.history?.length, 2);
  assert.ok(m.training?.history?.every((h) => typeof h.valAccuracy === 'number' && typeof h.seconds === 'number'));
  assert.equal(m.training?.metrics?.testExamples, 120);
  for (const f of ['training-loss.svg', 'training-accuracy.svg']) {
    const svg = fs.readFileSync(path.join(r.dir, f), 'utf8');
    assert.match(svg, /^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
  }
});

test('bnn-mlp options: stochastic binarization, shift-based batch norm and shift-based AdaMax train and fold exactly', async () => {
  const registry = new ModelRegistry(tmp('reg'));
  for (const hp of [{ binarization: 'stochastic' }, { shiftBatchNorm: true, optimizer: 'shift-adamax' }, { optimizer: 'adamax', loss: 'squared-hinge' }]) {
    const r = await runTrainingJob(spec({}, { epochs: 3, ...hp }), { registry, checkpointDir: tmp('ckpt'), datasetsDir: datasets });
    assert.equal(r.metrics.evalAgreement, 1, `${JSON.stringify(hp)}: folding changed a prediction`);
    assert.ok(r.metrics.testAccuracy > 0.6, `${JSON.stringify(hp)}: test accuracy ${r.metrics.testAccuracy}`);
  }
});

test('mlp and binaryconnect-mlp train on a float CSV; their artifact forward passes agree with the tfjs model', async () => {
  const registry = new ModelRegistry(tmp('reg'));
  for (const family of ['mlp', 'binaryconnect-mlp']) {
    // Stochastic binarization learns more slowly (noisy weights): it gets more epochs.
    for (const hp of family === 'mlp' ? [{}] : [{}, { binarization: 'stochastic', loss: 'softmax', epochs: 10 }]) {
      const r = await runTrainingJob({ family, dataset: 'floats.csv', name: family, hyperparameters: { epochs: 3, hiddenSizes: [32], batchSize: 50, seed: 3, learningRate: 0.01, learningRateDecay: 1, ...hp } }, { registry, checkpointDir: tmp('ckpt'), datasetsDir: floatDatasets });
      assert.ok(r.metrics.testAccuracy > 0.8, `${family} ${JSON.stringify(hp)}: test accuracy ${r.metrics.testAccuracy}`);
      assert.ok(r.metrics.evalAgreement >= 0.99, `${family}: artifact and tfjs agree on ${r.metrics.evalAgreement}`);
      const a = registry.get(r.name, r.version);
      assert.equal(a.manifest.signature.inputs[0].datatype, 'FP32');
      const model = family === 'mlp' ? loadMlp(a) : loadBinaryConnectMlp(a);
      assert.equal(model.inputKind, 'float32');
      assert.ok(a.has('float.layer0.weights') && a.has('input.offset'));
    }
  }
});

test('initFrom fine-tunes from the float weights kept in an artifact', async () => {
  const registry = new ModelRegistry(tmp('reg'));
  const base = await runTrainingJob(spec({ name: 'base' }, { epochs: 3 }), { registry, checkpointDir: tmp('ckpt'), datasetsDir: datasets });
  // A learning rate too small to move anything: the fine-tuned model is as good as its base, a fresh one is not.
  const still = { epochs: 1, learningRate: 1e-9, validationSplit: 0 };
  const tuned = await runTrainingJob(spec({ name: 'tuned' }, { ...still, initFrom: `base:${base.version}` }), { registry, checkpointDir: tmp('ckpt'), datasetsDir: datasets });
  const fresh = await runTrainingJob(spec({ name: 'fresh' }, still), { registry, checkpointDir: tmp('ckpt'), datasetsDir: datasets });
  assert.ok(Math.abs(tuned.metrics.testAccuracy - base.metrics.testAccuracy) <= 0.05, `fine-tuned ${tuned.metrics.testAccuracy} vs base ${base.metrics.testAccuracy}`);
  assert.ok(tuned.metrics.testAccuracy > fresh.metrics.testAccuracy + 0.1, `fine-tuned ${tuned.metrics.testAccuracy} vs fresh ${fresh.metrics.testAccuracy}`);
  await assert.rejects(runTrainingJob(spec({ name: 'bad' }, { hiddenSizes: [8], initFrom: `base:${base.version}` }), { registry, checkpointDir: tmp('ckpt'), datasetsDir: datasets }), /layer sizes/);
  assert.throws(() => validateTrainingJob(spec({}, { initFrom: 'base' }), datasets), /hyperparameters\.initFrom/);
});
