/** The client behind `bitplane infer`: reads the model's metadata, sends one ModelInfer with raw tensors, decodes the outputs. */
import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { KServeDatatype } from '../../../../libs/core/src/dtypes';
import { InvalidArgumentError } from '../../../../libs/core/src/errors';
import { decodeRaw, encodeRaw } from '../tensors/raw';
import { Tensor, TensorData, allocate, elementCount } from '../tensors/tensor';
import { inferenceClient, unary } from './inference-client';
import { ModelInferResponse, ModelMetadataResponse } from '../transport/wire';
import { LoadedInput, loadInput } from './input-files';

/** What `bitplane infer` asks for. */
export interface InferCommandOptions {
  model: string;
  input: string;
  url: string;
  version?: string;
  /** PEM CA certificate: connect with TLS. */
  tlsCa?: string;
  timeoutMs?: number;
}

/** The answer, decoded. */
export interface InferCommandResult {
  model: string;
  version: string;
  input: LoadedInput;
  outputs: Tensor[];
  /** Argmax per row of the first 2-D FP32 output, ties to the lowest index. */
  predicted?: number[];
  latencyMs: number;
}

function convert(t: LoadedInput['tensor'], want: KServeDatatype, source: string): TensorData {
  if (t.datatype === want) return t.data;
  if (Array.isArray(t.data) || want === 'BYTES') throw new InvalidArgumentError(`${source} holds ${t.datatype}, the model expects ${want}`);
  const n = t.data.length;
  const out = allocate(want, n) as Float32Array;
  for (let i = 0; i < n; i++) {
    const v = Number((t.data as Float32Array)[i]);
    out[i] = v;
    if (out[i] !== v) throw new InvalidArgumentError(`${source} holds ${t.datatype} value ${v} at element ${i}, which ${want} cannot represent exactly; convert the file to ${want}`);
  }
  return out;
}

/** Runs one inference against a server (see module doc). */
export async function runInfer(opts: InferCommandOptions): Promise<InferCommandResult> {
  const creds = opts.tlsCa ? grpc.credentials.createSsl(fs.readFileSync(opts.tlsCa)) : grpc.credentials.createInsecure();
  const client = inferenceClient(opts.url, creds);
  const deadline = () => ({ deadline: Date.now() + (opts.timeoutMs ?? 30000) });
  try {
    const md = await unary<ModelMetadataResponse>(client, 'ModelMetadata', { name: opts.model, version: opts.version ?? '' }, new grpc.Metadata(), deadline());
    if (md.inputs.length !== 1) throw new InvalidArgumentError(`model '${opts.model}' takes ${md.inputs.length} inputs; bitplane infer sends one (use a gRPC client for more)`);
    const spec = md.inputs[0];
    const input = loadInput(opts.input, spec.datatype as KServeDatatype);
    const datatype = spec.datatype as KServeDatatype;
    const data = convert(input.tensor, datatype, input.source);
    // A single row given without a batch dimension gets one.
    const shape = input.tensor.shape.length === spec.shape.length - 1 ? [1, ...input.tensor.shape] : input.tensor.shape;
    const t0 = performance.now();
    const res = await unary<ModelInferResponse>(
      client,
      'ModelInfer',
      { model_name: opts.model, model_version: opts.version ?? '', inputs: [{ name: spec.name, datatype, shape }], raw_input_contents: [encodeRaw(data)] },
      new grpc.Metadata(),
      deadline(),
    );
    const latencyMs = performance.now() - t0;
    const outputs: Tensor[] = res.outputs.map((o, i) => {
      const oshape = o.shape.map(Number);
      return { name: o.name, datatype: o.datatype as KServeDatatype, shape: oshape, data: decodeRaw(o.datatype as KServeDatatype, elementCount(oshape), new Uint8Array(res.raw_output_contents[i]), `'${o.name}'`) };
    });
    const first = outputs.find((o) => o.datatype === 'FP32' && o.shape.length === 2);
    let predicted: number[] | undefined;
    if (first) {
      const [n, c] = first.shape;
      const v = first.data as Float32Array;
      predicted = Array.from({ length: n }, (_, r) => {
        let best = 0;
        for (let j = 1; j < c; j++) if (v[r * c + j] > v[r * c + best]) best = j;
        return best;
      });
    }
    return { model: res.model_name, version: res.model_version, input: { ...input, tensor: { ...input.tensor, shape } }, outputs, predicted, latencyMs };
  } finally {
    client.close();
  }
}

/** Human-readable lines for a result. */
export function formatInferResult(r: InferCommandResult): string[] {
  const lines = [`model ${r.model} version ${r.version}; input ${r.input.source} [${r.input.tensor.shape.join(', ')}] ${r.input.tensor.datatype}; ${r.latencyMs.toFixed(2)} ms`];
  for (const o of r.outputs) {
    lines.push(`${o.name} ${o.datatype} [${o.shape.join(', ')}]`);
    const rows = o.shape.length >= 2 ? o.shape[0] : 1;
    const per = elementCount(o.shape) / rows;
    for (let i = 0; i < rows; i++) {
      const slice = Array.isArray(o.data) ? o.data.slice(i * per, (i + 1) * per).map((b) => Buffer.from(b).toString('utf8')) : Array.from(o.data.slice(i * per, (i + 1) * per) as ArrayLike<number>, (v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : String(v)));
      lines.push(`  [${i}] ${slice.join(' ')}`);
    }
  }
  if (r.predicted) {
    r.predicted.forEach((p, i) => lines.push(`row ${i}: predicted class ${p}${r.input.labels ? ` (label ${r.input.labels[i]}${r.input.labels[i] === p ? ', correct' : ''})` : ''}`));
    if (r.input.labels) {
      const correct = r.predicted.filter((p, i) => p === r.input.labels![i]).length;
      lines.push(`accuracy ${correct}/${r.predicted.length}`);
    }
  }
  return lines;
}
