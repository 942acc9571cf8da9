/**
 * The training-job contract between the trainers (libs/models) and whoever runs them (the CLI in-process, the
 * BullMQ worker of services/training): validate a spec without training, and run it with per-batch progress,
 * cancellation within one batch (no model written), a checkpoint every epoch, and resumption from it.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ZodError } from 'zod';
import { readArtifact, writeArtifactFiles } from '../../core/src/artifact';
import { readCsv } from '../../core/src/csv';
import { InvalidArgumentError } from '../../core/src/errors';
import { ModelRegistry, checkModelName, parseModelRef } from '../../core/src/registry';
import { binaryConnectMlpTrainer } from '../binaryconnect-mlp/trainer';
import { bnnMlpTrainer } from '../bnn-mlp/trainer';
import { argmaxRows } from '../bnn-mlp/model';
import { mlpTrainer } from '../mlp/trainer';
import { clearCheckpoints } from './checkpoint';
import { MlpTrainingConfig } from './config';
import { loadClassificationData, resolveDatasetRef } from './dataset';
import { FamilyTrainer } from './family';
import { LayerState } from './mlp-graph';
import { trainingCurveFiles } from './plots';
import { LoopProgress, TrainingAbortedError, accuracyOf, trainLoop } from './trainer';
import { initTraining } from './tfjs-runtime';

export { TrainingAbortedError } from './trainer';

/** Families the trainer knows. */
export type TrainableFamily = 'bnn-mlp' | 'binaryconnect-mlp' | 'mlp';

const TRAINERS: Record<TrainableFamily, FamilyTrainer> = {
  'bnn-mlp': bnnMlpTrainer,
  'binaryconnect-mlp': binaryConnectMlpTrainer,
  mlp: mlpTrainer,
};

/** Names of the trainable families. */
export const TRAINABLE_FAMILIES = Object.keys(TRAINERS) as TrainableFamily[];

/** What a user submits. */
export interface TrainingJobSpec {
  family: string;
  /** Dataset reference: 'fashion-mnist' or a name (CSV file) inside the datasets directory. */
  dataset: string;
  /** Registry name of the resulting model. */
  name: string;
  /** Family hyperparameters (epochs, hiddenSizes, learningRate, batchSize, limit, seed, ...); validated with defaults. */
  hyperparameters: Record<string, unknown>;
}

/** A progress event, emitted at least once per batch: the loop's progress plus the job's phase. */
export interface TrainingProgress extends LoopProgress {
  phase: 'loading' | 'training' | 'evaluating' | 'saving';
}

/** How a job is run. */
export interface TrainingJobHooks {
  registry: ModelRegistry;
  /** Where checkpoints go (one per epoch); a job started again with the same directory resumes from it. */
  checkpointDir: string;
  /** Datasets directory (--datasets, $BITPLANE_DATASETS). */
  datasetsDir?: string;
  onProgress?: (p: TrainingProgress) => void | Promise<void>;
  /** Aborting stops the job within one batch; no model is written. */
  signal?: AbortSignal;
}

/** What a finished job produced. */
export interface TrainingJobResult {
  name: string;
  version: number;
  dir: string;
  metrics: Record<string, number>;
}

/** The family trainer of a name; InvalidArgumentError listing the known families otherwise. */
export function familyTrainer(family: unknown): FamilyTrainer {
  if (typeof family !== 'string' || !(family in TRAINERS)) {
    throw new InvalidArgumentError(`unknown family '${String(family)}'; trainable families: ${TRAINABLE_FAMILIES.join(', ')}`);
  }
  return TRAINERS[family as TrainableFamily];
}

/** Parses hyperparameters with the family's schema; every problem is named (hyperparameters.<field>: why). */
export function parseHyperparameters(family: string, hyperparameters: unknown): MlpTrainingConfig {
  const trainer = familyTrainer(family);
  if (hyperparameters !== undefined && (typeof hyperparameters !== 'object' || hyperparameters === null || Array.isArray(hyperparameters))) {
    throw new InvalidArgumentError('hyperparameters must be an object');
  }
  try {
    return trainer.schema.parse(hyperparameters ?? {});
  } catch (e) {
    if (e instanceof ZodError) {
      const msg = e.issues.map((i) => `hyperparameters${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`).join('; ');
      throw new InvalidArgumentError(`invalid ${family} hyperparameters: ${msg}`);
    }
    throw e;
  }
}

