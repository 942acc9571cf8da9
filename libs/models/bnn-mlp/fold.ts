/**
 * Folding a trained bnn-mlp into the artifact form (ARCHITECTURE.md, "Bit-planes" and "The bnn-mlp artifact"):
 * each hidden unit's eval-mode batch norm and sign become an integer threshold and a direction, found by exact
 * integer search against the very float32 expression the trained model evaluates,
 * `on = f32(f32(acc * scale) + shift) >= 0`; the output layer keeps `logits = f32(f32(scale * acc) + bias)`.
 */
import { maxAccumulator, packSigns } from '../../core/src/bitplanes';
import { InvalidArgumentError } from '../../core/src/errors';
import { BnnMlpModel, validateBnnMlp } from './model';

/** One trained layer: real weights [in, out] row-major (as trained) and the eval-mode batch-norm constants. */
export interface TrainedBnnLayer {
  inSize: number;
  outSize: number;
  weights: Float32Array;
  scale: Float32Array;
  shift: Float32Array;
}

/** The eval-mode decision of a hidden unit for accumulator `acc` (the float expression folding reproduces). */
export function bnnUnitOn(acc: number, scale: number, shift: number): boolean {
  return Math.fround(Math.fround(acc * scale) + shift) >= 0;
}

/**
 * Threshold and direction of one unit: for every integer acc in [-maxAcc, maxAcc], `bnnUnitOn(acc)` equals
 * `acc >= threshold` (direction +1) or `acc <= threshold` (direction -1). The threshold lies in
 * [-(maxAcc + 1), maxAcc + 1]; a zero scale gives a constant unit (threshold outside the reachable range).
 */
export function foldUnit(scale: number, shift: number, maxAcc: number): { threshold: number; direction: 1 | -1 } {
  if (!Number.isFinite(scale) || !Number.isFinite(shift)) throw new InvalidArgumentError(`batch-norm constants must be finite (scale ${scale}, shift ${shift})`);
  const lo = -(maxAcc + 1);
  const hi = maxAcc + 1;
  const on = (acc: number) => bnnUnitOn(acc, scale, shift);
  if (scale === 0) return { threshold: on(0) ? lo : hi, direction: 1 };
  if (scale > 0) {
    // on() is non-decreasing in acc (float rounding is monotone): find the smallest acc that is on.
    if (on(lo)) return { threshold: lo, direction: 1 };
    if (!on(hi)) return { threshold: hi, direction: 1 };
    let a = lo; // off
    let b = hi; // on
    while (b - a > 1) {
      const mid = Math.floor((a + b) / 2);
      if (on(mid)) b = mid;
      else a = mid;
    }
    return { threshold: b, direction: 1 };
  }
  // Negative scale: on() is non-increasing; find the largest acc that is on.
  if (on(hi)) return { threshold: hi, direction: -1 };
  if (!on(lo)) return { threshold: lo, direction: -1 };
  let a = lo; // on
  let b = hi; // off
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (on(mid)) a = mid;
    else b = mid;
  }
  return { threshold: a, direction: -1 };
}

/** Packs the signs (w >= 0 is +1) of trained weights [in, out] into bit-planes [out, in]. */
export function packTrainedWeights(l: { inSize: number; outSize: number; weights: Float32Array }): ReturnType<typeof packSigns> {
  const t = new Float32Array(l.inSize * l.outSize);
  for (let i = 0; i < l.inSize; i++) for (let j = 0; j < l.outSize; j++) t[j * l.inSize + i] = l.weights[i * l.outSize + j];
  return packSigns(t, l.outSize, l.inSize, 'weights');
}

/** Folds trained layers (hidden layers then the output layer) into a packed bnn-mlp. */
export function foldBnnMlp(layers: TrainedBnnLayer[]): BnnMlpModel {
  if (layers.length < 1) throw new InvalidArgumentError('a bnn-mlp needs at least an output layer');
  const hiddenLayers = layers.slice(0, -1);
  const out = layers[layers.length - 1];
  const model: BnnMlpModel = {
    inputSize: layers[0].inSize,
    hiddenSizes: hiddenLayers.map((l) => l.outSize),
    outputSize: out.outSize,
    hidden: hiddenLayers.map((l, i) => {
      const maxAcc = maxAccumulator(l.inSize, i === 0);
      const thresholds = new Int32Array(l.outSize);
      const directions = new Int8Array(l.outSize);
      for (let j = 0; j < l.outSize; j++) {
        const f = foldUnit(l.scale[j], l.shift[j], maxAcc);
        thresholds[j] = f.threshold;
        directions[j] = f.direction;
      }
      return { weights: packTrainedWeights(l), thresholds, directions };
    }),
    output: { weights: packTrainedWeights(out), scale: Float32Array.from(out.scale), bias: Float32Array.from(out.shift) },
  };
  validateBnnMlp(model);
  return model;
}
