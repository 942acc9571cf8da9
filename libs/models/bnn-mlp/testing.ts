/** Random but well-formed bnn-mlp models for tests of exporters and services (not for training). */
import { packSigns } from '../../core/src/bitplanes';
import { Rng } from '../../core/src/random';
import { BnnMlpModel, validateBnnMlp } from './model';

/**
 * A random bnn-mlp with thresholds near the middle of each unit's accumulator range (so outputs are not
 * constant), random directions, and scale/bias of both signs.
 */
export function randomBnnMlp(rng: Rng, inputSize: number, hiddenSizes: number[], outputSize: number): BnnMlpModel {
  const sizes = [inputSize, ...hiddenSizes, outputSize];
  const signs = (rows: number, cols: number) => packSigns(Float32Array.from({ length: rows * cols }, () => rng.next() - 0.5), rows, cols);
  const hidden = hiddenSizes.map((out, i) => {
    const fanIn = sizes[i];
    // Layer 0 sees sum x*w with x in 0..255: typical magnitude ~ 128 sqrt(K).
    const spread = i === 0 ? 128 * Math.sqrt(fanIn) : Math.sqrt(fanIn);
    return {
      weights: signs(out, fanIn),
      thresholds: Int32Array.from({ length: out }, () => Math.round(rng.normal() * spread * 0.5)),
      directions: Int8Array.from({ length: out }, () => (rng.next() < 0.8 ? 1 : -1)),
    };
  });
  const model: BnnMlpModel = {
    inputSize,
    hiddenSizes: [...hiddenSizes],
    outputSize,
    hidden,
    output: {
      weights: signs(outputSize, sizes[sizes.length - 2]),
      scale: Float32Array.from({ length: outputSize }, () => (rng.next() < 0.9 ? 1 : -1) * (0.01 + rng.next() * 0.2)),
      bias: Float32Array.from({ length: outputSize }, () => rng.normal()),
    },
  };
  validateBnnMlp(model);
  return model;
}
