/**
 * The `onnx` target's graph: a bnn-mlp whose weights stay packed (UINT8 initializers holding the artifact's bit-plane
 * bytes), written with standard ONNX operators only (opset 18), so onnxruntime runs it unchanged.
 *
 * Steps, per ARCHITECTURE.md "Bit-planes":
 * - layer 0 splits the 8-bit input into 8 bit-planes (BitShift + BitwiseAnd), packs each plane LSB-first into bytes,
 *   and computes acc = sum_n 2^n (2 popcount(b_n AND w+) - popcount(b_n));
 * - later layers compute acc = K - 2 popcount(a XOR w) on packed activations (padding bits are 0 on both sides);
 * - popcount is a Gather from an int32 256-entry table with the bytes cast to int32 as indices, then ReduceSum in
 *   int32 (onnxruntime has no uint8 ReduceSum);
 * - hidden units output +1 iff acc >= tau (direction +1) or acc <= tau (direction -1): GreaterOrEqual / LessOrEqual /
 *   Where, then the bits are re-packed into bytes for the next layer;
 * - logits = f32(f32(scale * acc) + bias): Cast, Mul, Add, the exact float32 order of bnnMlpLogits.
 */
import { POPCOUNT8, rowBytes } from '../../libs/core/src/bitplanes';
import { BnnMlpModel, validateBnnMlp } from '../../libs/models/bnn-mlp/model';
import { GraphBuilder, boolTensorProto } from './graph-builder';
import { DataType } from './onnx-schema';

/** Opset of the bit-plane graph (BitwiseAnd / BitwiseXor need 18). */
export const BITPLANE_OPSET = 18;

/** Name of the output-layer accumulator tensor (int32 [N, classes]) inside the graph, for checks that expose it. */
export const OUTPUT_ACC = 'output.acc';

/** Shared constants of one graph, added once. */
class Constants {
  constructor(private readonly g: GraphBuilder) {}
  private made = new Set<string>();

  private once(name: string, make: () => void): string {
    if (!this.made.has(name)) {
      make();
      this.made.add(name);
    }
    return name;
  }

  table(): string {
    return this.once('popcount.table', () => this.g.initializer('popcount.table', Int32Array.from(POPCOUNT8), [256]));
  }
  /** Bit weights 1, 2, ..., 128 for packing 8 bits (LSB first) into a byte. */
  bitWeights(): string {
    return this.once('pack.bit_weights', () => this.g.initializer('pack.bit_weights', Int32Array.from({ length: 8 }, (_, i) => 1 << i), [8]));
  }
  int32(name: string, v: number): string {
    return this.once(name, () => this.g.initializer(name, Int32Array.of(v), []));
  }
  axes(name: string, axes: number[]): string {
    return this.once(name, () => this.g.int64(name, axes));
  }
}

/** popcount of every byte along the last axis, summed: uint8 [..., B] -> int32 [..., 1 if keep]. */
function popcountSum(g: GraphBuilder, c: Constants, bytes: string, out: string, keepdims: boolean): string {
  const idx = g.node('Cast', [bytes], [`${out}.idx`], { to: DataType.INT32 });
  const pc = g.node('Gather', [c.table(), idx], [`${out}.bits`], { axis: 0 });
  return g.node('ReduceSum', [pc, c.axes('axes.last', [-1])], [out], { keepdims: keepdims ? 1 : 0 });
}

/**
 * Packs 0/1 int32 values along the last axis (length n) into bytes, LSB first, padded with zero bits to a multiple
 * of 64: int32 [lead..., n] -> uint8 [lead..., rowBytes(n)]. `leadShape` is the Reshape target of the leading axes.
 */
function packBits(g: GraphBuilder, c: Constants, bits: string, n: number, leadShape: number[], out: string): string {
  const padded = rowBytes(n) * 8;
  let x = bits;
  if (padded !== n) {
    const rank = leadShape.length + 1;
    const pads = new Array<number>(2 * rank).fill(0);
    pads[2 * rank - 1] = padded - n;
    x = g.node('Pad', [x, g.int64(`${out}.pads`, pads)], [`${out}.padded`], { mode: 'constant' });
  }
  const grouped = g.node('Reshape', [x, g.int64(`${out}.shape`, [...leadShape, padded / 8, 8])], [`${out}.grouped`]);
  const weighted = g.node('Mul', [grouped, c.bitWeights()], [`${out}.weighted`]);
  const sum = g.node('ReduceSum', [weighted, c.axes('axes.last', [-1])], [`${out}.sum`], { keepdims: 0 });
  return g.node('Cast', [sum], [out], { to: DataType.UINT8 });
}

