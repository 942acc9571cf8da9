/** What each trainable family supplies to the shared trainer: its schema, input preparation, artifact and forward pass. */
import { z } from 'zod';
import { LoadedArtifact, Signature, TensorInput } from '../../core/src/artifact';
import { KernelBackend } from '../../kernels/src/backend';
import { MlpTrainingConfig } from './config';
import { ClassificationData } from './dataset';
import { EvalConstants, LayerState, MlpKind } from './mlp-graph';
import { PrepareRows } from './trainer';

/** The families the trainer knows. */
export type TrainableFamilyName = 'bnn-mlp' | 'binaryconnect-mlp' | 'mlp';

/** The artifact a family builds from trained layers. */
export interface FamilyArtifact {
  signature: Signature;
  config: Record<string, unknown>;
  tensors: Record<string, TensorInput>;
}

/** A trainable family. */
export interface FamilyTrainer {
  family: TrainableFamilyName;
  kind: MlpKind;
  schema: z.ZodType<MlpTrainingConfig, z.ZodTypeDef, unknown>;
  /** Throws InvalidArgumentError when the family cannot train on this data (e.g. bnn-mlp needs 8-bit inputs). */
  checkData(data: Pick<ClassificationData, 'ref' | 'inputKind' | 'features' | 'classes'>): void;
  /** How rows of the dataset become the graph's float inputs (fitted on training rows where needed). */
  preparer(data: ClassificationData, trainRows: number): { prepare: PrepareRows; extra: Record<string, unknown> };
  /** The artifact of trained layers (best weights, eval-mode constants). */
  artifact(args: { config: MlpTrainingConfig; data: ClassificationData; layers: LayerState[]; consts: EvalConstants[]; extra: Record<string, unknown> }): FamilyArtifact;
  /** Logits of the saved artifact's own forward pass on a kernel backend. */
  forward(artifact: LoadedArtifact, backend: KernelBackend, x: Uint8Array | Float32Array, n: number): Float32Array;
}

/** Transposes trained weights [in, out] to the artifact's row-major [out, in]. */
export function transposeWeights(l: LayerState): Float32Array {
  const t = new Float32Array(l.inSize * l.outSize);
  for (let i = 0; i < l.inSize; i++) for (let j = 0; j < l.outSize; j++) t[j * l.inSize + i] = l.weights[i * l.outSize + j];
  return t;
}

/**
 * The real-valued training state every artifact also carries (so training can resume or fine-tune):
 * `float.layer{i}.weights` float32 [out, in] and `float.layer{i}.{gamma,beta,runningMean,runningVar}` float32 [out].
 */
export function floatStateTensors(layers: LayerState[]): Record<string, TensorInput> {
  const t: Record<string, TensorInput> = {};
  layers.forEach((l, i) => {
    t[`float.layer${i}.weights`] = { data: transposeWeights(l), shape: [l.outSize, l.inSize] };
    for (const f of ['gamma', 'beta', 'runningMean', 'runningVar'] as const) t[`float.layer${i}.${f}`] = { data: Float32Array.from(l[f]), shape: [l.outSize] };
  });
  return t;
}

/** Gathers rows of a split as float values (no normalisation). */
export function gatherRows(x: Uint8Array | Float32Array, rows: ArrayLike<number>, features: number): Float32Array {
  const out = new Float32Array(rows.length * features);
  for (let i = 0; i < rows.length; i++) {
    const base = rows[i] * features;
    for (let j = 0; j < features; j++) out[i * features + j] = x[base + j];
  }
  return out;
}
