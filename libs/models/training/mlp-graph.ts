/**
 * The tfjs training graph shared by bnn-mlp, binaryconnect-mlp and mlp: dense layers without bias, each followed
 * by batch norm; hidden activations are sign (bnn, straight-through) or ReLU (binaryconnect, mlp); the last layer's
 * batch-normed output is the logits. Weights are binarized for the binary families (deterministic or stochastic).
 *
 * Eval mode evaluates every batch norm as `y = f32(f32(z * scale) + shift)` with per-unit float32 constants
 * (`evalConstants`): the exact expression folding reproduces, so folded thresholds cannot change a prediction.
 */
import { Rng } from '../../core/src/random';
import { MlpTrainingConfig } from './config';
import { ap2, ap2Number, ap2Ste, binarize, steSign, stochasticSteSign } from './binarize';
import { BatchStats, batchNormTrain } from './batch-norm';
import { tf } from './tfjs-runtime';

/** Which family the graph trains. */
export type MlpKind = 'bnn' | 'binaryconnect' | 'float';

/** One layer's parameters and batch-norm statistics as plain arrays (weights [in, out] row-major, as trained). */
export interface LayerState {
  inSize: number;
  outSize: number;
  weights: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  runningMean: Float32Array;
  runningVar: Float32Array;
}

/** Per-unit eval-mode batch norm: y = f32(f32(z * scale) + shift). */
export interface EvalConstants {
  scale: Float32Array;
  shift: Float32Array;
}

interface LayerVars {
  w: tf.Variable;
  gamma: tf.Variable;
  beta: tf.Variable;
  runningMean: tf.Variable;
  runningVar: tf.Variable;
}

/** Glorot-uniform initial weights [in, out] drawn from the seeded Rng. */
function glorotUniform(rng: Rng, inSize: number, outSize: number): Float32Array {
  const limit = Math.sqrt(6 / (inSize + outSize));
  return Float32Array.from({ length: inSize * outSize }, () => (2 * rng.next() - 1) * limit);
}

/** The eval-mode batch-norm constants of a layer (plain or shift-based), computed once in float32. */
export function evalConstants(l: LayerState, epsilon: number, shiftBased: boolean): EvalConstants {
  const scale = new Float32Array(l.outSize);
  const shift = new Float32Array(l.outSize);
  for (let j = 0; j < l.outSize; j++) {
    const inv = 1 / Math.sqrt(l.runningVar[j] + epsilon);
    const s = shiftBased ? ap2Number(l.gamma[j]) * ap2Number(inv) : l.gamma[j] * inv;
    scale[j] = Math.fround(s);
    shift[j] = Math.fround(l.beta[j] - l.runningMean[j] * scale[j]);
  }
  return { scale, shift };
}

/** A trainable MLP of one kind. */
export class MlpGraph {
  readonly sizes: number[];
  private readonly layers: LayerVars[];

  constructor(readonly kind: MlpKind, inputSize: number, readonly config: MlpTrainingConfig, outputSize: number, rng: Rng) {
    this.sizes = [inputSize, ...config.hiddenSizes, outputSize];
    this.layers = this.sizes.slice(1).map((out, i) => {
      const inSize = this.sizes[i];
      return {
        w: tf.variable(tf.tensor2d(glorotUniform(rng, inSize, out), [inSize, out]), true),
        gamma: tf.variable(tf.ones([out]), true),
        beta: tf.variable(tf.zeros([out]), true),
        runningMean: tf.variable(tf.zeros([out]), false),
        runningVar: tf.variable(tf.ones([out]), false),
      };
    });
  }

  /** Whether weights are binarized in the forward pass. */
  get binaryWeights(): boolean {
    return this.kind !== 'float';
  }

  /** Trainable variables with their learning-rate multipliers and whether they are clipped to [-1, 1]. */
  trainables(): Array<{ v: tf.Variable; lrScale: number; clip: boolean }> {
    const out: Array<{ v: tf.Variable; lrScale: number; clip: boolean }> = [];
    this.layers.forEach((l, i) => {
      const glorot = Math.sqrt(1.5 / (this.sizes[i] + this.sizes[i + 1]));
      out.push({ v: l.w, lrScale: this.config.lrScale === 'glorot' ? 1 / glorot : 1, clip: this.binaryWeights });
      out.push({ v: l.gamma, lrScale: 1, clip: false });
      out.push({ v: l.beta, lrScale: 1, clip: false });
    });
    return out;
  }