/** Layer 0: 8-bit inputs [N, K] through bit-planes against packed weights [M, rowBytes(K)] -> int32 acc [N, M]. */
function bitplaneLayer(g: GraphBuilder, c: Constants, x: string, k: number, weights: string, p: string): string {
  const x3 = g.node('Unsqueeze', [x, c.axes('axes.1', [1])], [`${p}.x3`]);
  const shifts = g.initializer(`${p}.plane_shifts`, Uint8Array.from({ length: 8 }, (_, i) => i), [1, 8, 1]);
  const shifted = g.node('BitShift', [x3, shifts], [`${p}.shifted`], { direction: 'RIGHT' });
  const bitsU8 = g.node('BitwiseAnd', [shifted, g.initializer(`${p}.one`, Uint8Array.of(1), [])], [`${p}.plane_bits_u8`]);
  const bits = g.node('Cast', [bitsU8], [`${p}.plane_bits`], { to: DataType.INT32 });
  // planes: uint8 [N, 8, rowBytes(K)], plane n holding bit n of every input, packed like a binary row.
  const planes = packBits(g, c, bits, k, [-1, 8], `${p}.planes`);
  const planes4 = g.node('Unsqueeze', [planes, c.axes('axes.2', [2])], [`${p}.planes4`]);
  const and = g.node('BitwiseAnd', [planes4, weights], [`${p}.and`]); // [N, 8, M, B]
  const pcAnd = popcountSum(g, c, and, `${p}.pc_and`, false); // [N, 8, M]
  const pcPlane = popcountSum(g, c, planes, `${p}.pc_plane`, true); // [N, 8, 1]
  const twice = g.node('Mul', [pcAnd, c.int32('int.2', 2)], [`${p}.pc_and2`]);
  const term = g.node('Sub', [twice, pcPlane], [`${p}.term`]);
  const planeWeights = g.initializer(`${p}.plane_weights`, Int32Array.from({ length: 8 }, (_, i) => 1 << i), [1, 8, 1]);
  const weighted = g.node('Mul', [term, planeWeights], [`${p}.weighted`]);
  return g.node('ReduceSum', [weighted, c.axes('axes.1', [1])], [`${p}.acc`], { keepdims: 0 });
}

/** Later layers: packed +-1 activations [N, B] against packed weights [M, B] -> int32 acc = K - 2 popcount(a XOR w). */
function xnorLayer(g: GraphBuilder, c: Constants, a: string, k: number, weights: string, p: string): string {
  const a3 = g.node('Unsqueeze', [a, c.axes('axes.1', [1])], [`${p}.a3`]);
  const xor = g.node('BitwiseXor', [a3, weights], [`${p}.xor`]); // [N, M, B]
  const pc = popcountSum(g, c, xor, `${p}.pc_xor`, false); // [N, M]
  const twice = g.node('Mul', [pc, c.int32('int.2', 2)], [`${p}.pc_xor2`]);
  return g.node('Sub', [c.int32(`int.${k}`, k), twice], [`${p}.acc`]);
}

/** The bit-plane ONNX graph of a bnn-mlp (not yet serialised). */
export function bnnMlpBitplaneGraph(m: BnnMlpModel, name = 'bnn_mlp_bitplane'): GraphBuilder {
  validateBnnMlp(m);
  const g = new GraphBuilder(name, BITPLANE_OPSET);
  const c = new Constants(g);
  const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
  g.input('input', DataType.UINT8, [-1, m.inputSize]);
  let act = 'input';
  const layers = [...m.hidden.map((h) => h.weights), m.output.weights];
  layers.forEach((w, i) => {
    const p = `layer${i}`;
    const weights = g.initializer(`${p}.weights`, w.data, [w.rows, rowBytes(w.cols)]);
    const acc = i === 0 ? bitplaneLayer(g, c, act, sizes[0], weights, p) : xnorLayer(g, c, act, sizes[i], weights, p);
    if (i === layers.length - 1) {
      g.node('Identity', [acc], [OUTPUT_ACC]);
      return;
    }
    const h = m.hidden[i];
    const tau = g.initializer(`${p}.thresholds`, h.thresholds, [h.thresholds.length]);
    const up = g.initializerProto(boolTensorProto(`${p}.direction_up`, Array.from(h.directions, (d) => d === 1), [h.directions.length]));
    // onnxruntime's Where has no bool branches: the comparisons are cast to 0/1 int32 first.
    const ge = g.node('Cast', [g.node('GreaterOrEqual', [acc, tau], [`${p}.ge`])], [`${p}.ge_i32`], { to: DataType.INT32 });
    const le = g.node('Cast', [g.node('LessOrEqual', [acc, tau], [`${p}.le`])], [`${p}.le_i32`], { to: DataType.INT32 });
    const bits = g.node('Where', [up, ge, le], [`${p}.bits`]);
    act = packBits(g, c, bits, sizes[i + 1], [-1], `${p}.out`);
  });
  const accF = g.node('Cast', [OUTPUT_ACC], ['output.acc_f32'], { to: DataType.FLOAT });
  const scaled = g.node('Mul', [accF, g.initializer('output.scale', m.output.scale, [m.outputSize])], ['output.scaled']);
  g.node('Add', [scaled, g.initializer('output.bias', m.output.bias, [m.outputSize])], ['logits']);
  g.output('logits', DataType.FLOAT, [-1, m.outputSize]);
  return g;
}
