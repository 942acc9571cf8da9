/**
 * Hyperparameters shared by the three MLP families (zod schemas: validated, with defaults). Each family's own
 * schema (libs/models/<family>/config.ts) extends this one with its options and defaults.
 */
import { z } from 'zod';

/** Fields every MLP trainer accepts. Unknown keys are refused so a typo is an error, not a silent default. */
export const baseTrainingFields = {
  epochs: z.number().int().min(1).max(10000).default(10),
  hiddenSizes: z.array(z.number().int().min(1).max(65536)).min(1).max(16).default([1024, 1024]),
  batchSize: z.number().int().min(1).max(65536).default(100),
  learningRate: z.number().positive().max(10).default(0.003),
  /** Exponential decay per epoch: lr(e) = learningRate * learningRateDecay^e. */
  learningRateDecay: z.number().positive().max(1).default(0.8),
  optimizer: z.enum(['adam', 'adamax', 'shift-adamax']).default('adam'),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().max(1).default(1e-8),
  /** Fraction of the (limited) training examples held out for validation / best-weights selection (0: none). */
  validationSplit: z.number().min(0).max(0.5).default(0.1),
  /** Use only the first N training examples. */
  limit: z.number().int().min(2).optional(),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  batchNormMomentum: z.number().gt(0).max(1).default(0.1),
  batchNormEpsilon: z.number().positive().max(1).default(1e-4),
  loss: z.enum(['softmax', 'squared-hinge']).default('softmax'),
  /** Per-layer learning-rate scaling of the weights by 1 / Glorot coefficient (BinaryConnect). */
  lrScale: z.enum(['glorot', 'none']).default('none'),
  /** CSV datasets: label column (name; default the last column) and the fraction of rows held out as the test set. */
  labelColumn: z.string().min(1).optional(),
  testFraction: z.number().gt(0).max(0.5).default(0.2),
  /** Fine-tune: start from the real-valued weights (`float.*` tensors) of this registry model `name:version` of the same family and sizes. */
  initFrom: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}:[1-9][0-9]*$/, 'expected name:version of a registry model').optional(),
};

/** The base schema on its own (the float mlp uses it as is). */
export const baseTrainingSchema = z.object(baseTrainingFields).strict();

/** Parsed, defaulted hyperparameters common to all families. */
export type BaseTrainingConfig = z.infer<typeof baseTrainingSchema>;

/** Options of the binary families. */
export interface BinaryOptions {
  binarization: 'deterministic' | 'stochastic';
}

/** Every option the shared MLP trainer understands (binary families add binarization; bnn adds shift BN). */
export type MlpTrainingConfig = BaseTrainingConfig & Partial<BinaryOptions> & { shiftBatchNorm?: boolean };