  /** Weights as used in the forward pass (binarized for binary kinds; stochastic draws from `seed`). */
  private forwardWeights(i: number, training: boolean, seed: number): tf.Tensor {
    const w = this.layers[i].w;
    if (!this.binaryWeights) return w;
    if (training && this.config.binarization === 'stochastic') return stochasticSteSign(w, tf.randomUniform(w.shape, 0, 1, 'float32', seed + i));
    return training ? steSign(w) : binarize(w);
  }

  /**
   * Training-mode forward pass on a batch (x: [n, in] float). Batch statistics normalise; running statistics are
   * recorded in `stats` so the caller can update them after the gradient step. Returns the logits.
   */
  forwardTrain(x: tf.Tensor2D, seed: number, stats: BatchStats[]): tf.Tensor2D {
    let a: tf.Tensor = x;
    const last = this.layers.length - 1;
    const eps = this.config.batchNormEpsilon;
    this.layers.forEach((l, i) => {
      const z = tf.matMul(a as tf.Tensor2D, this.forwardWeights(i, true, seed) as tf.Tensor2D);
      let y: tf.Tensor;
      if (this.config.shiftBatchNorm) {
        // Shift-based BN (BNN paper, Algorithm 3): variance and normalisation by power-of-two approximations.
        const mean = tf.mean(z, 0);
        const c = tf.sub(z, mean);
        const variance = tf.mean(tf.mul(c, ap2Ste(c)), 0);
        stats.push({ mean: Float32Array.from(mean.dataSync() as Float32Array), variance: Float32Array.from(variance.dataSync() as Float32Array) });
        const zhat = tf.mul(c, ap2Ste(tf.rsqrt(tf.add(variance, eps))));
        y = tf.add(tf.mul(zhat, ap2Ste(l.gamma)), l.beta);
      } else {
        y = batchNormTrain(z as tf.Tensor2D, l.gamma, l.beta, eps, stats);
      }
      if (i < last) a = this.kind === 'bnn' ? steSign(y) : tf.relu(y);
      else a = y;
    });
    return a as tf.Tensor2D;
  }

  /** Moves running statistics toward the batch statistics of the last training step (momentum). */
  updateRunningStats(stats: BatchStats[]): void {
    const mom = this.config.batchNormMomentum;
    this.layers.forEach((l, i) => {
      const rm = l.runningMean.dataSync() as Float32Array;
      const rv = l.runningVar.dataSync() as Float32Array;
      const nm = Float32Array.from(rm, (v, j) => (1 - mom) * v + mom * stats[i].mean[j]);
      const nv = Float32Array.from(rv, (v, j) => (1 - mom) * v + mom * stats[i].variance[j]);
      tf.tidy(() => {
        l.runningMean.assign(tf.tensor1d(nm));
        l.runningVar.assign(tf.tensor1d(nv));
      });
    });
  }

  /** The eval-mode constants of every layer (from the current variables). */
  evalConstants(): EvalConstants[] {
    return this.state().map((s) => evalConstants(s, this.config.batchNormEpsilon, Boolean(this.config.shiftBatchNorm)));
  }

  /**
   * Eval-mode logits for rows of prepared input (the same float features training sees), in chunks. Hidden layers:
   * bnn outputs +1 iff f32(f32(z * scale) + shift) >= 0; the others apply ReLU to it.
   */
  predict(x: Float32Array, n: number, chunk = 1000): Float32Array {
    const consts = this.evalConstants();
    const scales = consts.map((c) => tf.tensor1d(c.scale));
    const shifts = consts.map((c) => tf.tensor1d(c.shift));
    const weights = this.layers.map((_, i) => this.forwardWeights(i, false, 0));
    const inSize = this.sizes[0];
    const classes = this.sizes[this.sizes.length - 1];
    const out = new Float32Array(n * classes);
    try {
      for (let s = 0; s < n; s += chunk) {
        const rows = Math.min(chunk, n - s);
        const logits = tf.tidy(() => {
          let a: tf.Tensor = tf.tensor2d(x.subarray(s * inSize, (s + rows) * inSize), [rows, inSize]);
          const last = this.layers.length - 1;
          for (let i = 0; i <= last; i++) {
            const y = tf.add(tf.mul(tf.matMul(a as tf.Tensor2D, weights[i] as tf.Tensor2D), scales[i]), shifts[i]);
            a = i < last ? (this.kind === 'bnn' ? binarize(y) : tf.relu(y)) : y;
          }
          return a;
        });
        out.set(logits.dataSync() as Float32Array, s * classes);
        logits.dispose();
      }
    } finally {
      tf.dispose([...scales, ...shifts, ...weights.filter((w) => !(w instanceof tf.Variable))]);
    }
    return out;
  }

