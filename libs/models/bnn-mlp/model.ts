/**
 * The bnn-mlp inference model (ARCHITECTURE.md, "The bnn-mlp artifact"): hidden layers are fused
 * XNOR-popcount + threshold on packed activations (layer 0 on 8-bit inputs through bit-planes), the output layer
 * is XNOR-popcount followed by the folded batch norm `logits = f32(f32(scale * acc) + bias)`.
 */
import { PackedMatrix, checkPacked, rowBytes } from '../../core/src/bitplanes';
import { LoadedArtifact, Signature, TensorInput } from '../../core/src/artifact';
import { CorruptArtifactError, InvalidArgumentError } from '../../core/src/errors';
import { KernelBackend } from '../../kernels/src/backend';

export const BNN_MLP_FAMILY = 'bnn-mlp';

/** One hidden layer after folding: binary weights and per-unit integer thresholds and directions. */
export interface BnnHiddenLayer {
  weights: PackedMatrix;
  thresholds: Int32Array;
  directions: Int8Array;
}

/** A folded, packed bnn-mlp: what inference and every exporter use. */
export interface BnnMlpModel {
  inputSize: number;
  hiddenSizes: number[];
  outputSize: number;
  hidden: BnnHiddenLayer[];
  output: { weights: PackedMatrix; scale: Float32Array; bias: Float32Array };
}

/** The signature every bnn-mlp artifact carries. */
export function bnnMlpSignature(inputSize: number, outputSize: number): Signature {
  return {
    inputs: [{ name: 'input', datatype: 'UINT8', shape: [-1, inputSize] }],
    outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, outputSize] }],
  };
}

/** Checks internal consistency (sizes chain, thresholds per unit, directions +-1, finite scale / bias). */
export function validateBnnMlp(m: BnnMlpModel): void {
  const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
  if (m.hidden.length !== m.hiddenSizes.length) throw new InvalidArgumentError(`bnn-mlp has ${m.hidden.length} hidden layers but hiddenSizes lists ${m.hiddenSizes.length}`);
  const layers = [...m.hidden.map((h) => h.weights), m.output.weights];
  layers.forEach((w, i) => {
    checkPacked(`layer${i}.weights`, w);
    if (w.rows !== sizes[i + 1] || w.cols !== sizes[i]) {
      throw new InvalidArgumentError(`layer${i}.weights is [${w.rows}, ${w.cols}], expected [${sizes[i + 1]}, ${sizes[i]}]`);
    }
  });
  m.hidden.forEach((h, i) => {
    if (h.thresholds.length !== h.weights.rows || h.directions.length !== h.weights.rows) throw new InvalidArgumentError(`layer${i} thresholds/directions do not have one entry per unit`);
    h.directions.forEach((d, j) => {
      if (d !== 1 && d !== -1) throw new InvalidArgumentError(`layer${i}.directions[${j}] is ${d}, expected +1 or -1`);
    });
  });
  if (m.output.scale.length !== m.outputSize || m.output.bias.length !== m.outputSize) throw new InvalidArgumentError('output.scale / output.bias must have one entry per class');
  for (const v of [...m.output.scale, ...m.output.bias]) if (!Number.isFinite(v)) throw new InvalidArgumentError('output.scale / output.bias must be finite');
}

/** The artifact tensors of a model (names and layouts exactly as ARCHITECTURE.md fixes them). */
export function bnnMlpTensors(m: BnnMlpModel): Record<string, TensorInput> {
  validateBnnMlp(m);
  const t: Record<string, TensorInput> = {};
  m.hidden.forEach((h, i) => {
    t[`layer${i}.weights`] = { data: h.weights.data, shape: [h.weights.rows, h.weights.cols], layout: 'bitplanes' };
    t[`layer${i}.thresholds`] = { data: h.thresholds, shape: [h.weights.rows] };
    t[`layer${i}.directions`] = { data: h.directions, shape: [h.weights.rows] };
  });
  const L = m.hidden.length;
  t[`layer${L}.weights`] = { data: m.output.weights.data, shape: [m.output.weights.rows, m.output.weights.cols], layout: 'bitplanes' };
  t['output.scale'] = { data: m.output.scale, shape: [m.outputSize] };
  t['output.bias'] = { data: m.output.bias, shape: [m.outputSize] };
  return t;
}

