/**
 * The `onnx-float` target's graph for bnn-mlp: the float-equivalent network (+-1 float32 weights, MatMul, folded
 * thresholds) for tools that do not take bit operations. A hidden unit computes y = d (acc - tau) and binarizes with
 * Where(GreaterOrEqual(y, 0), 1, -1) (ONNX Sign(0) is 0, ours is +1). Every accumulator is an integer below 2^24, so
 * float32 MatMul is exact in any summation order and the logits equal bnnMlpLogits bit for bit.
 */
import { unpackSigns } from '../../libs/core/src/bitplanes';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { BnnMlpModel, validateBnnMlp } from '../../libs/models/bnn-mlp/model';
import { GraphBuilder } from './graph-builder';
import { DataType } from './onnx-schema';
import { OUTPUT_ACC } from './bitplane-graph';

/** Opset of the float graphs (17: every op used exists since 13, and Debian's onnx 1.12 checker knows 17). */
export const FLOAT_OPSET = 17;

/** Largest integer every float32 accumulator must stay under to be exact. */
const EXACT = 2 ** 24;

/** Row-major [rows, cols] +-1 matrix of a packed one, transposed to [cols, rows] float32 for x @ W. */
export function transposedSigns(packed: { data: Uint8Array; rows: number; cols: number }): Float32Array {
  const s = unpackSigns(packed);
  const out = new Float32Array(packed.rows * packed.cols);
  for (let r = 0; r < packed.rows; r++) for (let k = 0; k < packed.cols; k++) out[k * packed.rows + r] = s[r * packed.cols + k];
  return out;
}

/** The float-equivalent ONNX graph of a bnn-mlp (not yet serialised). */
export function bnnMlpFloatGraph(m: BnnMlpModel, name = 'bnn_mlp_float'): GraphBuilder {
  validateBnnMlp(m);
  if (255 * m.inputSize >= EXACT) throw new InvalidArgumentError(`inputSize ${m.inputSize} is too large for exact float32 accumulators`);
  const g = new GraphBuilder(name, FLOAT_OPSET);
  const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
  g.input('input', DataType.UINT8, [-1, m.inputSize]);
  let act = g.node('Cast', ['input'], ['input.f32'], { to: DataType.FLOAT });
  const zero = g.initializer('float.0', Float32Array.of(0), []);
  const plus = g.initializer('float.+1', Float32Array.of(1), []);
  const minus = g.initializer('float.-1', Float32Array.of(-1), []);
  const layers = [...m.hidden.map((h) => h.weights), m.output.weights];
  layers.forEach((w, i) => {
    const p = `layer${i}`;
    const weights = g.initializer(`${p}.weights`, transposedSigns(w), [sizes[i], sizes[i + 1]]);
    const acc = g.node('MatMul', [act, weights], [i === layers.length - 1 ? OUTPUT_ACC : `${p}.acc`]);
    if (i === layers.length - 1) return;
    const h = m.hidden[i];
    // y = d * acc - d * tau: integers, exact in float32 (|tau| <= 255 K + 1 after clamping).
    const d = Float32Array.from(h.directions);
    const negDTau = Float32Array.from(h.thresholds, (t, j) => -h.directions[j] * t);
    const y = g.node('Add', [g.node('Mul', [acc, g.initializer(`${p}.direction`, d, [d.length])], [`${p}.signed_acc`]), g.initializer(`${p}.offset`, negDTau, [d.length])], [`${p}.y`]);
    const ge = g.node('GreaterOrEqual', [y, zero], [`${p}.ge0`]);
    act = g.node('Where', [ge, plus, minus], [`${p}.out`]);
  });
  const scaled = g.node('Mul', [OUTPUT_ACC, g.initializer('output.scale', m.output.scale, [m.outputSize])], ['output.scaled']);
  g.node('Add', [scaled, g.initializer('output.bias', m.output.bias, [m.outputSize])], ['logits']);
  g.output('logits', DataType.FLOAT, [-1, m.outputSize]);
  return g;
}
