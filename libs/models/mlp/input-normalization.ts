/**
 * Per-feature input normalisation of the float-activation families (mlp, binaryconnect-mlp):
 * x' = f32(f32(x - offset) * scale). Images use offset 0 and scale 1/255; CSV features their training mean and
 * 1 / standard deviation. Training and inference share this one function so both see identical inputs.
 */
import { InvalidArgumentError } from '../../core/src/errors';

/** The normalisation constants (one per feature). */
export interface InputNormalization {
  offset: Float32Array;
  scale: Float32Array;
}

/** Normalises n rows of `features` values (8-bit or float) into a new Float32Array. */
export function normalizeInputs(x: ArrayLike<number>, n: number, norm: InputNormalization): Float32Array {
  const k = norm.offset.length;
  if (norm.scale.length !== k) throw new InvalidArgumentError(`input.offset has ${k} entries but input.scale has ${norm.scale.length}`);
  if (x.length !== n * k) throw new InvalidArgumentError(`input has ${x.length} values, expected ${n} x ${k}`);
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) out[i * k + j] = Math.fround(Math.fround(x[i * k + j] - norm.offset[j]) * norm.scale[j]);
  }
  return out;
}

/** Normalisation for 8-bit images: offset 0, scale 1/255. */
export function imageNormalization(features: number): InputNormalization {
  return { offset: new Float32Array(features), scale: new Float32Array(features).fill(1 / 255) };
}

/** Normalisation from data: training mean and 1 / standard deviation per feature (1 where a feature is constant). */
export function fitNormalization(x: ArrayLike<number>, n: number, features: number): InputNormalization {
  const offset = new Float32Array(features);
  const scale = new Float32Array(features);
  for (let j = 0; j < features; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * features + j];
    const mean = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i * features + j] - mean) ** 2;
    const sd = Math.sqrt(v / n);
    offset[j] = mean;
    scale[j] = sd > 0 ? 1 / sd : 1;
  }
  return { offset, scale };
}
