/** mlp (float baseline) for the shared trainer: normalised inputs, ReLU hidden layers, float weights. */
import { FamilyTrainer, floatStateTensors, transposeWeights } from '../training/family';
import { mlpConfigSchema } from './config';
import { InputNormalization, fitNormalization, imageNormalization, normalizeInputs } from './input-normalization';
import { MLP_FAMILY, floatFamilySignature, loadMlp, mlpForward, mlpTensors } from './model';

/** Normalisation of a dataset: 1/255 for 8-bit data, training mean / std for float CSV features. */
export function datasetNormalization(data: { inputKind: 'uint8' | 'float32'; features: number; train: { x: Uint8Array | Float32Array } }, trainRows: number): InputNormalization {
  return data.inputKind === 'uint8' ? imageNormalization(data.features) : fitNormalization(data.train.x, trainRows, data.features);
}

/** A preparer that gathers rows and normalises them like the artifact's forward pass does. */
export function normalizingPreparer(norm: InputNormalization, features: number) {
  return (x: Uint8Array | Float32Array, rows: ArrayLike<number>): Float32Array => {
    const out = new Float32Array(rows.length * features);
    for (let i = 0; i < rows.length; i++) out.set(normalizeInputs(x.subarray(rows[i] * features, (rows[i] + 1) * features), 1, norm), i * features);
    return out;
  };
}

/** The mlp family trainer. */
export const mlpTrainer: FamilyTrainer = {
  family: MLP_FAMILY,
  kind: 'float',
  schema: mlpConfigSchema,
  checkData() {
    // Any numeric features work.
  },
  preparer(data, trainRows) {
    const norm = datasetNormalization(data, trainRows);
    return { prepare: normalizingPreparer(norm, data.features), extra: { normalization: norm } };
  },
  artifact({ config, data, layers, consts, extra }) {
    const norm = extra.normalization as InputNormalization;
    const model = {
      inputSize: data.features,
      hiddenSizes: config.hiddenSizes,
      outputSize: data.classes,
      inputKind: data.inputKind,
      normalization: norm,
      layers: layers.map((l, i) => ({ weights: transposeWeights(l), scale: consts[i].scale, bias: consts[i].shift })),
    };
    return {
      signature: floatFamilySignature(model.inputSize, model.outputSize, model.inputKind),
      config: { ...config, inputSize: model.inputSize, hiddenSizes: model.hiddenSizes, outputSize: model.outputSize, inputKind: model.inputKind, ...(data.classNames ? { classNames: data.classNames } : {}), ...(data.featureNames ? { featureNames: data.featureNames } : {}) },
      tensors: { ...mlpTensors(model), ...floatStateTensors(layers) },
    };
  },
  forward(artifact, backend, x, n) {
    return mlpForward(loadMlp(artifact), backend, x, n);
  },
};
