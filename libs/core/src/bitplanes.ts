/**
 * The bit-plane layout (ARCHITECTURE.md, "Bit-planes"): a {-1,+1} matrix stored row by row, each row padded
 * with zero bits to a multiple of 64; element k of a row is bit (k mod 8) of byte (k div 8); bit 1 is +1.
 */
import { InvalidArgumentError } from './errors';

/** A binary matrix of `rows` x `cols` logical elements in the bit-plane layout. */
export interface PackedMatrix {
  /** `rows * rowBytes(cols)` bytes. */
  readonly data: Uint8Array;
  readonly rows: number;
  /** Logical row length K (not counting padding bits). */
  readonly cols: number;
}

/** Bytes per packed row of K elements: K rounded up to 64 bits. */
export function rowBytes(cols: number): number {
  return Math.ceil(cols / 64) * 8;
}

function checkDims(what: string, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || rows <= 0) throw new InvalidArgumentError(`${what}: rows must be a positive integer, got ${rows}`);
  if (!Number.isInteger(cols) || cols <= 0) throw new InvalidArgumentError(`${what}: cols must be a positive integer, got ${cols}`);
}

/** Checks that `m` is a well-formed packed matrix (sizes agree, padding bits are zero); throws naming `name`. */
export function checkPacked(name: string, m: PackedMatrix): void {
  if (!m || !(m.data instanceof Uint8Array)) throw new InvalidArgumentError(`${name}: expected a packed matrix with a Uint8Array 'data'`);
  checkDims(name, m.rows, m.cols);
  const need = m.rows * rowBytes(m.cols);
  if (m.data.length !== need) {
    throw new InvalidArgumentError(`${name}: packed data is ${m.data.length} bytes, expected ${need} (${m.rows} rows x ${rowBytes(m.cols)} bytes)`);
  }
}

/** Packs signs (x >= 0 is +1, so sign(0) = +1) of a row-major rows x cols matrix. NaN and Infinity are refused. */
export function packSigns(values: ArrayLike<number>, rows: number, cols: number, name = 'values'): PackedMatrix {
  checkDims(name, rows, cols);
  if (values.length !== rows * cols) {
    throw new InvalidArgumentError(`${name}: has ${values.length} elements, expected ${rows} x ${cols} = ${rows * cols}`);
  }
  const rb = rowBytes(cols);
  const data = new Uint8Array(rows * rb);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const out = r * rb;
    for (let k = 0; k < cols; k++) {
      const v = values[base + k];
      if (!Number.isFinite(v)) throw new InvalidArgumentError(`${name}: element [${r}, ${k}] is ${v}; signs are taken of finite numbers only`);
      if (v >= 0) data[out + (k >> 3)] |= 1 << (k & 7);
    }
  }
  return { data, rows, cols };
}

/** Unpacks to a row-major Int8Array of +1 / -1. */
export function unpackSigns(m: PackedMatrix): Int8Array {
  checkPacked('packed', m);
  const rb = rowBytes(m.cols);
  const out = new Int8Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) {
    for (let k = 0; k < m.cols; k++) {
      out[r * m.cols + k] = (m.data[r * rb + (k >> 3)] >> (k & 7)) & 1 ? 1 : -1;
    }
  }
  return out;
}

/** Bit k of row r of a packed matrix as +1 / -1. */
export function packedSign(m: PackedMatrix, r: number, k: number): 1 | -1 {
  return (m.data[r * rowBytes(m.cols) + (k >> 3)] >> (k & 7)) & 1 ? 1 : -1;
}

/**
 * Splits row-major 8-bit inputs (n rows of k values) into bit-planes: plane b of row i holds bit b of every
 * value, packed like a binary row (bit 1 = set). Layout: [n][8][rowBytes(k)].
 */
export function toBitPlanes(x: Uint8Array, n: number, k: number): Uint8Array {
  checkDims('x', n, k);
  if (!(x instanceof Uint8Array)) throw new InvalidArgumentError('x: expected a Uint8Array of 8-bit inputs');
  if (x.length !== n * k) throw new InvalidArgumentError(`x: has ${x.length} elements, expected ${n} x ${k} = ${n * k}`);
  const rb = rowBytes(k);
  const planes = new Uint8Array(n * 8 * rb);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const v = x[i * k + j];
      if (v === 0) continue;
      for (let b = 0; b < 8; b++) {
        if ((v >> b) & 1) planes[(i * 8 + b) * rb + (j >> 3)] |= 1 << (j & 7);
      }
    }
  }
  return planes;
}

/** Inverse of toBitPlanes. */
export function fromBitPlanes(planes: Uint8Array, n: number, k: number): Uint8Array {
  checkDims('planes', n, k);
  const rb = rowBytes(k);
  if (planes.length !== n * 8 * rb) throw new InvalidArgumentError(`planes: has ${planes.length} bytes, expected ${n * 8 * rb}`);
  const x = new Uint8Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      let v = 0;
      for (let b = 0; b < 8; b++) v |= ((planes[(i * 8 + b) * rb + (j >> 3)] >> (j & 7)) & 1) << b;
      x[i * k + j] = v;
    }
  }
  return x;
}

/** Population count of a byte, by table. */
export const POPCOUNT8: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 1; i < 256; i++) t[i] = (i & 1) + t[i >> 1];
  return t;
})();

/** Largest |acc| an XNOR-popcount layer of fan-in K can reach (K) or a bit-plane layer of 8-bit inputs (255 K). */
export function maxAccumulator(fanIn: number, firstLayer: boolean): number {
  return firstLayer ? 255 * fanIn : fanIn;
}
