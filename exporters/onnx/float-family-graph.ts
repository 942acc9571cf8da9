/**
 * `onnx-float` for the float-activation families `mlp` and `binaryconnect-mlp` (docs/models/<family>.md; loaders and
 * forward passes in libs/models/<family>/model.ts): input normalisation x' = (x - offset) * scale, then per layer
 * MatMul, the folded batch norm y = z * scale + bias, ReLU on hidden layers; the last layer's y are the logits.
 * binaryconnect-mlp's packed weights become +-1 float32. UINT8-input models keep a UINT8 input (cast inside).
 */
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { KernelBackend } from '../../libs/kernels/src/backend';
import { BINARYCONNECT_MLP_FAMILY, binaryConnectMlpForward, loadBinaryConnectMlp } from '../../libs/models/binaryconnect-mlp/model';
import { InputNormalization } from '../../libs/models/mlp/input-normalization';
import { InputKind, MLP_FAMILY, loadMlp, mlpForward } from '../../libs/models/mlp/model';
import { FLOAT_OPSET, transposedSigns } from './float-graph';
import { GraphBuilder } from './graph-builder';
import { DataType } from './onnx-schema';

/** Float-activation families the onnx-float target exports. */
export const FLOAT_FAMILIES = [MLP_FAMILY, BINARYCONNECT_MLP_FAMILY];

/** What the graph needs of either family: weights as [in, out] float32 per layer. */
interface FloatNet {
  inputSize: number;
  sizes: number[];
  inputKind: InputKind;
  normalization: InputNormalization;
  layers: Array<{ weightsT: Float32Array; scale: Float32Array; bias: Float32Array }>;
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[k * rows + r] = w[r * cols + k];
  return out;
}

function floatNet(artifact: LoadedArtifact): FloatNet {
  const family = artifact.manifest.family;
  if (family === MLP_FAMILY) {
    const m = loadMlp(artifact);
    const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
    return { ...m, sizes, layers: m.layers.map((l, i) => ({ weightsT: transpose(l.weights, sizes[i + 1], sizes[i]), scale: l.scale, bias: l.bias })) };
  }
  if (family === BINARYCONNECT_MLP_FAMILY) {
    const m = loadBinaryConnectMlp(artifact);
    return { ...m, sizes: [m.inputSize, ...m.hiddenSizes, m.outputSize], layers: m.layers.map((l) => ({ weightsT: transposedSigns(l.weights), scale: l.scale, bias: l.bias })) };
  }
  throw new InvalidArgumentError(`family '${family}' is not a float-activation family (${FLOAT_FAMILIES.join(', ')})`);
}

/** The float ONNX graph of an mlp or binaryconnect-mlp artifact (not yet serialised). */
export function floatFamilyGraph(artifact: LoadedArtifact, name: string): GraphBuilder {
  const net = floatNet(artifact);
  const { sizes } = net;
  const g = new GraphBuilder(name, FLOAT_OPSET);
  g.input('input', net.inputKind === 'uint8' ? DataType.UINT8 : DataType.FLOAT, [-1, net.inputSize]);
  let x = net.inputKind === 'uint8' ? g.node('Cast', ['input'], ['input.f32'], { to: DataType.FLOAT }) : 'input';
  x = g.node('Sub', [x, g.initializer('input.offset', net.normalization.offset, [net.inputSize])], ['input.centered']);
  x = g.node('Mul', [x, g.initializer('input.scale', net.normalization.scale, [net.inputSize])], ['input.normalized']);
  net.layers.forEach((l, i) => {
    const p = `layer${i}`;
    const last = i === net.layers.length - 1;
    const z = g.node('MatMul', [x, g.initializer(`${p}.weights`, l.weightsT, [sizes[i], sizes[i + 1]])], [`${p}.z`]);
    const scaled = g.node('Mul', [z, g.initializer(`${p}.scale`, l.scale, [sizes[i + 1]])], [`${p}.scaled`]);
    const y = g.node('Add', [scaled, g.initializer(`${p}.bias`, l.bias, [sizes[i + 1]])], [last ? 'logits' : `${p}.y`]);
    x = last ? y : g.node('Relu', [y], [`${p}.out`]);
  });
  g.output('logits', DataType.FLOAT, [-1, sizes[sizes.length - 1]]);
  return g;
}

/** The family's own forward pass (logits). */
export function floatFamilyReference(artifact: LoadedArtifact, backend: KernelBackend, x: Uint8Array | Float32Array, n: number): Float32Array {
  return artifact.manifest.family === MLP_FAMILY ? mlpForward(loadMlp(artifact), backend, x, n) : binaryConnectMlpForward(loadBinaryConnectMlp(artifact), backend, x, n);
}
