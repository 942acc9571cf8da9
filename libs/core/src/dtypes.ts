import { InvalidArgumentError } from './errors';

/** Element types a tensor in an artifact may have. */
export type DType = 'float32' | 'int32' | 'int8' | 'uint8' | 'uint32';

/** KServe V2 / Open Inference Protocol datatype names. */
export type KServeDatatype =
  | 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64'
  | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

/** The typed array that holds each dtype. */
export type TypedArray = Float32Array | Int32Array | Int8Array | Uint8Array | Uint32Array;

export const DTYPES: readonly DType[] = ['float32', 'int32', 'int8', 'uint8', 'uint32'];

const BYTES: Record<DType, number> = { float32: 4, int32: 4, int8: 1, uint8: 1, uint32: 4 };

/** Bytes per element of a dtype. */
export function dtypeSize(dtype: DType): number {
  const size = BYTES[dtype];
  if (size === undefined) throw new InvalidArgumentError(`unknown dtype '${String(dtype)}'; expected one of ${DTYPES.join(', ')}`);
  return size;
}

/** Whether a string names a dtype this build reads. */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** A typed-array view of `byteLength` bytes at `byteOffset` of `buffer` (offset must be aligned to the element size). */
export function typedView(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, byteOffset, length);
    case 'int32': return new Int32Array(buffer, byteOffset, length);
    case 'int8': return new Int8Array(buffer, byteOffset, length);
    case 'uint8': return new Uint8Array(buffer, byteOffset, length);
    case 'uint32': return new Uint32Array(buffer, byteOffset, length);
    default: throw new InvalidArgumentError(`unknown dtype '${String(dtype)}'`);
  }
}

/** The dtype of a typed array. */
export function dtypeOf(array: TypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Uint8Array) return 'uint8';
  if (array instanceof Uint32Array) return 'uint32';
  throw new InvalidArgumentError('unsupported typed array');
}

/** Number of elements of a shape (all dimensions must be known, non-negative integers). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new InvalidArgumentError(`invalid dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** Byte size of one element of a KServe datatype (BYTES is variable: returns undefined). */
export function kserveDatatypeSize(datatype: KServeDatatype): number | undefined {
  switch (datatype) {
    case 'BOOL': case 'UINT8': case 'INT8': return 1;
    case 'UINT16': case 'INT16': case 'FP16': return 2;
    case 'UINT32': case 'INT32': case 'FP32': return 4;
    case 'UINT64': case 'INT64': case 'FP64': return 8;
    case 'BYTES': return undefined;
    default: throw new InvalidArgumentError(`unknown datatype '${String(datatype)}'`);
  }
}
