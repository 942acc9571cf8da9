/** binaryconnect-mlp for the shared trainer: binary weights, ReLU activations, normalised inputs. */
import { FamilyTrainer, floatStateTensors } from '../training/family';
import { packTrainedWeights } from '../bnn-mlp/fold';
import { InputNormalization } from '../mlp/input-normalization';
import { floatFamilySignature } from '../mlp/model';
import { datasetNormalization, normalizingPreparer } from '../mlp/trainer';
import { binaryConnectMlpConfigSchema } from './config';
import { BINARYCONNECT_MLP_FAMILY, binaryConnectMlpForward, binaryConnectMlpTensors, loadBinaryConnectMlp } from './model';

/** The binaryconnect-mlp family trainer. */
export const binaryConnectMlpTrainer: FamilyTrainer = {
  family: BINARYCONNECT_MLP_FAMILY,
  kind: 'binaryconnect',
  schema: binaryConnectMlpConfigSchema,
  checkData() {
    // Any numeric features work.
  },
  preparer(data, trainRows) {
    const norm = datasetNormalization(data, trainRows);
    return { prepare: normalizingPreparer(norm, data.features), extra: { normalization: norm } };
  },
  artifact({ config, data, layers, consts, extra }) {
    const model = {
      inputSize: data.features,
      hiddenSizes: config.hiddenSizes,
      outputSize: data.classes,
      inputKind: data.inputKind,
      normalization: extra.normalization as InputNormalization,
      // Inference uses the deterministic signs of the real weights, also after stochastic training.
      layers: layers.map((l, i) => ({ weights: packTrainedWeights(l), scale: consts[i].scale, bias: consts[i].shift })),
    };
    return {
      signature: floatFamilySignature(model.inputSize, model.outputSize, model.inputKind),
      config: { ...config, inputSize: model.inputSize, hiddenSizes: model.hiddenSizes, outputSize: model.outputSize, inputKind: model.inputKind, ...(data.classNames ? { classNames: data.classNames } : {}), ...(data.featureNames ? { featureNames: data.featureNames } : {}) },
      tensors: { ...binaryConnectMlpTensors(model), ...floatStateTensors(layers) },
    };
  },
  forward(artifact, backend, x, n) {
    return binaryConnectMlpForward(loadBinaryConnectMlp(artifact), backend, x, n);
  },
};
