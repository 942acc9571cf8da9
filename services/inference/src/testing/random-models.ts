/** Random float-family models saved to a registry, for service tests (no training needed). */
import { packSigns } from '../../../../libs/core/src/bitplanes';
import { Rng } from '../../../../libs/core/src/random';
import { ModelRegistry } from '../../../../libs/core/src/registry';
import { BINARYCONNECT_MLP_FAMILY, BinaryConnectMlpModel, binaryConnectMlpTensors } from '../../../../libs/models/binaryconnect-mlp/model';
import { InputKind, MLP_FAMILY, MlpModel, floatFamilySignature, mlpTensors } from '../../../../libs/models/mlp/model';

const normal = (rng: Rng, n: number, s: number) => Float32Array.from({ length: n }, () => rng.normal() * s);

function normalization(rng: Rng, inputSize: number, kind: InputKind) {
  return kind === 'uint8'
    ? { offset: new Float32Array(inputSize).fill(127.5), scale: new Float32Array(inputSize).fill(1 / 127.5) }
    : { offset: normal(rng, inputSize, 0.1), scale: Float32Array.from({ length: inputSize }, () => 0.5 + rng.next()) };
}

/** Saves a random `mlp` and returns it. */
export function saveRandomMlp(registry: ModelRegistry, name: string, rng: Rng, inputSize: number, hiddenSizes: number[], outputSize: number, inputKind: InputKind): MlpModel {
  const sizes = [inputSize, ...hiddenSizes, outputSize];
  const model: MlpModel = {
    inputSize,
    hiddenSizes,
    outputSize,
    inputKind,
    normalization: normalization(rng, inputSize, inputKind),
    layers: sizes.slice(1).map((out, i) => ({ weights: normal(rng, out * sizes[i], 1 / Math.sqrt(sizes[i])), scale: Float32Array.from({ length: out }, () => 0.5 + rng.next()), bias: normal(rng, out, 0.1) })),
  };
  registry.save({ name, family: MLP_FAMILY, signature: floatFamilySignature(inputSize, outputSize, inputKind), config: { inputSize, hiddenSizes, outputSize, inputKind } }, mlpTensors(model));
  return model;
}

/** Saves a random `binaryconnect-mlp` and returns it. */
export function saveRandomBinaryConnectMlp(registry: ModelRegistry, name: string, rng: Rng, inputSize: number, hiddenSizes: number[], outputSize: number, inputKind: InputKind): BinaryConnectMlpModel {
  const sizes = [inputSize, ...hiddenSizes, outputSize];
  const model: BinaryConnectMlpModel = {
    inputSize,
    hiddenSizes,
    outputSize,
    inputKind,
    normalization: normalization(rng, inputSize, inputKind),
    layers: sizes.slice(1).map((out, i) => ({
      weights: packSigns(normal(rng, out * sizes[i], 1), out, sizes[i]),
      scale: Float32Array.from({ length: out }, () => (0.5 + rng.next()) / Math.sqrt(sizes[i])),
      bias: normal(rng, out, 0.1),
    })),
  };
  registry.save({ name, family: BINARYCONNECT_MLP_FAMILY, signature: floatFamilySignature(inputSize, outputSize, inputKind), config: { inputSize, hiddenSizes, outputSize, inputKind } }, binaryConnectMlpTensors(model));
  return model;
}
