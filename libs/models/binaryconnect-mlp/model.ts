/**
 * The `binaryconnect-mlp` inference model (docs/models/binaryconnect-mlp.md): binary weights in bit-planes, real
 * activations. Per layer z = binaryWeightGemm(x, W), y = f32(f32(z * scale) + bias) (batch norm folded), ReLU on
 * hidden layers; the last layer's y are the FP32 logits.
 */
import { PackedMatrix, checkPacked } from '../../core/src/bitplanes';
import { LoadedArtifact, TensorInput } from '../../core/src/artifact';
import { CorruptArtifactError, InvalidArgumentError } from '../../core/src/errors';
import { KernelBackend } from '../../kernels/src/backend';
import { InputNormalization, normalizeInputs } from '../mlp/input-normalization';
import { InputKind, applyScaleBias, readFloatFamilyConfig } from '../mlp/model';

export const BINARYCONNECT_MLP_FAMILY = 'binaryconnect-mlp';

/** One layer: packed weights [out, in] and the folded batch norm. */
export interface BinaryConnectLayer {
  weights: PackedMatrix;
  scale: Float32Array;
  bias: Float32Array;
}

/** A binaryconnect-mlp ready for inference. */
export interface BinaryConnectMlpModel {
  inputSize: number;
  hiddenSizes: number[];
  outputSize: number;
  inputKind: InputKind;
  normalization: InputNormalization;
  layers: BinaryConnectLayer[];
}

function checkModel(m: BinaryConnectMlpModel): void {
  const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
  if (m.layers.length !== sizes.length - 1) throw new InvalidArgumentError(`binaryconnect-mlp has ${m.layers.length} layers, sizes need ${sizes.length - 1}`);
  if (m.normalization.offset.length !== m.inputSize || m.normalization.scale.length !== m.inputSize) throw new InvalidArgumentError('input.offset / input.scale must have one entry per input feature');
  m.layers.forEach((l, i) => {
    checkPacked(`layer${i}.weights`, l.weights);
    if (l.weights.rows !== sizes[i + 1] || l.weights.cols !== sizes[i]) throw new InvalidArgumentError(`layer${i}.weights is [${l.weights.rows}, ${l.weights.cols}], expected [${sizes[i + 1]}, ${sizes[i]}]`);
    if (l.scale.length !== sizes[i + 1] || l.bias.length !== sizes[i + 1]) throw new InvalidArgumentError(`layer${i}.scale / bias must have ${sizes[i + 1]} entries`);
  });
}

/** The artifact tensors (docs/models/binaryconnect-mlp.md). */
export function binaryConnectMlpTensors(m: BinaryConnectMlpModel): Record<string, TensorInput> {
  checkModel(m);
  const t: Record<string, TensorInput> = {
    'input.offset': { data: m.normalization.offset, shape: [m.inputSize] },
    'input.scale': { data: m.normalization.scale, shape: [m.inputSize] },
  };
  m.layers.forEach((l, i) => {
    t[`layer${i}.weights`] = { data: l.weights.data, shape: [l.weights.rows, l.weights.cols], layout: 'bitplanes' };
    t[`layer${i}.scale`] = { data: l.scale, shape: [l.weights.rows] };
    t[`layer${i}.bias`] = { data: l.bias, shape: [l.weights.rows] };
  });
  return t;
}

/** Loads a binaryconnect-mlp from a verified artifact. */
export function loadBinaryConnectMlp(artifact: LoadedArtifact): BinaryConnectMlpModel {
  const c = readFloatFamilyConfig(artifact, BINARYCONNECT_MLP_FAMILY);
  const sizes = [c.inputSize, ...c.hiddenSizes, c.outputSize];
  const f = (name: string) => artifact.tensor<Float32Array>(name, 'float32');
  const name = `${artifact.manifest.name}:${artifact.manifest.version}`;
  const model: BinaryConnectMlpModel = {
    ...c,
    normalization: { offset: f('input.offset'), scale: f('input.scale') },
    layers: sizes.slice(1).map((rows, i) => {
      const e = artifact.manifest.tensors[`layer${i}.weights`];
      if (!e || e.layout !== 'bitplanes' || e.shape[0] !== rows || e.shape[1] !== sizes[i]) throw new CorruptArtifactError(`artifact ${name}: layer${i}.weights must be bitplanes [${rows}, ${sizes[i]}]`);
      return { weights: { data: artifact.tensor<Uint8Array>(`layer${i}.weights`, 'uint8'), rows, cols: sizes[i] }, scale: f(`layer${i}.scale`), bias: f(`layer${i}.bias`) };
    }),
  };
  try {
    checkModel(model);
  } catch (e) {
    throw new CorruptArtifactError(`artifact ${name}: ${(e as Error).message}`);
  }
  return model;
}

/** The forward pass on a backend: n rows of input in, FP32 logits [n, classes] out. */
export function binaryConnectMlpForward(m: BinaryConnectMlpModel, backend: KernelBackend, x: Uint8Array | Float32Array, n: number): Float32Array {
  if (m.inputKind === 'uint8' && !(x instanceof Uint8Array)) throw new InvalidArgumentError('this binaryconnect-mlp takes UINT8 input');
  let a = normalizeInputs(x, n, m.normalization);
  m.layers.forEach((l, i) => {
    a = applyScaleBias(backend.binaryWeightGemm(a, n, l.weights), n, l.scale, l.bias, i < m.layers.length - 1);
  });
  return a;
}
