/** bnn-mlp hyperparameters (zod schema with defaults). */
import { z } from 'zod';
import { baseTrainingFields } from '../training/config';

/** BNN: binary weights and hidden activations; options from the paper (stochastic binarization, shift-based BN / AdaMax). */
export const bnnMlpConfigSchema = z
  .object({
    ...baseTrainingFields,
    learningRate: baseTrainingFields.learningRate.default(0.003),
    lrScale: baseTrainingFields.lrScale.default('glorot'),
    binarization: z.enum(['deterministic', 'stochastic']).default('deterministic'),
    shiftBatchNorm: z.boolean().default(false),
  })
  .strict();

/** Parsed bnn-mlp hyperparameters. */
export type BnnMlpConfig = z.infer<typeof bnnMlpConfigSchema>;