/** Reads a bnn-mlp model from a verified artifact. */
export function loadBnnMlp(artifact: LoadedArtifact): BnnMlpModel {
  const { manifest } = artifact;
  if (manifest.family !== BNN_MLP_FAMILY) throw new InvalidArgumentError(`artifact ${manifest.name}:${manifest.version} is family '${manifest.family}', not '${BNN_MLP_FAMILY}'`);
  const c = manifest.config as { inputSize?: unknown; hiddenSizes?: unknown; outputSize?: unknown };
  if (!Number.isInteger(c.inputSize) || !Array.isArray(c.hiddenSizes) || !Number.isInteger(c.outputSize)) {
    throw new CorruptArtifactError(`artifact ${manifest.name}:${manifest.version}: config lacks inputSize / hiddenSizes / outputSize`);
  }
  const inputSize = c.inputSize as number;
  const hiddenSizes = c.hiddenSizes as number[];
  const outputSize = c.outputSize as number;
  const sizes = [inputSize, ...hiddenSizes, outputSize];
  const packed = (i: number): PackedMatrix => {
    const e = manifest.tensors[`layer${i}.weights`];
    if (!e || e.layout !== 'bitplanes' || e.shape[0] !== sizes[i + 1] || e.shape[1] !== sizes[i]) {
      throw new CorruptArtifactError(`artifact ${manifest.name}:${manifest.version}: layer${i}.weights must be bitplanes [${sizes[i + 1]}, ${sizes[i]}]`);
    }
    return { data: artifact.tensor<Uint8Array>(`layer${i}.weights`, 'uint8'), rows: sizes[i + 1], cols: sizes[i] };
  };
  const model: BnnMlpModel = {
    inputSize,
    hiddenSizes,
    outputSize,
    hidden: hiddenSizes.map((_, i) => ({
      weights: packed(i),
      thresholds: artifact.tensor<Int32Array>(`layer${i}.thresholds`, 'int32'),
      directions: artifact.tensor<Int8Array>(`layer${i}.directions`, 'int8'),
    })),
    output: {
      weights: packed(hiddenSizes.length),
      scale: artifact.tensor<Float32Array>('output.scale', 'float32'),
      bias: artifact.tensor<Float32Array>('output.bias', 'float32'),
    },
  };
  try {
    validateBnnMlp(model);
  } catch (e) {
    throw new CorruptArtifactError(`artifact ${manifest.name}:${manifest.version}: ${(e as Error).message}`);
  }
  return model;
}

/** Result of a forward pass: the int32 output accumulators and the float32 logits, both N x classes. */
export interface BnnMlpOutput {
  acc: Int32Array;
  logits: Float32Array;
}

/** Packed activations after every hidden layer (for golden vectors of hardware testbenches). */
export function bnnMlpHiddenActivations(m: BnnMlpModel, backend: KernelBackend, x: Uint8Array, n: number): PackedMatrix[] {
  if (x.length !== n * m.inputSize) throw new InvalidArgumentError(`input has ${x.length} values, expected ${n} x ${m.inputSize}`);
  const acts: PackedMatrix[] = [];
  let a: PackedMatrix | undefined;
  m.hidden.forEach((h, i) => {
    a = i === 0 ? backend.bitplaneGemmThreshold(x, n, h.weights, h.thresholds, h.directions) : backend.xnorGemmThreshold(a!, h.weights, h.thresholds, h.directions);
    acts.push(a);
  });
  return acts;
}

/** Output logits from output accumulators: f32(f32(scale * acc) + bias), the exact float32 op order exporters reproduce. */
export function bnnMlpLogits(m: BnnMlpModel, acc: Int32Array, n: number): Float32Array {
  const c = m.outputSize;
  const logits = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) logits[i * c + j] = Math.fround(Math.fround(m.output.scale[j] * acc[i * c + j]) + m.output.bias[j]);
  }
  return logits;
}

/** The forward pass on a backend: N rows of 8-bit inputs in, accumulators and logits out. */
export function bnnMlpForward(m: BnnMlpModel, backend: KernelBackend, x: Uint8Array, n: number): BnnMlpOutput {
  const acts = bnnMlpHiddenActivations(m, backend, x, n);
  const acc = acts.length
    ? backend.xnorGemm(acts[acts.length - 1], m.output.weights)
    : backend.bitplaneGemm(x, n, m.output.weights);
  return { acc, logits: bnnMlpLogits(m, acc, n) };
}

/** Argmax per row, ties to the lowest index. */
export function argmaxRows(values: Float32Array | Int32Array, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (values[i * c + j] > values[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Bytes the packed weights of a model occupy (for size reports). */
export function bnnMlpWeightBytes(m: BnnMlpModel): number {
  return [...m.hidden.map((h) => h.weights), m.output.weights].reduce((s, w) => s + w.rows * rowBytes(w.cols), 0);
}
