/** bnn-mlp for the shared trainer: raw 8-bit inputs, sign hidden activations, folding into thresholds. */
import { InvalidArgumentError } from '../../core/src/errors';
import { FamilyTrainer, floatStateTensors, gatherRows } from '../training/family';
import { bnnMlpConfigSchema } from './config';
import { foldBnnMlp } from './fold';
import { BNN_MLP_FAMILY, bnnMlpForward, bnnMlpSignature, bnnMlpTensors, loadBnnMlp } from './model';

/** The bnn-mlp family trainer. */
export const bnnMlpTrainer: FamilyTrainer = {
  family: BNN_MLP_FAMILY,
  kind: 'bnn',
  schema: bnnMlpConfigSchema,
  checkData(data) {
    if (data.inputKind !== 'uint8') {
      throw new InvalidArgumentError(`dataset '${data.ref}': bnn-mlp takes 8-bit inputs (its first layer works on bit-planes), but the features are not all integers 0..255; use binaryconnect-mlp or mlp`);
    }
  },
  preparer(data) {
    // The first layer sees the raw 8-bit values, exactly as the artifact's bit-plane layer does.
    return { prepare: (x, rows) => gatherRows(x, rows, data.features), extra: {} };
  },
  artifact({ config, data, layers, consts }) {
    const model = foldBnnMlp(layers.map((l, i) => ({ inSize: l.inSize, outSize: l.outSize, weights: l.weights, scale: consts[i].scale, shift: consts[i].shift })));
    return {
      signature: bnnMlpSignature(model.inputSize, model.outputSize),
      config: { ...config, inputSize: model.inputSize, hiddenSizes: model.hiddenSizes, outputSize: model.outputSize, ...(data.classNames ? { classNames: data.classNames } : {}) },
      tensors: { ...bnnMlpTensors(model), ...floatStateTensors(layers) },
    };
  },
  forward(artifact, backend, x, n) {
    if (!(x instanceof Uint8Array)) throw new InvalidArgumentError('bnn-mlp takes UINT8 input');
    return bnnMlpForward(loadBnnMlp(artifact), backend, x, n).logits;
  },
};
