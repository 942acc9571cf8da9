/**
 * Serves the float-activation families `mlp` (float weights, sgemm) and `binaryconnect-mlp` (binary weights,
 * binaryWeightGemm) on the selected kernel backend; their forward passes live in libs/models.
 */
import { LoadedArtifact } from '../../../../libs/core/src/artifact';
import { BINARYCONNECT_MLP_FAMILY, binaryConnectMlpForward, loadBinaryConnectMlp } from '../../../../libs/models/binaryconnect-mlp/model';
import { MLP_FAMILY, loadMlp, mlpForward } from '../../../../libs/models/mlp/model';
import { HostContext } from './host-context';
import { HostInputs, ModelHost } from './model-host';
import { checkSignature } from './signature-check';

interface FloatModel {
  inputSize: number;
  outputSize: number;
  inputKind: 'uint8' | 'float32';
}

function floatHost<M extends FloatModel>(
  family: string,
  artifact: LoadedArtifact,
  ctx: HostContext,
  model: M,
  forward: (m: M, x: Uint8Array | Float32Array, n: number) => Float32Array,
): ModelHost {
  const { manifest } = artifact;
  checkSignature(manifest, [['input', model.inputKind === 'uint8' ? 'UINT8' : 'FP32', model.inputSize]], [['logits', 'FP32', model.outputSize]]);
  return {
    name: manifest.name,
    version: manifest.version,
    family,
    platform: `bitplane_${family}`,
    signature: manifest.signature,
    device: ctx.backend.name,
    batchable: true,
    infer(inputs: HostInputs) {
      const x = inputs.get('input')!;
      const n = x.shape[0];
      const logits = forward(model, x.data as Uint8Array | Float32Array, n);
      return [{ name: 'logits', datatype: 'FP32', shape: [n, model.outputSize], data: logits }];
    },
    dispose() {},
  };
}

/** An `mlp` host. */
export function createMlpHost(artifact: LoadedArtifact, ctx: HostContext): ModelHost {
  return floatHost(MLP_FAMILY, artifact, ctx, loadMlp(artifact), (m, x, n) => mlpForward(m, ctx.backend, x, n));
}

/** A `binaryconnect-mlp` host. */
export function createBinaryConnectMlpHost(artifact: LoadedArtifact, ctx: HostContext): ModelHost {
  return floatHost(BINARYCONNECT_MLP_FAMILY, artifact, ctx, loadBinaryConnectMlp(artifact), (m, x, n) => binaryConnectMlpForward(m, ctx.backend, x, n));
}
