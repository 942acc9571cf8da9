/** The service's tensor: a KServe datatype, a concrete shape and row-major elements (BYTES as one buffer per element). */
import { KServeDatatype } from '../../../../libs/core/src/dtypes';

/** Element storage per datatype: a typed array, or one Uint8Array per element for BYTES. */
export type TensorData =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array
  | BigUint64Array | BigInt64Array | Float32Array | Float64Array | Uint8Array[];

/** A tensor crossing the service boundary (request input or model output). */
export interface Tensor {
  name: string;
  datatype: KServeDatatype;
  shape: number[];
  data: TensorData;
}

export const KSERVE_DATATYPES: readonly KServeDatatype[] = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES',
];

/** Whether a string is a KServe datatype name. */
export function isKServeDatatype(value: string): value is KServeDatatype {
  return (KSERVE_DATATYPES as readonly string[]).includes(value);
}

/** Number of elements of a concrete shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** An empty typed array of the datatype's element type holding `n` elements (FP16 as raw Uint16 bits). */
export function allocate(datatype: KServeDatatype, n: number): TensorData {
  switch (datatype) {
    case 'BOOL': case 'UINT8': return new Uint8Array(n);
    case 'INT8': return new Int8Array(n);
    case 'UINT16': case 'FP16': return new Uint16Array(n);
    case 'INT16': return new Int16Array(n);
    case 'UINT32': return new Uint32Array(n);
    case 'INT32': return new Int32Array(n);
    case 'UINT64': return new BigUint64Array(n);
    case 'INT64': return new BigInt64Array(n);
    case 'FP32': return new Float32Array(n);
    case 'FP64': return new Float64Array(n);
    case 'BYTES': return new Array<Uint8Array>(n).fill(new Uint8Array(0));
  }
}

/** Concatenates same-datatype tensors along dimension 0 (the dynamic batcher's merge). */
export function concatRows(parts: Tensor[]): Tensor {
  const first = parts[0];
  if (parts.length === 1) return first;
  const rows = parts.reduce((s, p) => s + p.shape[0], 0);
  const shape = [rows, ...first.shape.slice(1)];
  if (first.datatype === 'BYTES') {
    return { ...first, shape, data: parts.flatMap((p) => p.data as Uint8Array[]) };
  }
  const out = allocate(first.datatype, elementCount(shape)) as Exclude<TensorData, Uint8Array[]>;
  let offset = 0;
  for (const p of parts) {
    const d = p.data as Exclude<TensorData, Uint8Array[]>;
    (out as Float32Array).set(d as Float32Array, offset);
    offset += d.length;
  }
  return { ...first, shape, data: out };
}

/** Rows [start, start + count) of a tensor along dimension 0 (a view where the storage allows it). */
export function sliceRows(t: Tensor, start: number, count: number): Tensor {
  if (start === 0 && count === t.shape[0]) return t;
  const per = elementCount(t.shape.slice(1));
  const data = t.data.slice(start * per, (start + count) * per) as TensorData;
  return { ...t, shape: [count, ...t.shape.slice(1)], data };
}