/** Validates a spec (family, dataset reference, hyperparameters) before it is queued; throws InvalidArgumentError / NotFoundError. */
export function validateTrainingJob(spec: TrainingJobSpec, datasetsDir?: string): TrainingJobSpec {
  if (!spec || typeof spec !== 'object') throw new InvalidArgumentError('training job spec must be an object');
  const trainer = familyTrainer(spec.family);
  checkModelName(spec.name);
  const config = parseHyperparameters(spec.family, spec.hyperparameters);
  const ref = resolveDatasetRef(spec.dataset, datasetsDir);
  if (ref.kind === 'csv') {
    // Reading the file here rejects a malformed CSV, a missing label column or a family mismatch at submit time.
    const csv = readCsv(ref.file, config.labelColumn === undefined ? {} : { label: config.labelColumn });
    const classes = csv.classes?.length ?? 0;
    if (classes < 2) throw new InvalidArgumentError(`dataset '${spec.dataset}': the label column '${csv.labelName}' has ${classes} distinct value(s); classification needs at least 2`);
    const bytes = csv.features.every((v) => v >= 0 && v <= 255 && Number.isInteger(v));
    trainer.checkData({ ref: spec.dataset, inputKind: bytes ? 'uint8' : 'float32', features: csv.featureNames.length, classes });
  } else {
    trainer.checkData({ ref: spec.dataset, inputKind: 'uint8', features: 784, classes: 10 });
  }
  return { family: spec.family, dataset: spec.dataset, name: spec.name, hyperparameters: { ...config } };
}

/** A stable key of what a job computes (family, dataset, parsed hyperparameters): checkpoints of other jobs are refused. */
export function trainingJobKey(spec: TrainingJobSpec): string {
  const sorted = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(sorted({ family: spec.family, dataset: spec.dataset, hyperparameters: spec.hyperparameters }))).digest('hex');
}

const RESULT_FILE = 'result.json';

/** A job that already finished (its model saved) before its worker died: return that result instead of training twice. */
function finishedResult(hooks: TrainingJobHooks, jobKey: string): TrainingJobResult | undefined {
  const file = path.join(hooks.checkpointDir, RESULT_FILE);
  if (!fs.existsSync(file)) return undefined;
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as TrainingJobResult & { jobKey: string };
  if (r.jobKey !== jobKey) return undefined;
  try {
    const m = hooks.registry.manifest(r.name, r.version);
    if ((m.training as { jobKey?: string } | undefined)?.jobKey !== jobKey) return undefined;
  } catch {
    return undefined;
  }
  return { name: r.name, version: r.version, dir: r.dir, metrics: r.metrics };
}

