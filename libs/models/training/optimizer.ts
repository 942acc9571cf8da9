/**
 * Adam, AdaMax and shift-based AdaMax (BNN paper, Algorithm 4) with per-variable learning-rate multipliers and
 * optional clipping to [-1, 1] after each update. Written out (not tf.train) so the state can be checkpointed
 * exactly and the per-layer Glorot scaling and clipping apply inside one step; each variable is updated by one
 * fused loop over its elements (a chain of tfjs element-wise ops would allocate a dozen arrays per variable).
 */
import { ap2Number } from './binarize';
import { tf } from './tfjs-runtime';

/** Which update rule. */
export type OptimizerName = 'adam' | 'adamax' | 'shift-adamax';

/** A trainable variable with its learning-rate multiplier and clipping. */
export interface OptimizedVariable {
  v: tf.Variable;
  lrScale: number;
  clip: boolean;
}

/** Optimizer state as plain arrays (checkpoints). */
export interface OptimizerState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/** The optimizer over a fixed list of variables. */
export class Optimizer {
  private step = 0;
  private m: Float32Array[];
  private v: Float32Array[];

  constructor(
    readonly name: OptimizerName,
    private readonly vars: OptimizedVariable[],
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {
    this.m = vars.map((x) => new Float32Array(x.v.size));
    this.v = vars.map((x) => new Float32Array(x.v.size));
  }

  /** Applies one update with learning rate `lr` from gradients in the order of the variables. */
  apply(grads: tf.Tensor[], lr: number): void {
    this.step += 1;
    const t = this.step;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const eps = this.epsilon;
    const c1 = 1 - b1 ** t;
    const c2 = 1 - b2 ** t;
    this.vars.forEach((x, i) => {
      const g = grads[i].dataSync() as Float32Array;
      const p = x.v.dataSync() as Float32Array;
      const m = this.m[i];
      const v = this.v[i];
      const next = new Float32Array(p.length);
      const rate = lr * x.lrScale;
      const n = p.length;
      const lo = x.clip ? -1 : -Infinity;
      const hi = x.clip ? 1 : Infinity;
      // One specialised loop per rule (no branch per element).
      if (this.name === 'adam') {
        const a = rate / c1;
        const s2 = 1 / c2;
        for (let j = 0; j < n; j++) {
          const gj = g[j];
          const mj = b1 * m[j] + (1 - b1) * gj;
          const vj = b2 * v[j] + (1 - b2) * gj * gj;
          m[j] = mj;
          v[j] = vj;
          const w = p[j] - (a * mj) / (Math.sqrt(vj * s2) + eps);
          next[j] = w > hi ? hi : w < lo ? lo : w;
        }
      } else if (this.name === 'adamax') {
        const a = rate / c1;
        for (let j = 0; j < n; j++) {
          const gj = g[j];
          const mj = b1 * m[j] + (1 - b1) * gj;
          const vj = Math.max(b2 * v[j], Math.abs(gj));
          m[j] = mj;
          v[j] = vj;
          const w = p[j] - (a * mj) / (vj + eps);
          next[j] = w > hi ? hi : w < lo ? lo : w;
        }
      } else {
        // Shift-based AdaMax: the step size and the division by v become power-of-two shifts.
        const a = ap2Number(rate / c1);
        for (let j = 0; j < n; j++) {
          const gj = g[j];
          const mj = b1 * m[j] + (1 - b1) * gj;
          const vj = Math.max(b2 * v[j], Math.abs(gj));
          m[j] = mj;
          v[j] = vj;
          const w = p[j] - a * mj * ap2Number(1 / (vj + eps));
          next[j] = w > hi ? hi : w < lo ? lo : w;
        }
      }
      x.v.assign(tf.tensor(next, x.v.shape));
    });
  }

  /** The state as arrays. */
  state(): OptimizerState {
    return { step: this.step, m: this.m.map((a) => Float32Array.from(a)), v: this.v.map((a) => Float32Array.from(a)) };
  }

  /** Restores a state saved by state(). */
  setState(s: OptimizerState): void {
    if (s.m.length !== this.m.length || s.v.length !== this.v.length || s.m.some((a, i) => a.length !== this.m[i].length)) throw new Error('optimizer state does not match the variables');
    this.step = s.step;
    this.m = s.m.map((a) => Float32Array.from(a));
    this.v = s.v.map((a) => Float32Array.from(a));
  }

  /** Frees the state (plain arrays: nothing to release in tfjs). */
  dispose(): void {
    this.m = [];
    this.v = [];
  }
}
