/**
 * Inputs for `bitplane infer`: a JSON file (a KServe V2 REST body, or a plain [nested] array), a NumPy .npy file,
 * or images of an IDX file chosen by index (`file.idx3-ubyte[.gz]:3` or `:0-9` or `:1,5,7`).
 */
import * as fs from 'node:fs';
import { KServeDatatype } from '../../../../libs/core/src/dtypes';
import { InvalidArgumentError } from '../../../../libs/core/src/errors';
import { readIdx } from '../../../../libs/core/src/idx';
import { Tensor, TensorData, allocate } from '../tensors/tensor';

/** A model input as the client loaded it, plus ground-truth labels when the file came with them. */
export interface LoadedInput {
  tensor: Omit<Tensor, 'name'> & { name?: string };
  labels?: number[];
  /** Where it came from, for the printout. */
  source: string;
}

const NPY_DTYPES: Record<string, KServeDatatype> = {
  '|u1': 'UINT8', u1: 'UINT8', '|i1': 'INT8', i1: 'INT8', '|b1': 'BOOL', '<u2': 'UINT16', '<i2': 'INT16', '<u4': 'UINT32', '<i4': 'INT32',
  '<u8': 'UINT64', '<i8': 'INT64', '<f2': 'FP16', '<f4': 'FP32', '<f8': 'FP64',
};

/** Parses a .npy file (format versions 1-3, C order, little-endian numeric dtypes). */
export function parseNpy(bytes: Uint8Array, file: string): LoadedInput {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY') throw new InvalidArgumentError(`${file}: not a .npy file (bad magic)`);
  const major = buf.readUInt8(6);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new InvalidArgumentError(`${file}: unreadable .npy header ${header.trim()}`);
  if (fortran === 'True') throw new InvalidArgumentError(`${file}: Fortran-order arrays are not supported; save with np.ascontiguousarray`);
  const datatype = NPY_DTYPES[descr];
  if (!datatype) throw new InvalidArgumentError(`${file}: dtype '${descr}' is not supported (supported: ${Object.keys(NPY_DTYPES).join(', ')})`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const data = allocate(datatype, count) as Exclude<TensorData, Uint8Array[]>;
  const need = data.byteLength;
  if (buf.length - start !== need) throw new InvalidArgumentError(`${file}: ${buf.length - start} data bytes, shape [${shape.join(', ')}] ${descr} needs ${need}`);
  new Uint8Array(data.buffer).set(buf.subarray(start));
  return { tensor: { datatype, shape, data }, source: file };
}

function parseIndices(spec: string, count: number, file: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new InvalidArgumentError(`${file}: index '${part}' is not N, N-M or a comma-separated list of those`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b; i++) {
      if (i >= count) throw new InvalidArgumentError(`${file}: index ${i} is out of range (the file holds ${count} items)`);
      out.push(i);
    }
  }
  return out;
}

/** Images `indices` of an IDX file, each flattened to one UINT8 row; labels from the sibling labels file when present. */
export function loadIdxRows(file: string, spec: string): LoadedInput {
  const idx = readIdx(file);
  const count = idx.dims[0];
  const rowSize = idx.dims.slice(1).reduce((a, b) => a * b, 1);
  const indices = parseIndices(spec, count, file);
  const data = new Uint8Array(indices.length * rowSize);
  indices.forEach((i, k) => data.set(idx.data.subarray(i * rowSize, (i + 1) * rowSize), k * rowSize));
  let labels: number[] | undefined;
  const labelFile = file.replace('images-idx3', 'labels-idx1').replace('images.idx3', 'labels.idx1');
  if (labelFile !== file && fs.existsSync(labelFile)) {
    const l = readIdx(labelFile);
    labels = indices.map((i) => l.data[i]);
  }
  return { tensor: { datatype: 'UINT8', shape: [indices.length, rowSize], data }, labels, source: `${file} items ${spec}` };
}

function flatten(v: unknown, out: unknown[], shape: number[], depth: number): void {
  if (Array.isArray(v)) {
    if (shape.length <= depth) shape.push(v.length);
    for (const e of v) flatten(e, out, shape, depth + 1);
  } else out.push(v);
}

/** A JSON file: a REST body `{"inputs": [...]}` (first input used) or a plain array; datatype from the model. */
export function loadJson(file: string, modelDatatype: KServeDatatype): LoadedInput {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  const values: unknown[] = [];
  let shape: number[] = [];
  let name: string | undefined;
  if (Array.isArray(j)) {
    flatten(j, values, shape, 0);
    if (shape.length === 1) shape = [1, shape[0]];
  } else if (j && typeof j === 'object' && Array.isArray((j as { inputs?: unknown }).inputs)) {
    const first = (j as { inputs: Array<{ name?: string; shape?: number[]; data?: unknown }> }).inputs[0];
    if (!first || !Array.isArray(first.shape)) throw new InvalidArgumentError(`${file}: inputs[0] needs 'shape' and 'data'`);
    const s: number[] = [];
    flatten(first.data, values, s, 0);
    shape = first.shape;
    name = first.name;
  } else throw new InvalidArgumentError(`${file}: expected a JSON array or a KServe V2 body with 'inputs'`);
  const data = allocate(modelDatatype, values.length);
  if (Array.isArray(data)) values.forEach((v, i) => (data[i] = Buffer.from(String(v), 'utf8')));
  else if (data instanceof BigInt64Array || data instanceof BigUint64Array) values.forEach((v, i) => (data[i] = BigInt(v as number)));
  else values.forEach((v, i) => ((data as Float32Array)[i] = typeof v === 'boolean' ? Number(v) : (v as number)));
  return { tensor: { name, datatype: modelDatatype, shape, data }, source: file };
}

/** Loads `--input`: .json, .npy, or `<idx file>:<indices>`. */
export function loadInput(spec: string, modelDatatype: KServeDatatype): LoadedInput {
  const m = /^(.*):([\d,\s-]+)$/.exec(spec);
  if (m && fs.existsSync(m[1])) return loadIdxRows(m[1], m[2]);
  if (!fs.existsSync(spec)) throw new InvalidArgumentError(`--input '${spec}': no such file (give a .json, a .npy, or an IDX file with ':<indices>')`);
  if (spec.endsWith('.json')) return loadJson(spec, modelDatatype);
  if (spec.endsWith('.npy')) return parseNpy(fs.readFileSync(spec), spec);
  if (/idx\d|ubyte/.test(spec)) return loadIdxRows(spec, '0');
  throw new InvalidArgumentError(`--input '${spec}': unknown kind (give a .json, a .npy, or an IDX file with ':<indices>')`);
}
