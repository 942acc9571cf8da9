/** The cuda backend: the separate CUDA addon in libs/kernels/native/cuda. (Placeholder until the addon lands.) */
import { BackendStatus, KernelBackend } from '../backend';

/** Whether the cuda addon is built and a device is present. */
export function cudaBackendStatus(): BackendStatus {
  return { name: 'cuda', available: false, detail: 'unavailable: the CUDA addon is not built yet' };
}

/** Creates the cuda backend; throws with the reason when it is unavailable. */
export function createCudaBackend(): KernelBackend {
  throw new Error(`cuda backend ${cudaBackendStatus().detail}`);
}
