/** mlp (float baseline) hyperparameters (zod schema with defaults). */
import { baseTrainingSchema } from '../training/config';

/** The float baseline: the shared fields with their defaults (ReLU hidden layers, batch norm, softmax). */
export const mlpConfigSchema = baseTrainingSchema;

/** Parsed mlp hyperparameters. */
export type MlpConfig = ReturnType<typeof mlpConfigSchema.parse>;
