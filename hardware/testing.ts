/** Helpers for hardware exporter tests: random bnn-mlp artifacts in a temporary registry. */
import { LoadedArtifact } from '../libs/core/src/artifact';
import { ModelRegistry } from '../libs/core/src/registry';
import { Rng } from '../libs/core/src/random';
import { BnnMlpModel, bnnMlpSignature, bnnMlpTensors } from '../libs/models/bnn-mlp/model';
import { randomBnnMlp } from '../libs/models/bnn-mlp/testing';

/**
 * Saves a random bnn-mlp of `sizes` (input, hidden..., classes) and returns the loaded artifact and model.
 * At least one hidden unit has direction -1 and at least one class a negative scale, whatever the draw.
 */
export function saveRandomBnnMlp(root: string, name: string, sizes: number[], rng: Rng): { artifact: LoadedArtifact; model: BnnMlpModel } {
  const model = randomBnnMlp(rng, sizes[0], sizes.slice(1, -1), sizes[sizes.length - 1]);
  for (const h of model.hidden) h.directions[rng.int(h.directions.length)] = -1;
  model.output.scale[rng.int(model.outputSize)] *= -1;
  const reg = new ModelRegistry(root);
  const { manifest } = reg.save(
    {
      name,
      family: 'bnn-mlp',
      signature: bnnMlpSignature(model.inputSize, model.outputSize),
      config: { inputSize: model.inputSize, hiddenSizes: model.hiddenSizes, outputSize: model.outputSize },
      training: { dataset: 'random (test)' },
    },
    bnnMlpTensors(model),
  );
  return { artifact: reg.get(name, manifest.version), model };
}

/** Saves an artifact of another family (for wrong-family errors). */
export function saveOtherFamily(root: string, family: string): LoadedArtifact {
  const reg = new ModelRegistry(root);
  const { manifest } = reg.save(
    {
      name: `other-${family}`,
      family,
      signature: { inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 2] }] },
      config: {},
    },
    { 'layer0.weights': { data: new Float32Array(8).fill(0.5), shape: [2, 4] } },
  );
  return reg.get(`other-${family}`, manifest.version);
}
