/** What a host factory receives besides the artifact: the kernel backend and a logger. */
import { LoadedArtifact } from '../../../../libs/core/src/artifact';
import { KernelBackend } from '../../../../libs/kernels/src/backend';
import { ModelHost } from './model-host';

/** Shared services for host factories. */
export interface HostContext {
  /** The selected kernel backend (BITPLANE_BACKEND / --backend). */
  backend: KernelBackend;
}

/** Builds a host from a verified artifact; throws (CorruptArtifactError, InvalidArgumentError) when it cannot. */
export type HostFactory = (artifact: LoadedArtifact, ctx: HostContext) => ModelHost | Promise<ModelHost>;