/** The real-valued layers (`float.*` tensors) of a registry model, for fine-tuning; its family and sizes must match. */
export function initialStateFrom(registry: ModelRegistry, ref: string, family: string, sizes: number[]): LayerState[] {
  const { name, version } = parseModelRef(ref);
  const a = registry.get(name, version);
  if (a.manifest.family !== family) throw new InvalidArgumentError(`initFrom ${ref} is a ${a.manifest.family} model, not ${family}`);
  return sizes.slice(1).map((outSize, i) => {
    const inSize = sizes[i];
    const f = (t: string, len: number) => {
      if (!a.has(`float.layer${i}.${t}`)) throw new InvalidArgumentError(`initFrom ${ref} has no float.layer${i}.${t} tensor (layer sizes must be ${sizes.join('-')})`);
      const v = a.tensor<Float32Array>(`float.layer${i}.${t}`, 'float32');
      if (v.length !== len) throw new InvalidArgumentError(`initFrom ${ref}: float.layer${i}.${t} has ${v.length} values; this job's layer sizes ${sizes.join('-')} need ${len}`);
      return Float32Array.from(v);
    };
    const wt = f('weights', inSize * outSize);
    // Artifacts store [out, in]; the graph trains [in, out].
    const weights = new Float32Array(inSize * outSize);
    for (let o = 0; o < outSize; o++) for (let k = 0; k < inSize; k++) weights[k * outSize + o] = wt[o * inSize + k];
    return { inSize, outSize, weights, gamma: f('gamma', outSize), beta: f('beta', outSize), runningMean: f('runningMean', outSize), runningVar: f('runningVar', outSize) };
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
}

/** Runs a job to completion (resuming from checkpointDir when a checkpoint is there). */
export async function runTrainingJob(spec: TrainingJobSpec, hooks: TrainingJobHooks): Promise<TrainingJobResult> {
  const valid = validateTrainingJob(spec, hooks.datasetsDir);
  const trainer = familyTrainer(valid.family);
  const config = valid.hyperparameters as unknown as MlpTrainingConfig;
  const jobKey = trainingJobKey(valid);
  const done = finishedResult(hooks, jobKey);
  if (done) return done;
  const emit = async (p: TrainingProgress) => hooks.onProgress?.(p);
  const abortCheck = () => {
    if (hooks.signal?.aborted) throw new TrainingAbortedError();
  };
  await emit({ phase: 'loading', epoch: 0, epochs: config.epochs, batch: 0, batches: 0, loss: NaN, metrics: {}, etaSeconds: NaN });
  const backend = await initTraining();
  const data = loadClassificationData(valid.dataset, { datasetsDir: hooks.datasetsDir, labelColumn: config.labelColumn, testFraction: config.testFraction });
  trainer.checkData(data);
  abortCheck();
  const nTotal = Math.min(config.limit ?? data.train.n, data.train.n);
  const nTrain = nTotal - Math.floor(nTotal * config.validationSplit);
  const { prepare, extra } = trainer.preparer(data, nTrain);
  const initialState = config.initFrom ? initialStateFrom(hooks.registry, config.initFrom, trainer.family, [data.features, ...config.hiddenSizes, data.classes]) : undefined;
  const loop = await trainLoop({
    initialState,
    kind: trainer.kind,
    config,
    data,
    prepare,
    jobKey,
    checkpointDir: hooks.checkpointDir,
    signal: hooks.signal,
    onProgress: (p) => emit({ phase: 'training', ...p }),
  });
  const tmp = path.join(hooks.checkpointDir || os.tmpdir(), `.eval-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    const last = loop.history[loop.history.length - 1];
    const best = loop.history.find((h) => h.epoch === loop.bestEpoch) ?? last;
    await emit({ phase: 'evaluating', epoch: config.epochs, epochs: config.epochs, batch: 0, batches: 0, loss: last.loss, metrics: { trainAccuracy: last.trainAccuracy }, etaSeconds: NaN });
    const built = trainer.artifact({ config, data, layers: loop.best, consts: loop.graph.evalConstants(), extra });
    // testAccuracy comes from the saved artifact's own forward pass: write it, read it back verified, run it.
    fs.mkdirSync(tmp, { recursive: true });
    const probe = writeArtifactFiles(tmp, { name: valid.name, version: 1, family: trainer.family, signature: built.signature, config: built.config }, built.tensors);
    const logits = trainer.forward(readArtifact(tmp), backend, data.test.x, data.test.n);
    const testRows = Int32Array.from({ length: data.test.n }, (_, i) => i);
    const testAccuracy = accuracyOf(logits, data.test.labels, testRows, data.classes);
    abortCheck();
    const tfjsLogits = loop.graph.predict(prepare(data.test.x, testRows), data.test.n);
    const a = argmaxRows(logits, data.test.n, data.classes);
    const b = argmaxRows(tfjsLogits, data.test.n, data.classes);
    let agree = 0;
    for (let i = 0; i < data.test.n; i++) if (a[i] === b[i]) agree++;
    if (trainer.kind === 'bnn' && agree !== data.test.n) {
      throw new Error(`folding changed ${data.test.n - agree} of ${data.test.n} test predictions (tfjs eval mode vs the bitwise forward pass); refusing to save`);
    }
    const metrics: Record<string, number> = {
      testAccuracy,
      testExamples: data.test.n,
      tfjsEvalTestAccuracy: accuracyOf(tfjsLogits, data.test.labels, testRows, data.classes),
      evalAgreement: agree / data.test.n,
      trainLoss: last.loss,
      trainAccuracy: last.trainAccuracy,
      ...(best.valAccuracy !== undefined ? { valAccuracy: best.valAccuracy } : {}),
      bestEpoch: loop.bestEpoch,
      epochs: config.epochs,
      trainExamples: nTrain,
      secondsPerEpoch: median(loop.history.map((h) => h.seconds)),
    };
    abortCheck();
    await emit({ phase: 'saving', epoch: config.epochs, epochs: config.epochs, batch: 0, batches: 0, loss: last.loss, metrics, etaSeconds: 0 });
    abortCheck();
    const { manifest, dir } = hooks.registry.save(
      {
        name: valid.name,
        family: trainer.family,
        signature: built.signature,
        config: built.config,
        training: { dataset: valid.dataset, jobKey, backend: backend.describe(), metrics, history: loop.history.map((h) => ({ ...h })) as Array<Record<string, number>>, resumedFromEpoch: loop.resumedFromEpoch },
      },
      built.tensors,
      trainingCurveFiles(valid.name, loop.history),
    );
    if (manifest.sha256 !== probe.sha256) throw new Error(`saved tensors of ${valid.name}:${manifest.version} differ from the evaluated ones`);
    const result: TrainingJobResult = { name: valid.name, version: manifest.version, dir, metrics };
    if (hooks.checkpointDir) {
      fs.mkdirSync(hooks.checkpointDir, { recursive: true });
      const tmpResult = path.join(hooks.checkpointDir, `.${RESULT_FILE}.${process.pid}`);
      fs.writeFileSync(tmpResult, JSON.stringify({ ...result, jobKey }, null, 2));
      fs.renameSync(tmpResult, path.join(hooks.checkpointDir, RESULT_FILE));
      clearCheckpoints(hooks.checkpointDir);
    }
    return result;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    loop.graph.dispose();
  }
}
