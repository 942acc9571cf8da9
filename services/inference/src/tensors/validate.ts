/**
 * Checks request tensors against a model's signature with Triton's wording where Triton has one, so clients see
 * the same messages from either server. Every failure is an InvalidArgumentError naming the input, the model and
 * what was expected.
 */
import { Signature, TensorSpec } from '../../../../libs/core/src/artifact';
import { KServeDatatype } from '../../../../libs/core/src/dtypes';
import { InvalidArgumentError } from '../../../../libs/core/src/errors';
import { Tensor, TensorData, allocate, elementCount, isKServeDatatype } from './tensor';

/** A request input before its elements are decoded. */
export interface InputHeader {
  name: string;
  datatype: string;
  shape: ReadonlyArray<string | number>;
}

const fmtShape = (s: readonly number[]) => `[${s.join(',')}]`;

/** The input's spec; checks datatype and shape; returns the concrete shape. */
export function checkInputHeader(model: string, sig: Signature, input: InputHeader): { spec: TensorSpec; shape: number[] } {
  const spec = sig.inputs.find((s) => s.name === input.name);
  if (!spec) {
    throw new InvalidArgumentError(`unexpected inference input '${input.name}' for model '${model}'; its inputs are ${sig.inputs.map((s) => `'${s.name}'`).join(', ')}`);
  }
  if (!isKServeDatatype(input.datatype)) {
    throw new InvalidArgumentError(`inference input '${input.name}' data-type is '${input.datatype}', which is not a KServe datatype; model '${model}' expects '${spec.datatype}'`);
  }
  if (input.datatype !== spec.datatype) {
    throw new InvalidArgumentError(`inference input '${input.name}' data-type is '${input.datatype}', but model '${model}' expects '${spec.datatype}'`);
  }
  const shape = input.shape.map((d) => Number(d));
  const shapeText = `[${input.shape.join(',')}]`;
  const fits = shape.length === spec.shape.length && shape.every((d, i) => Number.isSafeInteger(d) && d >= 0 && (spec.shape[i] === -1 || spec.shape[i] === d));
  if (!fits) {
    throw new InvalidArgumentError(`unexpected shape for input '${input.name}' for model '${model}'. Expected ${fmtShape(spec.shape)}, got ${shapeText}`);
  }
  if (shape.length && shape[0] === 0) {
    throw new InvalidArgumentError(`input '${input.name}' for model '${model}' has an empty batch (dimension 0 is 0); expected at least one row of shape ${fmtShape(spec.shape)}`);
  }
  if (elementCount(shape) === 0) {
    throw new InvalidArgumentError(`input '${input.name}' for model '${model}' has no elements (shape ${shapeText}); expected ${fmtShape(spec.shape)} with no zero dimension`);
  }
  return { spec, shape };
}

/** Checks that every signature input is present exactly once. */
export function checkInputSet(model: string, sig: Signature, names: string[]): void {
  if (names.length !== sig.inputs.length) {
    throw new InvalidArgumentError(`expected ${sig.inputs.length} inputs but got ${names.length} inputs for model '${model}' (inputs: ${sig.inputs.map((s) => `'${s.name}'`).join(', ')})`);
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new InvalidArgumentError(`input '${n}' is given more than once for model '${model}'`);
    seen.add(n);
  }
}

const INT_RANGES: Partial<Record<KServeDatatype, [number, number]>> = {
  UINT8: [0, 255], UINT16: [0, 65535], UINT32: [0, 4294967295], INT8: [-128, 127], INT16: [-32768, 32767], INT32: [-2147483648, 2147483647],
};

/**
 * Converts a flat list of element values (typed `contents` or REST JSON `data`) to a tensor's storage, checking
 * count, range and type. `field` names where the values came from, for messages.
 */
