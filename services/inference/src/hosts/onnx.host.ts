/** Serves family `onnx` (an exported model.onnx beside the manifest) through onnxruntime-node. */
import * as ort from 'onnxruntime-node';
import { LoadedArtifact } from '../../../../libs/core/src/artifact';
import { KServeDatatype } from '../../../../libs/core/src/dtypes';
import { CorruptArtifactError } from '../../../../libs/core/src/errors';
import { Tensor, TensorData } from '../tensors/tensor';
import { HostInputs, ModelHost } from './model-host';

export const ONNX_FAMILY = 'onnx';
export const ONNX_MODEL_FILE = 'model.onnx';

const ORT_TYPES: Record<KServeDatatype, ort.Tensor.Type> = {
  BOOL: 'bool', UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64', INT8: 'int8', INT16: 'int16',
  INT32: 'int32', INT64: 'int64', FP16: 'float16', FP32: 'float32', FP64: 'float64', BYTES: 'string',
};

function toOrt(t: Tensor): ort.Tensor {
  const type = ORT_TYPES[t.datatype];
  if (t.datatype === 'BYTES') {
    return new ort.Tensor('string', (t.data as Uint8Array[]).map((b) => Buffer.from(b).toString('utf8')), t.shape);
  }
  return new ort.Tensor(type, t.data as Exclude<TensorData, Uint8Array[]>, t.shape);
}

function fromOrt(name: string, datatype: KServeDatatype, v: ort.Tensor): Tensor {
  const shape = v.dims.map(Number);
  const data = datatype === 'BYTES' ? (v.data as string[]).map((s) => Buffer.from(s, 'utf8')) : (v.data as Exclude<TensorData, Uint8Array[]>);
  return { name, datatype, shape, data };
}

/** An onnxruntime host; the manifest's signature must name the graph's inputs and outputs. */
export async function createOnnxHost(artifact: LoadedArtifact): Promise<ModelHost> {
  const { manifest } = artifact;
  const file = artifact.file(ONNX_MODEL_FILE);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, { executionMode: 'sequential', graphOptimizationLevel: 'all' });
  } catch (e) {
    throw new CorruptArtifactError(`artifact ${manifest.name}:${manifest.version}: onnxruntime cannot load ${file}: ${(e as Error).message}`);
  }
  const { inputs, outputs } = manifest.signature;
  const missing = [
    ...inputs.filter((s) => !session.inputNames.includes(s.name)).map((s) => `input '${s.name}'`),
    ...outputs.filter((s) => !session.outputNames.includes(s.name)).map((s) => `output '${s.name}'`),
  ];
  if (missing.length) {
    await session.release();
    throw new CorruptArtifactError(
      `artifact ${manifest.name}:${manifest.version}: the manifest's ${missing.join(', ')} not in ${ONNX_MODEL_FILE} (graph inputs ${session.inputNames.join(', ')}; outputs ${session.outputNames.join(', ')})`,
    );
  }
  const outputNames = outputs.map((o) => o.name);
  const batchable = [...inputs, ...outputs].every((s) => s.shape.length >= 1 && s.shape[0] === -1);
  return {
    name: manifest.name,
    version: manifest.version,
    family: ONNX_FAMILY,
    platform: 'onnxruntime_onnx',
    signature: manifest.signature,
    device: 'onnxruntime',
    batchable,
    async infer(feeds: HostInputs) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const s of inputs) ortFeeds[s.name] = toOrt(feeds.get(s.name)!);
      const result = await session.run(ortFeeds, outputNames);
      return outputs.map((s) => fromOrt(s.name, s.datatype, result[s.name]));
    },
    async dispose() {
      await session.release();
    },
  };
}
