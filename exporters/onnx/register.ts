/**
 * An exported ONNX file as a registry version (ARCHITECTURE.md): family `onnx`, the file as `model.onnx` beside the
 * manifest with its sha256 in `manifest.files`, the signature read from the graph's inputs and outputs. The model must
 * load in onnxruntime-node (that is how the inference service serves it), so QONNX files are refused.
 */
import * as ort from 'onnxruntime-node';
import { Manifest, Signature, TensorSpec, TrainingRecord } from '../../libs/core/src/artifact';
import { KServeDatatype } from '../../libs/core/src/dtypes';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { ModelRegistry } from '../../libs/core/src/registry';
import { DataType, ModelProto, ValueInfoProto, decodeModel } from './onnx-schema';

/** Family of registry versions that hold an ONNX file. */
export const ONNX_FAMILY = 'onnx';
/** File name of the model inside such a version. */
export const ONNX_FILE = 'model.onnx';

const KSERVE: Record<number, KServeDatatype> = {
  [DataType.FLOAT]: 'FP32', [DataType.UINT8]: 'UINT8', [DataType.INT8]: 'INT8', [DataType.UINT16]: 'UINT16', [DataType.INT16]: 'INT16',
  [DataType.INT32]: 'INT32', [DataType.INT64]: 'INT64', [DataType.STRING]: 'BYTES', [DataType.BOOL]: 'BOOL', [DataType.FLOAT16]: 'FP16',
  [DataType.DOUBLE]: 'FP64', [DataType.UINT32]: 'UINT32', [DataType.UINT64]: 'UINT64',
};

function spec(vi: ValueInfoProto): TensorSpec {
  const t = vi.type?.tensor_type;
  const datatype = t?.elem_type === undefined ? undefined : KSERVE[t.elem_type];
  if (!vi.name || !datatype) throw new InvalidArgumentError(`ONNX value '${vi.name ?? ''}' is not a tensor of a KServe datatype (elem_type ${t?.elem_type})`);
  const shape = (t?.shape?.dim ?? []).map((d) => (d.dim_value !== undefined && d.dim_value > 0 ? Number(d.dim_value) : -1));
  return { name: vi.name, datatype, shape };
}

/** The KServe signature of an ONNX model: graph inputs that are not initializers, and graph outputs. */
export function onnxSignature(model: ModelProto): Signature {
  const g = model.graph;
  if (!g) throw new InvalidArgumentError('ONNX model has no graph');
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  return { inputs: (g.input ?? []).filter((i) => !inits.has(i.name)).map(spec), outputs: (g.output ?? []).map(spec) };
}

/** What is recorded about the file's origin (from its bitplane.* metadata when present). */
function config(model: ModelProto): Record<string, unknown> {
  const meta = Object.fromEntries((model.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  return {
    irVersion: model.ir_version,
    opsets: (model.opset_import ?? []).map((o) => ({ domain: o.domain ?? '', version: o.version })),
    producer: model.producer_name ?? '',
    ...(meta['bitplane.model'] ? { source: meta['bitplane.model'], sourceFamily: meta['bitplane.family'], sourceSha256: meta['bitplane.sha256'], target: meta['bitplane.target'] } : {}),
  };
}

/**
 * Stores `bytes` (a model.onnx) as the next version of `name` in `registry`; returns its manifest and directory.
 * `training` (e.g. the source artifact's record, with its test accuracy) is copied into the manifest when given.
 */
export async function registerOnnxModel(registry: ModelRegistry, name: string, bytes: Uint8Array, training?: TrainingRecord): Promise<{ manifest: Manifest; dir: string }> {
  const model = decodeModel(bytes);
  const custom = (model.graph?.node ?? []).filter((n) => n.domain && n.domain !== 'ai.onnx');
  if (custom.length) {
    throw new InvalidArgumentError(`ONNX model uses custom-domain ops (${[...new Set(custom.map((n) => `${n.domain}:${n.op_type}`))].join(', ')}) that onnxruntime cannot serve; register an 'onnx' or 'onnx-float' export`);
  }
  const signature = onnxSignature(model);
  try {
    const session = await ort.InferenceSession.create(bytes);
    await session.release();
  } catch (e) {
    throw new InvalidArgumentError(`onnxruntime cannot load this model: ${(e as Error).message}`);
  }
  return registry.save({ name, family: ONNX_FAMILY, signature, config: config(model), ...(training ? { training } : {}) }, {}, { [ONNX_FILE]: bytes });
}
