/** Backend selection: BITPLANE_BACKEND=auto|ts|cpu|cuda; auto takes cuda, else cpu, else ts. */
import { InvalidArgumentError } from '../../core/src/errors';
import { BackendName, BackendStatus, KernelBackend } from './backend';
import { cpuBackendStatus, createCpuBackend } from './cpu/cpu-backend';
import { createCudaBackend, cudaBackendStatus } from './cuda/cuda-backend';
import { TsBackend } from './ts/ts-backend';

export const BACKEND_NAMES: readonly BackendName[] = ['ts', 'cpu', 'cuda'];
const cache = new Map<BackendName, KernelBackend>();

/** Status of every backend, in auto's priority order (cuda, cpu, ts). */
export function backendStatuses(): BackendStatus[] {
  return [cudaBackendStatus(), cpuBackendStatus(), { name: 'ts', available: true, detail: 'TypeScript reference' }];
}

/** Backends that can run here. */
export function availableBackends(): KernelBackend[] {
  return backendStatuses().filter((s) => s.available).map((s) => getBackend(s.name));
}

/** The named backend (or the one BITPLANE_BACKEND / auto picks). An unknown or unavailable name is an error, never a silent fallback. */
export function getBackend(name: string = process.env.BITPLANE_BACKEND ?? 'auto'): KernelBackend {
  if (name === 'auto') {
    const first = backendStatuses().find((s) => s.available)!;
    return getBackend(first.name);
  }
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(`unknown backend '${name}'; BITPLANE_BACKEND must be one of auto, ${BACKEND_NAMES.join(', ')}`);
  }
  const key = name as BackendName;
  let b = cache.get(key);
  if (!b) {
    b = key === 'ts' ? new TsBackend() : key === 'cpu' ? createCpuBackend() : createCudaBackend();
    cache.set(key, b);
  }
  return b;
}
