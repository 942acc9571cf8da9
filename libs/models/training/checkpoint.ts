/**
 * Per-epoch training checkpoints: everything needed to continue exactly where a job stopped (parameters, batch-norm
 * statistics, optimizer state, best-validation weights, history). Written as an artifact (manifest + sha256-checked
 * blob) into a temporary directory and renamed into place, so a killed writer never leaves half a checkpoint.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TensorInput, readArtifact, writeArtifactFiles } from '../../core/src/artifact';
import { InvalidArgumentError } from '../../core/src/errors';
import { LayerState } from './mlp-graph';
import { OptimizerState } from './optimizer';

/** One epoch's record in the history. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  valAccuracy?: number;
  valLoss?: number;
  learningRate: number;
  seconds: number;
  [key: string]: number | undefined;
}

/** What a checkpoint holds. */
export interface CheckpointState {
  /** Identifies the job (family, dataset, hyperparameters): a checkpoint of another job is never resumed. */
  jobKey: string;
  epochsDone: number;
  layers: LayerState[];
  optimizer: OptimizerState;
  best: LayerState[];
  bestEpoch: number;
  bestValAccuracy: number;
  history: EpochRecord[];
}

const PREFIX = 'epoch-';
const LAYER_FIELDS = ['weights', 'gamma', 'beta', 'runningMean', 'runningVar'] as const;

function layerTensors(prefix: string, layers: LayerState[], out: Record<string, TensorInput>): void {
  layers.forEach((l, i) => {
    for (const f of LAYER_FIELDS) out[`${prefix}layer${i}.${f}`] = { data: l[f], shape: [l[f].length] };
  });
}

function readLayers(prefix: string, sizes: Array<[number, number]>, get: (name: string) => Float32Array): LayerState[] {
  return sizes.map(([inSize, outSize], i) => ({
    inSize,
    outSize,
    weights: Float32Array.from(get(`${prefix}layer${i}.weights`)),
    gamma: Float32Array.from(get(`${prefix}layer${i}.gamma`)),
    beta: Float32Array.from(get(`${prefix}layer${i}.beta`)),
    runningMean: Float32Array.from(get(`${prefix}layer${i}.runningMean`)),
    runningVar: Float32Array.from(get(`${prefix}layer${i}.runningVar`)),
  }));
}

function epochDirs(dir: string): Array<{ epoch: number; path: string }> {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => new RegExp(`^${PREFIX}[0-9]+$`).test(f))
    .map((f) => ({ epoch: Number(f.slice(PREFIX.length)), path: path.join(dir, f) }))
    .sort((a, b) => a.epoch - b.epoch);
}

/** Writes the checkpoint of a finished epoch atomically and removes older ones. */
export function writeCheckpoint(dir: string, s: CheckpointState): string {
  fs.mkdirSync(dir, { recursive: true });
  const tensors: Record<string, TensorInput> = {};
  layerTensors('', s.layers, tensors);
  layerTensors('best.', s.best, tensors);
  s.optimizer.m.forEach((m, i) => (tensors[`opt.m${i}`] = { data: m, shape: [m.length] }));
  s.optimizer.v.forEach((v, i) => (tensors[`opt.v${i}`] = { data: v, shape: [v.length] }));
  const tmp = path.join(dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(tmp);
  try {
    writeArtifactFiles(
      tmp,
      {
        name: 'checkpoint',
        version: s.epochsDone,
        family: 'checkpoint',
        signature: { inputs: [], outputs: [] },
        config: {
          jobKey: s.jobKey,
          epochsDone: s.epochsDone,
          sizes: s.layers.map((l) => [l.inSize, l.outSize]),
          optimizerStep: s.optimizer.step,
          optimizerVariables: s.optimizer.m.length,
          bestEpoch: s.bestEpoch,
          bestValAccuracy: s.bestValAccuracy,
          history: s.history,
        },
      },
      tensors,
    );
    const final = path.join(dir, `${PREFIX}${s.epochsDone}`);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(tmp, final);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  for (const old of epochDirs(dir)) if (old.epoch < s.epochsDone) fs.rmSync(old.path, { recursive: true, force: true });
  return path.join(dir, `${PREFIX}${s.epochsDone}`);
}

/** The latest checkpoint in `dir`, or undefined when there is none; a checkpoint of another job is an error. */
export function readLatestCheckpoint(dir: string, jobKey: string): CheckpointState | undefined {
  const dirs = epochDirs(dir);
  if (!dirs.length) return undefined;
  const latest = dirs[dirs.length - 1];
  const a = readArtifact(latest.path);
  const c = a.manifest.config as {
    jobKey: string;
    epochsDone: number;
    sizes: Array<[number, number]>;
    optimizerStep: number;
    optimizerVariables: number;
    bestEpoch: number;
    bestValAccuracy: number;
    history: EpochRecord[];
  };
  if (c.jobKey !== jobKey) {
    throw new InvalidArgumentError(`checkpoint directory ${dir} holds a checkpoint of another job (different family, dataset or hyperparameters); use a fresh directory`);
  }
  const get = (name: string) => a.tensor<Float32Array>(name, 'float32');
  return {
    jobKey,
    epochsDone: c.epochsDone,
    layers: readLayers('', c.sizes, get),
    best: readLayers('best.', c.sizes, get),
    optimizer: {
      step: c.optimizerStep,
      m: Array.from({ length: c.optimizerVariables }, (_, i) => Float32Array.from(get(`opt.m${i}`))),
      v: Array.from({ length: c.optimizerVariables }, (_, i) => Float32Array.from(get(`opt.v${i}`))),
    },
    bestEpoch: c.bestEpoch,
    bestValAccuracy: c.bestValAccuracy,
    history: c.history,
  };
}

/** Removes every checkpoint (after the model is safely in the registry). */
export function clearCheckpoints(dir: string): void {
  for (const d of epochDirs(dir)) fs.rmSync(d.path, { recursive: true, force: true });
}
