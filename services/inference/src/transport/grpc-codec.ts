/** ModelInferRequest -> checked tensors, and tensors -> ModelInferResponse (outputs in raw_output_contents, as Triton does). */
import { KServeDatatype } from '../../../../libs/core/src/dtypes';
import { InvalidArgumentError } from '../../../../libs/core/src/errors';
import { ModelHost } from '../hosts/model-host';
import { decodeRaw, encodeRaw } from '../tensors/raw';
import { Tensor, elementCount } from '../tensors/tensor';
import { checkFinite, checkInputHeader, checkInputSet, checkSameRows, selectOutputs, valuesToData } from '../tensors/validate';
import { InferTensorContents, ModelInferRequest, ModelInferResponse } from './wire';

/** A request ready for the batcher. */
export interface DecodedRequest {
  inputs: Map<string, Tensor>;
  /** Rows along dimension 0 (1 when the model is not batchable). */
  rows: number;
  /** Indices into the signature's outputs, in the order to return them. */
  outputs: number[];
}

const CONTENTS_FIELD: Record<KServeDatatype, keyof InferTensorContents | undefined> = {
  BOOL: 'bool_contents', UINT8: 'uint_contents', UINT16: 'uint_contents', UINT32: 'uint_contents', UINT64: 'uint64_contents',
  INT8: 'int_contents', INT16: 'int_contents', INT32: 'int_contents', INT64: 'int64_contents',
  FP16: undefined, FP32: 'fp32_contents', FP64: 'fp64_contents', BYTES: 'bytes_contents',
};

function hasContents(c: InferTensorContents | null | undefined): boolean {
  if (!c) return false;
  return Object.values(c).some((v) => Array.isArray(v) && v.length > 0);
}

/** Decodes and checks a request against the host's signature (see tensors/validate.ts for the messages). */
export function decodeInferRequest(req: ModelInferRequest, host: ModelHost): DecodedRequest {
  const model = host.name;
  const sig = host.signature;
  const raw = req.raw_input_contents ?? [];
  const inputs = req.inputs ?? [];
  if (raw.length) {
    const both = inputs.find((i) => hasContents(i.contents));
    if (both) {
      throw new InvalidArgumentError(`contents field must not be specified when using raw_input_contents for '${both.name}' for model '${model}'`);
    }
    if (raw.length !== inputs.length) {
      throw new InvalidArgumentError(`expected ${inputs.length} raw_input_contents entries (one per input, in order) but got ${raw.length} for model '${model}'`);
    }
  }
  checkInputSet(model, sig, inputs.map((i) => i.name));
  const tensors = new Map<string, Tensor>();
  inputs.forEach((input, k) => {
    const { spec, shape } = checkInputHeader(model, sig, input);
    const count = elementCount(shape);
    let data;
    if (raw.length) {
      data = decodeRaw(spec.datatype, count, raw[k], `'${input.name}' for model '${model}'`);
      checkFinite(model, input.name, spec.datatype, data);
    } else {
      const field = CONTENTS_FIELD[spec.datatype];
      if (!field) throw new InvalidArgumentError(`input '${input.name}' for model '${model}' is ${spec.datatype}, which travels only as raw_input_contents`);
      data = valuesToData(model, input.name, spec.datatype, count, (input.contents?.[field] ?? []) as unknown[], `contents.${field}`);
    }
    tensors.set(input.name, { name: input.name, datatype: spec.datatype, shape, data });
  });
  const rows = host.batchable ? checkSameRows(model, [...tensors.values()]) : 1;
  const outputs = selectOutputs(model, sig, (req.outputs ?? []).map((o) => o.name));
  return { inputs: tensors, rows, outputs };
}

/** Builds the response: tensor headers in `outputs`, their bytes in raw_output_contents. */
export function encodeInferResponse(host: ModelHost, id: string, outputs: Tensor[], selected: number[]): ModelInferResponse {
  const chosen = selected.map((i) => outputs[i]);
  return {
    model_name: host.name,
    model_version: String(host.version),
    id,
    outputs: chosen.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(String), contents: null })),
    raw_output_contents: chosen.map((t) => encodeRaw(t.data)),
  };
}
