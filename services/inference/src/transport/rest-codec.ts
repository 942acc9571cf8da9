/** KServe V2 REST JSON <-> tensors: `data` as flat or nested arrays (row-major), BYTES as strings. */
import { InvalidArgumentError } from '../../../../libs/core/src/errors';
import { ModelHost } from '../hosts/model-host';
import { Tensor, TensorData, elementCount } from '../tensors/tensor';
import { checkInputHeader, checkInputSet, checkSameRows, selectOutputs, valuesToData } from '../tensors/validate';
import { DecodedInputs } from '../inference-engine';

/** One input of a REST infer request. */
export interface RestInput {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  data: unknown;
}

/** A REST infer request body. */
export interface RestInferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: RestInput[];
  outputs?: Array<{ name: string; parameters?: Record<string, unknown> }>;
}

function flatten(data: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data);
  return out;
}

/** Checks the body's shape (not its tensors) and throws an InvalidArgumentError naming what is missing. */
export function checkRestBody(model: string, body: unknown): RestInferRequest {
  const b = body as RestInferRequest;
  if (!b || typeof b !== 'object' || !Array.isArray(b.inputs)) {
    throw new InvalidArgumentError(`infer request for model '${model}' must be a JSON object with an 'inputs' array`);
  }
  b.inputs.forEach((i, k) => {
    if (!i || typeof i.name !== 'string' || typeof i.datatype !== 'string' || !Array.isArray(i.shape) || !('data' in i)) {
      throw new InvalidArgumentError(`inputs[${k}] of the request for model '${model}' needs 'name', 'shape', 'datatype' and 'data'`);
    }
  });
  if (b.outputs !== undefined && !Array.isArray(b.outputs)) throw new InvalidArgumentError(`'outputs' of the request for model '${model}' must be an array`);
  return b;
}

/** Decodes and checks a REST request against the host's signature. */
export function decodeRestRequest(body: RestInferRequest, host: ModelHost): DecodedInputs {
  const model = host.name;
  const sig = host.signature;
  checkInputSet(model, sig, body.inputs.map((i) => i.name));
  const inputs = new Map<string, Tensor>();
  for (const input of body.inputs) {
    const { spec, shape } = checkInputHeader(model, sig, input);
    const data = valuesToData(model, input.name, spec.datatype, elementCount(shape), flatten(input.data), 'data');
    inputs.set(input.name, { name: input.name, datatype: spec.datatype, shape, data });
  }
  const rows = host.batchable ? checkSameRows(model, [...inputs.values()]) : 1;
  return { inputs, rows, outputs: selectOutputs(model, sig, (body.outputs ?? []).map((o) => o.name)) };
}

function toJsonValues(data: TensorData): unknown[] {
  if (Array.isArray(data)) return data.map((b) => Buffer.from(b).toString('utf8'));
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return Array.from(data, (v) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()));
  }
  return Array.from(data as ArrayLike<number>);
}

/** The REST response body. */
export function encodeRestResponse(host: ModelHost, id: string | undefined, outputs: Tensor[], selected: number[]): object {
  return {
    model_name: host.name,
    model_version: String(host.version),
    ...(id ? { id } : {}),
    outputs: selected.map((i) => outputs[i]).map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, data: toJsonValues(t.data) })),
  };
}
