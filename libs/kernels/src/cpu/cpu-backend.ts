/** The cpu backend: the Node-API addon in libs/kernels/native/cpu. (Placeholder until the addon lands.) */
import { BackendStatus, KernelBackend } from '../backend';

/** Whether the cpu addon is built and loadable here. */
export function cpuBackendStatus(): BackendStatus {
  return { name: 'cpu', available: false, detail: 'unavailable: the native cpu addon is not built yet' };
}

/** Creates the cpu backend; throws with the reason when it is unavailable. */
export function createCpuBackend(): KernelBackend {
  throw new Error(`cpu backend ${cpuBackendStatus().detail}`);
}
