/** Raw tensor bytes as the Open Inference Protocol carries them: little-endian, row-major, BYTES length-prefixed. */
import { KServeDatatype, kserveDatatypeSize } from '../../../../libs/core/src/dtypes';
import { InvalidArgumentError } from '../../../../libs/core/src/errors';
import { TensorData, allocate } from './tensor';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes `count` elements of `datatype` from raw bytes; throws an InvalidArgumentError (Triton's wording) when the
 * byte length disagrees with the count. `what` names the tensor and model for the message.
 */
export function decodeRaw(datatype: KServeDatatype, count: number, raw: Uint8Array, what: string): TensorData {
  if (!LITTLE_ENDIAN) throw new Error('bitplane serves raw tensors on little-endian hosts only');
  if (datatype === 'BYTES') return decodeRawBytes(count, raw, what);
  const size = kserveDatatypeSize(datatype)!;
  if (raw.byteLength !== count * size) {
    throw new InvalidArgumentError(`input byte size mismatch for input ${what}. Expected ${count * size}, got ${raw.byteLength}`);
  }
  const out = allocate(datatype, count) as Exclude<TensorData, Uint8Array[]>;
  // Copy (rather than view) so the element type's alignment holds whatever offset protobuf left the bytes at.
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(raw);
  return out;
}

function decodeRawBytes(count: number, raw: Uint8Array, what: string): Uint8Array[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < raw.byteLength) {
    if (at + 4 > raw.byteLength) throw new InvalidArgumentError(`input byte size mismatch for input ${what}: BYTES element ${out.length} has a truncated 4-byte length prefix`);
    const len = view.getUint32(at, true);
    at += 4;
    if (at + len > raw.byteLength) {
      throw new InvalidArgumentError(`input byte size mismatch for input ${what}: BYTES element ${out.length} declares ${len} bytes but only ${raw.byteLength - at} remain`);
    }
    out.push(raw.subarray(at, at + len));
    at += len;
  }
  if (out.length !== count) {
    throw new InvalidArgumentError(`unexpected number of string elements ${out.length} for inference input ${what}, expecting ${count}`);
  }
  return out;
}

/** Encodes tensor elements as raw little-endian bytes (BYTES: 4-byte little-endian length, then the bytes). */
export function encodeRaw(data: TensorData): Buffer {
  if (Array.isArray(data)) {
    const total = data.reduce((s, e) => s + 4 + e.byteLength, 0);
    const out = Buffer.allocUnsafe(total);
    let at = 0;
    for (const e of data) {
      out.writeUInt32LE(e.byteLength, at);
      out.set(e, at + 4);
      at += 4 + e.byteLength;
    }
    return out;
  }
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