export function valuesToData(model: string, input: string, datatype: KServeDatatype, count: number, values: readonly unknown[], field: string): TensorData {
  if (values.length !== count) {
    throw new InvalidArgumentError(`unexpected number of elements for input '${input}' for model '${model}'. Expected ${count}, got ${values.length} in ${field}`);
  }
  const bad = (i: number, why: string): never => {
    throw new InvalidArgumentError(`input '${input}' for model '${model}': element ${i} of ${field} (${String(values[i])}) ${why}`);
  };
  if (datatype === 'BYTES') {
    return values.map((v, i) => {
      if (typeof v === 'string') return Buffer.from(v, 'utf8');
      if (v instanceof Uint8Array) return v;
      return bad(i, 'is not a string or bytes; BYTES elements are strings');
    });
  }
  if (datatype === 'FP16') {
    throw new InvalidArgumentError(`input '${input}' for model '${model}' is FP16, which travels only as raw_input_contents (or binary data)`);
  }
  const out = allocate(datatype, count);
  if (datatype === 'INT64' || datatype === 'UINT64') {
    const arr = out as BigInt64Array | BigUint64Array;
    const [lo, hi] = datatype === 'INT64' ? [-(1n << 63n), (1n << 63n) - 1n] : [0n, (1n << 64n) - 1n];
    values.forEach((v, i) => {
      let b: bigint;
      try {
        b = BigInt(v as string | number | bigint);
      } catch {
        return bad(i, `is not an integer; ${datatype} expects integers`);
      }
      if (b < lo || b > hi) bad(i, `is outside ${datatype}'s range`);
      arr[i] = b;
    });
    return arr;
  }
  const arr = out as Exclude<TensorData, Uint8Array[] | BigInt64Array | BigUint64Array>;
  if (datatype === 'BOOL') {
    values.forEach((v, i) => {
      if (typeof v !== 'boolean') bad(i, 'is not a boolean; BOOL expects true or false');
      arr[i] = v ? 1 : 0;
    });
    return arr;
  }
  if (datatype === 'FP32' || datatype === 'FP64') {
    values.forEach((v, i) => {
      if (typeof v !== 'number') bad(i, `is not a number; ${datatype} expects numbers`);
      arr[i] = v as number;
    });
    checkFinite(model, input, datatype, arr as Float32Array | Float64Array);
    return arr;
  }
  const [lo, hi] = INT_RANGES[datatype]!;
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) bad(i, `is not an integer; ${datatype} expects integers in ${lo}..${hi}`);
    if ((v as number) < lo || (v as number) > hi) bad(i, `is outside ${datatype}'s range ${lo}..${hi}`);
    arr[i] = v as number;
  });
  return arr;
}

/** Throws unless every float element is finite (the model takes floats; NaN / Inf would poison every row it meets). */
export function checkFinite(model: string, input: string, datatype: KServeDatatype, data: TensorData): void {
  if (datatype === 'FP32' || datatype === 'FP64') {
    const a = data as Float32Array | Float64Array;
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) {
        throw new InvalidArgumentError(`input '${input}' for model '${model}' contains ${a[i]} at element ${i}; expected finite ${datatype} values`);
      }
    }
  } else if (datatype === 'FP16') {
    const a = data as Uint16Array;
    for (let i = 0; i < a.length; i++) {
      // Exponent bits all ones: Inf or NaN.
      if ((a[i] & 0x7c00) === 0x7c00) throw new InvalidArgumentError(`input '${input}' for model '${model}' contains NaN or Inf at element ${i}; expected finite FP16 values`);
    }
  }
}

/** Checks that all inputs of a batchable model agree on dimension 0. */
export function checkSameRows(model: string, inputs: Tensor[]): number {
  const rows = inputs[0].shape[0];
  for (const t of inputs) {
    if (t.shape[0] !== rows) {
      throw new InvalidArgumentError(`inputs of model '${model}' disagree on dimension 0: '${inputs[0].name}' has ${rows} rows, '${t.name}' has ${t.shape[0]}`);
    }
  }
  return rows;
}

/** Checks requested output names; returns the indices (into the signature's outputs) to return, in request order. */
export function selectOutputs(model: string, sig: Signature, requested: readonly string[]): number[] {
  if (!requested.length) return sig.outputs.map((_, i) => i);
  return requested.map((name) => {
    const i = sig.outputs.findIndex((o) => o.name === name);
    if (i < 0) throw new InvalidArgumentError(`unexpected inference output '${name}' for model '${model}'; its outputs are ${sig.outputs.map((o) => `'${o.name}'`).join(', ')}`);
    return i;
  });
}
