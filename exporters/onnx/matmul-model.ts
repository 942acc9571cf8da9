/** A one-node float32 MatMul model (inputs `a` [m, k] and `b` [k, n], output `y` [m, n]), e.g. for kernel benchmarks. */
import { GraphBuilder } from './graph-builder';
import { DataType } from './onnx-schema';

/** Serialised ONNX model computing y = a @ b; pass -1 for m to leave the row count free. */
export function matmulModel(m: number, k: number, n: number): Uint8Array {
  const g = new GraphBuilder('matmul', 13);
  g.input('a', DataType.FLOAT, [m, k]);
  g.input('b', DataType.FLOAT, [k, n]);
  g.node('MatMul', ['a', 'b'], ['y']);
  g.output('y', DataType.FLOAT, [m, n]);
  return g.encode({ doc: `y = a @ b, a [${m}, ${k}], b [${k}, ${n}]` });
}
