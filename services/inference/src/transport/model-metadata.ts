/** ModelMetadata for gRPC and REST: versions from the registry, platform and signature from the served host. */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { grpcStatusOf } from '../../../common/src/grpc-errors';
import { ModelRepository } from '../repository/model-repository';
import { ModelMetadataResponse } from './wire';

/** Metadata of a model version (pinned, or the newest ready; a version that failed to load is described from its manifest). */
export async function modelMetadata(repo: ModelRepository, name: string, version?: string): Promise<ModelMetadataResponse> {
  const versions = repo.versionsOf(name).map(String);
  let platform: string;
  let signature;
  try {
    const served = await repo.resolve(name, version);
    platform = served.host!.platform;
    signature = served.host!.signature;
  } catch (e) {
    if (grpcStatusOf(e).code !== GrpcStatus.UNAVAILABLE) throw e;
    const m = repo.registry.manifest(name, version ? Number(version) : undefined);
    platform = m.family === 'onnx' ? 'onnxruntime_onnx' : `bitplane_${m.family}`;
    signature = m.signature;
  }
  const meta = (t: { name: string; datatype: string; shape: number[] }) => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(String) });
  return { name, versions, platform, inputs: signature.inputs.map(meta), outputs: signature.outputs.map(meta) };
}
