/** binaryconnect-mlp hyperparameters (zod schema with defaults). */
import { z } from 'zod';
import { baseTrainingFields } from '../training/config';

/** BinaryConnect: binary weights, real (ReLU) activations, L2-SVM output and Glorot-scaled learning rates by default. */
export const binaryConnectMlpConfigSchema = z
  .object({
    ...baseTrainingFields,
    loss: baseTrainingFields.loss.default('squared-hinge'),
    lrScale: baseTrainingFields.lrScale.default('glorot'),
    binarization: z.enum(['deterministic', 'stochastic']).default('deterministic'),
  })
  .strict();

/** Parsed binaryconnect-mlp hyperparameters. */
export type BinaryConnectMlpConfig = z.infer<typeof binaryConnectMlpConfigSchema>;
