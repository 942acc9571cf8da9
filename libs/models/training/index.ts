/** The training-job contract (see job.ts) and the shared MLP trainer's public pieces. */
export * from './job';
export { FASHION_MNIST, defaultDatasetsDir, resolveDatasetRef } from './dataset';
export type { EpochRecord } from './checkpoint';
