/**
 * The float `mlp` inference model (docs/models/mlp.md): input normalisation, then per layer
 * `y = f32(f32(z * scale) + bias)` with z = x W^T by `sgemm` (batch norm folded into scale / bias), ReLU on hidden
 * layers; the last layer's y are the FP32 logits.
 */
import { LoadedArtifact, Signature, TensorInput } from '../../core/src/artifact';
import { CorruptArtifactError, InvalidArgumentError } from '../../core/src/errors';
import { KernelBackend } from '../../kernels/src/backend';
import { InputNormalization, normalizeInputs } from './input-normalization';

export const MLP_FAMILY = 'mlp';

/** How the model takes its input: 8-bit images (UINT8) or CSV features (FP32). */
export type InputKind = 'uint8' | 'float32';

/** One dense layer: weights [out, in] row-major and the folded batch norm. */
export interface DenseLayer {
  weights: Float32Array;
  scale: Float32Array;
  bias: Float32Array;
}

/** A float mlp ready for inference. */
export interface MlpModel {
  inputSize: number;
  hiddenSizes: number[];
  outputSize: number;
  inputKind: InputKind;
  normalization: InputNormalization;
  layers: DenseLayer[];
}

/** Signature of the float-activation families: `input` UINT8 (images) or FP32 (CSV) [-1, inputSize], `logits` FP32. */
export function floatFamilySignature(inputSize: number, outputSize: number, inputKind: InputKind): Signature {
  return {
    inputs: [{ name: 'input', datatype: inputKind === 'uint8' ? 'UINT8' : 'FP32', shape: [-1, inputSize] }],
    outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, outputSize] }],
  };
}

/** Applies the folded batch norm (and ReLU on hidden layers) in place: y = f32(f32(z * scale) + bias). */
export function applyScaleBias(z: Float32Array, n: number, scale: Float32Array, bias: Float32Array, relu: boolean): Float32Array {
  const m = scale.length;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const y = Math.fround(Math.fround(z[i * m + j] * scale[j]) + bias[j]);
      z[i * m + j] = relu && y < 0 ? 0 : y;
    }
  }
  return z;
}

function checkModel(m: MlpModel): void {
  const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
  if (m.layers.length !== sizes.length - 1) throw new InvalidArgumentError(`mlp has ${m.layers.length} layers, sizes need ${sizes.length - 1}`);
  if (m.normalization.offset.length !== m.inputSize || m.normalization.scale.length !== m.inputSize) throw new InvalidArgumentError('input.offset / input.scale must have one entry per input feature');
  m.layers.forEach((l, i) => {
    if (l.weights.length !== sizes[i + 1] * sizes[i]) throw new InvalidArgumentError(`layer${i}.weights has ${l.weights.length} values, expected ${sizes[i + 1]} x ${sizes[i]}`);
    if (l.scale.length !== sizes[i + 1] || l.bias.length !== sizes[i + 1]) throw new InvalidArgumentError(`layer${i}.scale / bias must have ${sizes[i + 1]} entries`);
  });
}

/** The artifact tensors of a float mlp (docs/models/mlp.md). */
export function mlpTensors(m: MlpModel): Record<string, TensorInput> {
  checkModel(m);
  const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
  const t: Record<string, TensorInput> = {
    'input.offset': { data: m.normalization.offset, shape: [m.inputSize] },
    'input.scale': { data: m.normalization.scale, shape: [m.inputSize] },
  };
  m.layers.forEach((l, i) => {
    t[`layer${i}.weights`] = { data: l.weights, shape: [sizes[i + 1], sizes[i]] };
    t[`layer${i}.scale`] = { data: l.scale, shape: [sizes[i + 1]] };
    t[`layer${i}.bias`] = { data: l.bias, shape: [sizes[i + 1]] };
  });
  return t;
}

/** Reads sizes and input kind from a float-family manifest config. */
export function readFloatFamilyConfig(artifact: LoadedArtifact, family: string): { inputSize: number; hiddenSizes: number[]; outputSize: number; inputKind: InputKind } {
  const { manifest } = artifact;
  if (manifest.family !== family) throw new InvalidArgumentError(`artifact ${manifest.name}:${manifest.version} is family '${manifest.family}', not '${family}'`);
  const c = manifest.config as { inputSize?: unknown; hiddenSizes?: unknown; outputSize?: unknown; inputKind?: unknown };
  if (!Number.isInteger(c.inputSize) || !Array.isArray(c.hiddenSizes) || !c.hiddenSizes.every((h) => Number.isInteger(h)) || !Number.isInteger(c.outputSize)) {
    throw new CorruptArtifactError(`artifact ${manifest.name}:${manifest.version}: config lacks inputSize / hiddenSizes / outputSize`);
  }
  if (c.inputKind !== 'uint8' && c.inputKind !== 'float32') throw new CorruptArtifactError(`artifact ${manifest.name}:${manifest.version}: config.inputKind must be 'uint8' or 'float32'`);
  return { inputSize: c.inputSize as number, hiddenSizes: c.hiddenSizes as number[], outputSize: c.outputSize as number, inputKind: c.inputKind };
}

/** Loads a float mlp from a verified artifact. */
export function loadMlp(artifact: LoadedArtifact): MlpModel {
  const c = readFloatFamilyConfig(artifact, MLP_FAMILY);
  const sizes = [c.inputSize, ...c.hiddenSizes, c.outputSize];
  const f = (name: string) => artifact.tensor<Float32Array>(name, 'float32');
  const model: MlpModel = {
    ...c,
    normalization: { offset: f('input.offset'), scale: f('input.scale') },
    layers: sizes.slice(1).map((_, i) => ({ weights: f(`layer${i}.weights`), scale: f(`layer${i}.scale`), bias: f(`layer${i}.bias`) })),
  };
  try {
    checkModel(model);
  } catch (e) {
    throw new CorruptArtifactError(`artifact ${artifact.manifest.name}:${artifact.manifest.version}: ${(e as Error).message}`);
  }
  return model;
}

/** The forward pass on a backend: n rows of input (8-bit or float, per the signature) in, FP32 logits [n, classes] out. */
export function mlpForward(m: MlpModel, backend: KernelBackend, x: Uint8Array | Float32Array, n: number): Float32Array {
  if (m.inputKind === 'uint8' && !(x instanceof Uint8Array)) throw new InvalidArgumentError('this mlp takes UINT8 input');
  let a = normalizeInputs(x, n, m.normalization);
  const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
  m.layers.forEach((l, i) => {
    const z = new Float32Array(n * sizes[i + 1]);
    backend.sgemm(false, true, n, sizes[i + 1], sizes[i], 1, a, l.weights, 0, z);
    a = applyScaleBias(z, n, l.scale, l.bias, i < m.layers.length - 1);
  });
  return a;
}