  /**
   * Recomputes every layer's batch-norm statistics over `n` rows of prepared input with the eval-mode (deterministic)
   * weights, layer by layer. Running averages gathered while binary weights flip (or are sampled, with stochastic
   * binarization) do not describe the deterministic network inference runs.
   */
  recalibrateBatchNorm(x: Float32Array, n: number, chunk = 1000): void {
    const inSize = this.sizes[0];
    const weights = this.layers.map((_, i) => this.forwardWeights(i, false, 0));
    try {
      for (let layer = 0; layer < this.layers.length; layer++) {
        const consts = this.evalConstants();
        const out = this.sizes[layer + 1];
        const zs: tf.Tensor[] = [];
        for (let s = 0; s < n; s += chunk) {
          const rows = Math.min(chunk, n - s);
          zs.push(tf.tidy(() => {
            let a: tf.Tensor = tf.tensor2d(x.subarray(s * inSize, (s + rows) * inSize), [rows, inSize]);
            for (let i = 0; i < layer; i++) {
              const y = tf.add(tf.mul(tf.matMul(a as tf.Tensor2D, weights[i] as tf.Tensor2D), consts[i].scale), consts[i].shift);
              a = this.kind === 'bnn' ? binarize(y) : tf.relu(y);
            }
            return tf.matMul(a as tf.Tensor2D, weights[layer] as tf.Tensor2D);
          }));
        }
        tf.tidy(() => {
          const z = tf.concat(zs, 0);
          const mean = tf.mean(z, 0);
          const c = tf.sub(z, mean);
          const variance = this.config.shiftBatchNorm ? tf.mean(tf.mul(c, ap2(c)), 0) : tf.mean(tf.square(c), 0);
          this.layers[layer].runningMean.assign(tf.reshape(mean, [out]));
          this.layers[layer].runningVar.assign(tf.reshape(variance, [out]));
        });
        tf.dispose(zs);
      }
    } finally {
      tf.dispose(weights.filter((w) => !(w instanceof tf.Variable)));
    }
  }

  /** Current parameters and statistics as plain arrays (for checkpoints, best weights and artifacts). */
  state(): LayerState[] {
    return this.layers.map((l, i) => ({
      inSize: this.sizes[i],
      outSize: this.sizes[i + 1],
      weights: Float32Array.from(l.w.dataSync() as Float32Array),
      gamma: Float32Array.from(l.gamma.dataSync() as Float32Array),
      beta: Float32Array.from(l.beta.dataSync() as Float32Array),
      runningMean: Float32Array.from(l.runningMean.dataSync() as Float32Array),
      runningVar: Float32Array.from(l.runningVar.dataSync() as Float32Array),
    }));
  }

  /** Restores parameters and statistics (shapes must match). */
  setState(state: LayerState[]): void {
    if (state.length !== this.layers.length) throw new Error(`state has ${state.length} layers, the graph ${this.layers.length}`);
    this.layers.forEach((l, i) => {
      const s = state[i];
      if (s.inSize !== this.sizes[i] || s.outSize !== this.sizes[i + 1]) throw new Error(`layer ${i} state is ${s.inSize}x${s.outSize}, expected ${this.sizes[i]}x${this.sizes[i + 1]}`);
      tf.tidy(() => {
        l.w.assign(tf.tensor2d(s.weights, [s.inSize, s.outSize]));
        l.gamma.assign(tf.tensor1d(s.gamma));
        l.beta.assign(tf.tensor1d(s.beta));
        l.runningMean.assign(tf.tensor1d(s.runningMean));
        l.runningVar.assign(tf.tensor1d(s.runningVar));
      });
    });
  }

  /** Frees the variables. */
  dispose(): void {
    for (const l of this.layers) tf.dispose([l.w, l.gamma, l.beta, l.runningMean, l.runningVar]);
  }
}
