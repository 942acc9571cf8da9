/** libs/core: dtypes, the bit-plane layout, the artifact format, the model registry and dataset readers. */
export * from './errors';
export * from './dtypes';
export * from './bitplanes';
export * from './artifact';
export * from './registry';
export * from './idx';
export * from './csv';
export * from './random';
export * from './paths';
