/**
 * The training loop shared by the MLP families: seeded init and shuffles, minibatches, Adam / AdaMax with
 * exponential learning-rate decay, validation split with best-weights selection, per-batch progress, abort within
 * one batch, and a checkpoint after every epoch from which a restarted job resumes (bit-identical to an
 * uninterrupted run: every epoch's randomness is derived from the seed and the epoch number alone).
 */
import { Rng } from '../../core/src/random';
import { argmaxRows } from '../bnn-mlp/model';
import { BatchStats } from './batch-norm';
import { CheckpointState, EpochRecord, readLatestCheckpoint, writeCheckpoint } from './checkpoint';
import { MlpTrainingConfig } from './config';
import { ClassificationData } from './dataset';
import { LayerState, MlpGraph, MlpKind } from './mlp-graph';
import { Optimizer } from './optimizer';
import { tf } from './tfjs-runtime';

/** Thrown when a job's AbortSignal fires; nothing is written after it. */
export class TrainingAbortedError extends Error {
  constructor(message = 'training was cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

/** A progress event of the loop (the job adds the phase). */
export interface LoopProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
  metrics: Record<string, number>;
  etaSeconds: number;
}

/** Turns rows of a split into the float features the graph trains on. */
export type PrepareRows = (x: Uint8Array | Float32Array, rows: ArrayLike<number>) => Float32Array;

/** What the loop needs. */
export interface TrainLoopInput {
  kind: MlpKind;
  config: MlpTrainingConfig;
  data: ClassificationData;
  prepare: PrepareRows;
  jobKey: string;
  checkpointDir?: string;
  signal?: AbortSignal;
  onProgress?: (p: LoopProgress) => void | Promise<void>;
  /** Starting parameters (fine-tuning) instead of the seeded initialisation; a checkpoint still takes precedence. */
  initialState?: LayerState[];
}

/** What the loop returns. */
export interface TrainLoopResult {
  /** Parameters of the best validation epoch (the last epoch without a validation split). */
  best: LayerState[];
  bestEpoch: number;
  history: EpochRecord[];
  /** Epochs run in this call (less than config.epochs after a resume). */
  epochsRun: number;
  resumedFromEpoch: number;
  /** The graph with the best parameters loaded (eval-mode predictions); the caller disposes it. */
  graph: MlpGraph;
}

/** Seed of epoch e's shuffle and stochastic draws: a function of (seed, epoch) only, so resuming repeats them. */
function epochRng(seed: number, epoch: number): Rng {
  return new Rng((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
}

function oneHot(labels: Int32Array, rows: ArrayLike<number>, classes: number, off: number, on: number): Float32Array {
  const out = new Float32Array(rows.length * classes).fill(off);
  for (let i = 0; i < rows.length; i++) out[i * classes + labels[rows[i]]] = on;
  return out;
}

/** The loss of logits against labels (mean over the batch): softmax cross-entropy or squared hinge on +-1 targets. */
function lossOf(loss: MlpTrainingConfig['loss'], logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  if (loss === 'softmax') return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  return tf.mean(tf.square(tf.relu(tf.sub(1, tf.mul(targets, logits))))) as tf.Scalar;
}

/** The same loss computed in JS on eval-mode logits (validation). */
function lossOfArrays(loss: MlpTrainingConfig['loss'], logits: Float32Array, labels: Int32Array, rows: ArrayLike<number>, classes: number): number {
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    const y = labels[rows[i]];
    if (loss === 'softmax') {
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let s = 0;
      for (const v of row) s += Math.exp(v - max);
      total += Math.log(s) + max - row[y];
    } else {
      let s = 0;
      for (let j = 0; j < classes; j++) s += Math.max(0, 1 - (j === y ? 1 : -1) * row[j]) ** 2;
      total += s / classes;
    }
  }
  return total / rows.length;
}

/** Accuracy of logits against labels of the given rows. */
export function accuracyOf(logits: Float32Array, labels: Int32Array, rows: ArrayLike<number>, classes: number): number {
  const pred = argmaxRows(logits, rows.length, classes);
  let ok = 0;
  for (let i = 0; i < rows.length; i++) if (pred[i] === labels[rows[i]]) ok++;
  return rows.length ? ok / rows.length : 0;
}

function range(from: number, to: number): Int32Array {
  return Int32Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new TrainingAbortedError(signal.reason instanceof Error ? `training was cancelled: ${signal.reason.message}` : undefined);
}

/** Runs (or resumes) the training loop. */
export async function trainLoop(input: TrainLoopInput): Promise<TrainLoopResult> {
  const { config, data, prepare, signal } = input;
  const nTotal = Math.min(config.limit ?? data.train.n, data.train.n);
  const nVal = Math.floor(nTotal * config.validationSplit);
  const nTrain = nTotal - nVal;
  if (nTrain < 2) throw new Error(`only ${nTrain} training example(s) after the validation split; raise --limit`);
  const valRows = range(nTrain, nTotal);
  const graph = new MlpGraph(input.kind, data.features, config, data.classes, new Rng(config.seed));
  const trainables = graph.trainables();
  const optimizer = new Optimizer(config.optimizer, trainables, config.beta1, config.beta2, config.epsilon);
  try {
    if (input.initialState) graph.setState(input.initialState);
    let history: EpochRecord[] = [];
    let best = graph.state();
    let bestEpoch = 0;
    let bestVal = -1;
    let start = 0;
    const resumed = input.checkpointDir ? readLatestCheckpoint(input.checkpointDir, input.jobKey) : undefined;
    if (resumed) {
      graph.setState(resumed.layers);
      optimizer.setState(resumed.optimizer);
      history = resumed.history;
      best = resumed.best;
      bestEpoch = resumed.bestEpoch;
      bestVal = resumed.bestValAccuracy;
      start = resumed.epochsDone;
    }
    const batches = Math.ceil(nTrain / config.batchSize);
    const classes = data.classes;
    const onValue = config.loss === 'softmax' ? 1 : 1;
    const offValue = config.loss === 'softmax' ? 0 : -1;
    const t0 = Date.now();
    let batchesDone = 0;
    const lastMetrics = (): Record<string, number> => {
      const h = history[history.length - 1];
      if (!h) return {};
      const m: Record<string, number> = { trainLoss: h.loss, trainAccuracy: h.trainAccuracy };
      if (h.valAccuracy !== undefined) m.valAccuracy = h.valAccuracy;
      return m;
    };
    for (let epoch = start; epoch < config.epochs; epoch++) {
      const rng = epochRng(config.seed, epoch);
      const order = rng.shuffle(range(0, nTrain));
      const lr = config.learningRate * config.learningRateDecay ** epoch;
      const e0 = Date.now();
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        checkAbort(signal);
        const rows = order.subarray(b * config.batchSize, Math.min((b + 1) * config.batchSize, nTrain));
        const batchSeed = rng.nextU32();
        const xb = tf.tensor2d(prepare(data.train.x, rows), [rows.length, data.features]);
        const yb = tf.tensor2d(oneHot(data.train.labels, rows, classes, offValue, onValue), [rows.length, classes]);
        const stats: BatchStats[] = [];
        let logitsKept: tf.Tensor | undefined;
        const lossValue = tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => {
            const logits = graph.forwardTrain(xb, batchSeed, stats);
            logitsKept = tf.keep(tf.clone(logits));
            return lossOf(config.loss, logits, yb);
          }, trainables.map((t) => t.v));
          optimizer.apply(trainables.map((t) => grads[t.v.name]), lr);
          return value;
        });
        graph.updateRunningStats(stats);
        const l = (await lossValue.data())[0];
        const logits = (await logitsKept!.data()) as Float32Array;
        tf.dispose([lossValue, logitsKept!, xb, yb]);
        if (!Number.isFinite(l)) throw new Error(`training diverged at epoch ${epoch + 1}, batch ${b + 1} (loss ${l}); lower the learning rate`);
        lossSum += l * rows.length;
        const pred = argmaxRows(logits, rows.length, classes);
        for (let i = 0; i < rows.length; i++) if (pred[i] === data.train.labels[rows[i]]) correct++;
        batchesDone++;
        const perBatch = (Date.now() - t0) / 1000 / batchesDone;
        const remaining = (config.epochs - epoch - 1) * batches + (batches - b - 1);
        // The last batch's event is the epoch's closing event below (after validation and the checkpoint).
        if (b + 1 < batches) await input.onProgress?.({ epoch: epoch + 1, epochs: config.epochs, batch: b + 1, batches, loss: l, metrics: lastMetrics(), etaSeconds: perBatch * remaining });
        // Let timers, I/O and the abort signal run between batches (a worker must keep renewing its job lock).
        await new Promise((r) => setImmediate(r));
      }
      checkAbort(signal);
      // Binary weights flip sign during an epoch, so the running batch-norm averages describe a mix of networks;
      // statistics recomputed for the epoch's final (eval-mode) weights give inference the right ones.
      if (graph.binaryWeights) {
        const calib = order.subarray(0, Math.min(nTrain, 10000));
        graph.recalibrateBatchNorm(prepare(data.train.x, calib), calib.length);
      }
      const record: EpochRecord = { epoch: epoch + 1, loss: lossSum / nTrain, trainAccuracy: correct / nTrain, learningRate: lr, seconds: (Date.now() - e0) / 1000 };
      let improved = true;
      if (nVal > 0) {
        const logits = graph.predict(prepare(data.train.x, valRows), nVal);
        record.valAccuracy = accuracyOf(logits, data.train.labels, valRows, classes);
        record.valLoss = lossOfArrays(config.loss, logits, data.train.labels, valRows, classes);
        improved = record.valAccuracy > bestVal;
      }
      history.push(record);
      if (improved) {
        best = graph.state();
        bestEpoch = epoch + 1;
        bestVal = record.valAccuracy ?? bestVal;
      }
      if (input.checkpointDir) {
        const state: CheckpointState = { jobKey: input.jobKey, epochsDone: epoch + 1, layers: graph.state(), optimizer: optimizer.state(), best, bestEpoch, bestValAccuracy: bestVal, history };
        writeCheckpoint(input.checkpointDir, state);
      }
      await input.onProgress?.({ epoch: epoch + 1, epochs: config.epochs, batch: batches, batches, loss: record.loss, metrics: lastMetrics(), etaSeconds: ((Date.now() - t0) / 1000 / Math.max(1, batchesDone)) * (config.epochs - epoch - 1) * batches });
    }
    graph.setState(best);
    return { best, bestEpoch, history, epochsRun: config.epochs - start, resumedFromEpoch: start, graph };
  } catch (e) {
    graph.dispose();
    throw e;
  } finally {
    optimizer.dispose();
  }
}
