/** libs/kernels: compute backends behind one interface (see backend.ts). */
export * from './backend';
export * from './select';
export { TsBackend, thresholdPack } from './ts/ts-backend';
