/** Serves family `bnn-mlp` on the selected kernel backend (the forward pass lives in libs/models/bnn-mlp). */
import { LoadedArtifact } from '../../../../libs/core/src/artifact';
import { BNN_MLP_FAMILY, bnnMlpForward, loadBnnMlp } from '../../../../libs/models/bnn-mlp/model';
import { HostContext } from './host-context';
import { HostInputs, ModelHost } from './model-host';
import { checkSignature } from './signature-check';

/** A bnn-mlp host: UINT8 `input` [-1, inputSize] in, FP32 `logits` [-1, classes] out. */
export function createBnnMlpHost(artifact: LoadedArtifact, ctx: HostContext): ModelHost {
  const { manifest } = artifact;
  const model = loadBnnMlp(artifact);
  checkSignature(manifest, [['input', 'UINT8', model.inputSize]], [['logits', 'FP32', model.outputSize]]);
  const backend = ctx.backend;
  return {
    name: manifest.name,
    version: manifest.version,
    family: BNN_MLP_FAMILY,
    platform: `bitplane_${BNN_MLP_FAMILY}`,
    signature: manifest.signature,
    device: backend.name,
    batchable: true,
    infer(inputs: HostInputs) {
      const x = inputs.get('input')!;
      const n = x.shape[0];
      const { logits } = bnnMlpForward(model, backend, x.data as Uint8Array, n);
      return [{ name: 'logits', datatype: 'FP32', shape: [n, model.outputSize], data: logits }];
    },
    dispose() {},
  };
}
