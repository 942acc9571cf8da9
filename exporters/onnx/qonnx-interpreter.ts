/**
 * A small interpreter for the ops the `qonnx` target writes (onnxruntime cannot run QONNX custom ops): MatMul,
 * BipolarQuant, MultiThreshold, Mul, Add, Identity, with the semantics of the QONNX reference implementation
 * (BipolarQuant: x >= 0 ? +scale : -scale; MultiThreshold: out_scale * #{t : x >= t} + out_bias per channel).
 * Values are float32, as in QONNX; MatMul sums in float64 and rounds once (exact for the integer accumulators here).
 */
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { AttributeProto, DataType, ModelProto, NodeProto, TensorProto } from './onnx-schema';
import { QONNX_DOMAIN } from './qonnx-graph';

/** A dense float32 tensor. */
export interface FloatTensor {
  dims: number[];
  data: Float32Array;
}

function size(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Float32 values of an initializer (raw_data or float_data). */
export function floatInitializer(t: TensorProto): FloatTensor {
  const dims = (t.dims ?? []).map(Number);
  if (t.data_type !== DataType.FLOAT) throw new InvalidArgumentError(`initializer '${t.name}' has data_type ${t.data_type}; the QONNX interpreter takes FLOAT (1) only`);
  let data: Float32Array;
  if (t.raw_data && t.raw_data.length) {
    const copy = new Uint8Array(t.raw_data); // aligned private copy
    data = new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  } else {
    data = Float32Array.from(t.float_data ?? []);
  }
  if (data.length !== size(dims)) throw new InvalidArgumentError(`initializer '${t.name}' holds ${data.length} values for shape [${dims.join(', ')}]`);
  return { dims, data };
}

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

function floatAttr(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a?.f ?? dflt;
}

/** Elementwise binary op with numpy broadcasting of a scalar or a trailing vector ([C] against [..., C]). */
function broadcast(op: (a: number, b: number) => number, x: FloatTensor, y: FloatTensor, node: NodeProto): FloatTensor {
  const [big, small, swapped] = x.data.length >= y.data.length ? [x, y, false] : [y, x, true];
  const n = small.data.length;
  const sameShape = small.dims.length === big.dims.length && small.dims.every((d, i) => d === big.dims[i]);
  const trailing = small.dims.length === 1 && big.dims[big.dims.length - 1] === n;
  if (!(n === 1 || sameShape || trailing)) {
    throw new InvalidArgumentError(`${node.op_type} '${node.name}': cannot broadcast [${x.dims.join(', ')}] with [${y.dims.join(', ')}]`);
  }
  const out = new Float32Array(big.data.length);
  for (let i = 0; i < out.length; i++) {
    const a = big.data[i];
    const b = small.data[i % n];
    out[i] = swapped ? op(b, a) : op(a, b);
  }
  return { dims: [...big.dims], data: out };
}

function matmul(a: FloatTensor, b: FloatTensor, node: NodeProto): FloatTensor {
  if (a.dims.length !== 2 || b.dims.length !== 2 || a.dims[1] !== b.dims[0]) {
    throw new InvalidArgumentError(`MatMul '${node.name}': shapes [${a.dims.join(', ')}] x [${b.dims.join(', ')}] do not chain`);
  }
  const [n, k] = a.dims;
  const m = b.dims[1];
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += a.data[i * k + q] * b.data[q * m + j];
      out[i * m + j] = s;
    }
  }
  return { dims: [n, m], data: out };
}

function multiThreshold(x: FloatTensor, t: FloatTensor, node: NodeProto): FloatTensor {
  if (x.dims.length !== 2 || t.dims.length !== 2 || (t.dims[0] !== x.dims[1] && t.dims[0] !== 1)) {
    throw new InvalidArgumentError(`MultiThreshold '${node.name}': input [${x.dims.join(', ')}] and thresholds [${t.dims.join(', ')}] do not match (NC input, [C, B] thresholds)`);
  }
  const scale = floatAttr(node, 'out_scale', 1);
  const bias = floatAttr(node, 'out_bias', 0);
  const [n, c] = x.dims;
  const steps = t.dims[1];
  const out = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const row = t.dims[0] === 1 ? 0 : j;
      let count = 0;
      for (let s = 0; s < steps; s++) if (x.data[i * c + j] >= t.data[row * steps + s]) count++;
      out[i * c + j] = scale * count + bias;
    }
  }
  return { dims: [n, c], data: out };
}

function bipolarQuant(x: FloatTensor, scale: FloatTensor, node: NodeProto): FloatTensor {
  if (scale.data.length !== 1) throw new InvalidArgumentError(`BipolarQuant '${node.name}': only a scalar scale is supported, got [${scale.dims.join(', ')}]`);
  const s = scale.data[0];
  return { dims: [...x.dims], data: Float32Array.from(x.data, (v) => (v >= 0 ? s : -s)) };
}

/** Runs a QONNX model on named float32 inputs; returns every value computed (graph outputs included). */
export function runQonnx(model: ModelProto, inputs: Record<string, FloatTensor>): Map<string, FloatTensor> {
  const graph = model.graph;
  if (!graph) throw new InvalidArgumentError('model has no graph');
  const values = new Map<string, FloatTensor>();
  for (const t of graph.initializer ?? []) values.set(t.name!, floatInitializer(t));
  for (const vi of graph.input ?? []) {
    if (values.has(vi.name!)) continue;
    const v = inputs[vi.name!];
    if (!v) throw new InvalidArgumentError(`graph input '${vi.name}' was not given`);
    values.set(vi.name!, v);
  }
  const get = (node: NodeProto, i: number): FloatTensor => {
    const name = (node.input ?? [])[i];
    const v = name === undefined ? undefined : values.get(name);
    if (!v) throw new InvalidArgumentError(`${node.op_type} '${node.name}': input ${i} ('${name}') is not computed yet (graph not in topological order?)`);
    return v;
  };
  for (const node of graph.node ?? []) {
    const domain = node.domain ?? '';
    let out: FloatTensor;
    const key = `${domain === QONNX_DOMAIN ? 'qonnx:' : domain === '' ? '' : `${domain}:`}${node.op_type}`;
    switch (key) {
      case 'MatMul': out = matmul(get(node, 0), get(node, 1), node); break;
      case 'Mul': out = broadcast((a, b) => Math.fround(a * b), get(node, 0), get(node, 1), node); break;
      case 'Add': out = broadcast((a, b) => Math.fround(a + b), get(node, 0), get(node, 1), node); break;
      case 'Identity': out = get(node, 0); break;
      case 'qonnx:BipolarQuant': out = bipolarQuant(get(node, 0), get(node, 1), node); break;
      case 'qonnx:MultiThreshold': out = multiThreshold(get(node, 0), get(node, 1), node); break;
      default:
        throw new InvalidArgumentError(`the QONNX interpreter has no op '${node.op_type}' in domain '${domain}' (node '${node.name}')`);
    }
    values.set(node.output![0], out);
  }
  return values;
}
