/**
 * Adam, AdaMax and shift-based AdaMax (BNN paper, Algorithm 4) with per-variable learning-rate multipliers and
 * optional clipping to [-1, 1] after each update. Written out (not tf.train) so the state can be checkpointed
 * exactly and the per-layer Glorot scaling and clipping apply inside one step.
 */
import { ap2Number } from './binarize';
import { ap2 } from './binarize';
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
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    readonly name: OptimizerName,
    private readonly vars: OptimizedVariable[],
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {
    this.m = vars.map((x) => tf.variable(tf.zerosLike(x.v), false));
    this.v = vars.map((x) => tf.variable(tf.zerosLike(x.v), false));
  }

  /** Applies one update with learning rate `lr` from gradients in the order of the variables. */
  apply(grads: tf.Tensor[], lr: number): void {
    this.step += 1;
    const t = this.step;
    const b1 = this.beta1;
    const b2 = this.beta2;
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        this.m[i].assign(m);
        const rate = lr * x.lrScale;
        let update: tf.Tensor;
        if (this.name === 'adam') {
          const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
          this.v[i].assign(v);
          const mhat = tf.div(m, 1 - b1 ** t);
          const vhat = tf.div(v, 1 - b2 ** t);
          update = tf.mul(tf.div(mhat, tf.add(tf.sqrt(vhat), this.epsilon)), rate);
        } else {
          const u = tf.maximum(tf.mul(this.v[i], b2), tf.abs(g));
          this.v[i].assign(u);
          if (this.name === 'adamax') {
            update = tf.mul(tf.div(m, tf.add(u, this.epsilon)), rate / (1 - b1 ** t));
          } else {
            // Shift-based: both the step size and the division by u become power-of-two shifts.
            update = tf.mul(tf.mul(m, ap2(tf.div(1, tf.add(u, this.epsilon)))), ap2Number(rate / (1 - b1 ** t)));
          }
        }
        let next = tf.sub(x.v, update);
        if (x.clip) next = tf.clipByValue(next, -1, 1);
        x.v.assign(next);
      });
    });
  }

  /** The state as arrays. */
  state(): OptimizerState {
    return {
      step: this.step,
      m: this.m.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
      v: this.v.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
    };
  }

  /** Restores a state saved by state(). */
  setState(s: OptimizerState): void {
    if (s.m.length !== this.m.length || s.v.length !== this.v.length) throw new Error('optimizer state does not match the variables');
    this.step = s.step;
    tf.tidy(() => {
      this.m.forEach((t, i) => t.assign(tf.tensor(s.m[i], t.shape)));
      this.v.forEach((t, i) => t.assign(tf.tensor(s.v[i], t.shape)));
    });
  }

  /** Frees the state. */
  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
