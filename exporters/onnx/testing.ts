/** Test models for the ONNX exporters: random bnn-mlps with the edge cases every graph must get right. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { maxAccumulator, packSigns } from '../../libs/core/src/bitplanes';
import { Rng } from '../../libs/core/src/random';
import { ModelRegistry } from '../../libs/core/src/registry';
import { BNN_MLP_FAMILY, BnnMlpModel, bnnMlpSignature, bnnMlpTensors } from '../../libs/models/bnn-mlp/model';
import { randomBnnMlp } from '../../libs/models/bnn-mlp/testing';
import { binaryConnectMlpTensors } from '../../libs/models/binaryconnect-mlp/model';
import { imageNormalization } from '../../libs/models/mlp/input-normalization';
import { InputKind, floatFamilySignature, mlpTensors } from '../../libs/models/mlp/model';

const tempDirs: string[] = [];
process.on('exit', () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A temporary directory removed when the test process exits. */
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(d);
  return d;
}

/**
 * randomBnnMlp plus, in every hidden layer with room: a direction -1 unit, a unit stuck at -1 and one stuck at +1
 * (thresholds just outside the reachable range, as folding encodes a zero BN scale), and a negative output scale.
 */
export function edgeCaseBnnMlp(rng: Rng, inputSize: number, hiddenSizes: number[], outputSize: number): BnnMlpModel {
  const m = randomBnnMlp(rng, inputSize, hiddenSizes, outputSize);
  const sizes = [inputSize, ...hiddenSizes];
  m.hidden.forEach((h, i) => {
    const max = maxAccumulator(sizes[i], i === 0);
    h.directions[0] = -1;
    if (h.thresholds.length >= 3) {
      h.directions[1] = 1;
      h.thresholds[1] = max + 1; // never reached: always -1
      h.directions[2] = 1;
      h.thresholds[2] = -(max + 1); // always +1
    }
  });
  m.output.scale[0] = -Math.abs(m.output.scale[0]);
  return m;
}

/** A temporary registry holding `m` as `name`:1; returns the loaded artifact and the registry root. */
export function registryWith(m: BnnMlpModel, name = 'onnx-test'): { registry: ModelRegistry; artifact: LoadedArtifact; root: string } {
  const root = tempDir('bitplane-onnx-');
  const registry = new ModelRegistry(root);
  registry.save(
    { name, family: BNN_MLP_FAMILY, signature: bnnMlpSignature(m.inputSize, m.outputSize), config: { inputSize: m.inputSize, hiddenSizes: m.hiddenSizes, outputSize: m.outputSize } },
    bnnMlpTensors(m),
  );
  return { registry, artifact: registry.get(name), root };
}

/** A temporary registry holding a random mlp or binaryconnect-mlp (UINT8 images or FP32 features) as `name`:1. */
export function floatFamilyRegistry(rng: Rng, family: 'mlp' | 'binaryconnect-mlp', inputKind: InputKind, inputSize: number, hiddenSizes: number[], outputSize: number, name = 'onnx-float-test') {
  const sizes = [inputSize, ...hiddenSizes, outputSize];
  const normalization = inputKind === 'uint8'
    ? imageNormalization(inputSize)
    : { offset: Float32Array.from({ length: inputSize }, () => rng.normal()), scale: Float32Array.from({ length: inputSize }, () => 0.5 + rng.next()) };
  const layer = (i: number) => ({
    scale: Float32Array.from({ length: sizes[i + 1] }, () => (rng.next() < 0.8 ? 1 : -1) * (0.05 + rng.next() * 0.3)),
    bias: Float32Array.from({ length: sizes[i + 1] }, () => rng.normal() * 0.5),
  });
  const base = { inputSize, hiddenSizes, outputSize, inputKind, normalization };
  const tensors = family === 'mlp'
    ? mlpTensors({ ...base, layers: sizes.slice(1).map((out, i) => ({ weights: Float32Array.from({ length: out * sizes[i] }, () => rng.normal() / Math.sqrt(sizes[i])), ...layer(i) })) })
    : binaryConnectMlpTensors({ ...base, layers: sizes.slice(1).map((out, i) => ({ weights: packSigns(Float32Array.from({ length: out * sizes[i] }, () => rng.next() - 0.5), out, sizes[i]), ...layer(i) })) });
  const root = tempDir('bitplane-onnx-float-');
  const registry = new ModelRegistry(root);
  registry.save({ name, family, signature: floatFamilySignature(inputSize, outputSize, inputKind), config: { inputSize, hiddenSizes, outputSize, inputKind } }, tensors);
  return { registry, artifact: registry.get(name), root };
}
