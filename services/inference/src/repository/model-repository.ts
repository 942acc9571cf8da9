/**
 * The models the server holds, kept in step with the registry directory: every model's latest version is loaded
 * at start, new versions are picked up by polling (no restart), a pinned `model_version` loads that version on
 * first use. A version that fails to load (corrupt artifact, unknown family) is logged and reported not ready
 * (ModelReady false, RepositoryIndex UNAVAILABLE with the reason); it never takes the server down, and the newest
 * version that did load keeps serving.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ModelRegistry, checkModelName } from '../../../../libs/core/src/registry';
import { InvalidArgumentError, NotFoundError } from '../../../../libs/core/src/errors';
import { rpcError } from '../../../common/src/grpc-errors';
import { ServiceHealth } from '../../../common/src/health';
import { DynamicBatcher } from '../batching/dynamic-batcher';
import { hostFactory, servedFamilies } from '../hosts/family-hosts';
import { HostContext } from '../hosts/host-context';
import { ModelHost } from '../hosts/model-host';
import { InferenceMetrics } from '../metrics';

/** State names as Triton's repository index reports them. */
export type VersionState = 'READY' | 'UNAVAILABLE' | 'LOADING';

/** One model version as the server holds it. */
export interface ServedVersion {
  name: string;
  version: number;
  state: VersionState;
  /** Why it is not ready (the load error), or ''. */
  reason: string;
  host?: ModelHost;
  batcher?: DynamicBatcher;
}

/** Repository settings. */
export interface RepositoryOptions {
  /** Most rows merged into one model call (0 or 1: no merging). */
  maxBatchRows: number;
  /** How often the registry is rescanned for new versions, in ms (0: never). */
  pollMs: number;
}

/** The served models (see module doc). */
export class ModelRepository {
  private readonly models = new Map<string, Map<number, ServedVersion>>();
  /** Models unloaded through RepositoryModelUnload: not served, not reloaded by the poller. */
  private readonly unloaded = new Set<string>();
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private started = false;

  constructor(
    readonly registry: ModelRegistry,
    private readonly ctx: HostContext,
    private readonly opts: RepositoryOptions,
    private readonly metrics: InferenceMetrics,
    private readonly health: ServiceHealth,
    private readonly log: Logger,
  ) {}

  /** Loads every model's latest version, then starts polling. */
  async start(): Promise<void> {
    await this.scan();
    this.started = true;
    if (this.opts.pollMs > 0) {
      this.timer = setInterval(() => void this.scan(), this.opts.pollMs);
      this.timer.unref();
    }
  }

  /** True once the initial load has been tried for every model. */
  get ready(): boolean {
    return this.started;
  }

  /** Stops polling and releases every host. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.scanning;
    for (const versions of this.models.values()) for (const v of versions.values()) await v.host?.dispose();
    this.models.clear();
  }

  /** Rescans the registry now: loads new latest versions, forgets deleted ones (one scan at a time). */
  scan(): Promise<void> {
    if (!this.scanning) {
      this.scanning = this.scanOnce().finally(() => (this.scanning = undefined));
    }
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    let names: string[];
    try {
      names = this.registry.listModels();
    } catch (e) {
      this.log.error({ err: e, registry: this.registry.root }, 'cannot list the registry');
      return;
    }
    for (const name of names) {
      if (this.unloaded.has(name)) continue;
      await this.syncModel(name);
    }
    // Models whose directories are gone.
    for (const name of [...this.models.keys()]) if (!names.includes(name)) await this.forget(name);
  }

  /** Brings one model in step: drops vanished versions, loads the latest if it is new (falling back while it fails). */
  private async syncModel(name: string): Promise<void> {
    const onDisk = this.registry.listVersions(name);
    const served = this.models.get(name) ?? new Map<number, ServedVersion>();
    this.models.set(name, served);
    for (const v of [...served.keys()]) {
      if (!onDisk.includes(v)) {
        await served.get(v)!.host?.dispose();
        served.delete(v);
        this.metrics.modelReady.remove(name, String(v));
        this.log.info({ model: name, version: v }, 'version removed from the registry');
      }
    }
    // Newest first: load it unless already tried; stop at the first version that serves.
    for (let i = onDisk.length - 1; i >= 0; i--) {
      const v = onDisk[i];
      const have = served.get(v);
      const entry = have ?? (await this.loadVersion(name, v));
      if (entry.state === 'READY') break;
    }
    this.updateHealth(name);
  }

  private async forget(name: string): Promise<void> {
    const served = this.models.get(name);
    if (!served) return;
    for (const v of served.values()) {
      await v.host?.dispose();
      this.metrics.modelReady.remove(name, String(v.version));
    }
    this.models.delete(name);
    this.health.set(name, 'NOT_SERVING');
  }

  /** Loads one version (logging and recording a failure instead of throwing). */
  private async loadVersion(name: string, version: number): Promise<ServedVersion> {
    const served = this.models.get(name) ?? new Map<number, ServedVersion>();
    this.models.set(name, served);
    const entry: ServedVersion = { name, version, state: 'LOADING', reason: '' };
    served.set(version, entry);
    try {
      const artifact = this.registry.get(name, version);
      const factory = hostFactory(artifact.manifest.family);
      if (!factory) {
        throw new InvalidArgumentError(`family '${artifact.manifest.family}' is not served by this build (served: ${servedFamilies().join(', ')})`);
      }
      const host = await factory(artifact, this.ctx);
      entry.host = host;
      entry.batcher = new DynamicBatcher(host, this.opts.maxBatchRows, {
        batch: (requests, rows, seconds) => {
          const labels = { model: name, version: String(version) };
          this.metrics.batchRequests.observe(labels, requests);
          this.metrics.batchRows.observe(labels, rows);
          this.metrics.computeSeconds.observe(labels, seconds);
        },
        queueDepth: (depth) => this.metrics.queueDepth.set({ model: name, version: String(version) }, depth),
        dropped: (why) => this.metrics.dropped.inc({ model: name, version: String(version), reason: dropReason(why) }),
      });
      entry.state = 'READY';
      this.log.info({ model: name, version, family: host.family, device: host.device }, 'model version loaded');
    } catch (e) {
      entry.state = 'UNAVAILABLE';
      entry.reason = (e as Error).message;
      this.log.error({ model: name, version, err: entry.reason }, 'model version failed to load; it is reported not ready');
    }
    this.metrics.modelReady.set({ model: name, version: String(version) }, entry.state === 'READY' ? 1 : 0);
    return entry;
  }

  private updateHealth(name: string): void {
    this.health.set(name, this.latestReady(name) ? 'SERVING' : 'NOT_SERVING');
  }

  private latestReady(name: string): ServedVersion | undefined {
    const served = this.models.get(name);
    if (!served) return undefined;
    let best: ServedVersion | undefined;
    for (const v of served.values()) if (v.state === 'READY' && (!best || v.version > best.version)) best = v;
    return best;
  }

  /**
   * The version that serves `name` (pinned `version`, else the newest ready one). Throws NOT_FOUND for a model or
   * version the registry does not have, UNAVAILABLE for one that is unloaded or failed to load.
   */
  async resolve(name: string, version?: string): Promise<ServedVersion> {
    try {
      checkModelName(name);
    } catch {
      throw new NotFoundError(`Request for unknown model: '${name}' is not found`);
    }
    const pinned = parseVersion(name, version);
    if (this.unloaded.has(name)) throw rpcError(GrpcStatus.UNAVAILABLE, `model '${name}' is unloaded; RepositoryModelLoad loads it again`);
    if (pinned === undefined) {
      const best = this.latestReady(name);
      if (best) return best;
      const served = this.models.get(name);
      if (!served || !served.size) {
        // Not seen yet: maybe it appeared since the last poll.
        if (this.registry.listVersions(name).length === 0) throw new NotFoundError(`Request for unknown model: '${name}' is not found`);
        await this.syncModel(name);
        const now = this.latestReady(name);
        if (now) return now;
      }
      const reasons = [...(this.models.get(name)?.values() ?? [])].map((v) => `version ${v.version}: ${v.reason || v.state}`).join('; ');
      throw rpcError(GrpcStatus.UNAVAILABLE, `model '${name}' has no ready version (${reasons})`);
    }
    let entry = this.models.get(name)?.get(pinned);
    if (!entry) {
      if (!this.registry.listVersions(name).includes(pinned)) {
        throw new NotFoundError(`Request for unknown model: '${name}' version ${pinned} is not found`);
      }
      entry = await this.loadVersion(name, pinned);
    }
    if (entry.state !== 'READY') throw rpcError(GrpcStatus.UNAVAILABLE, `model '${name}' version ${pinned} is not ready: ${entry.reason || entry.state}`);
    return entry;
  }

  /** Whether a model (a version, else its newest) is ready; false for unknown ones. */
  isReady(name: string, version?: string): boolean {
    if (this.unloaded.has(name)) return false;
    const pinned = parseVersion(name, version);
    if (pinned === undefined) return this.latestReady(name) !== undefined;
    return this.models.get(name)?.get(pinned)?.state === 'READY';
  }

  /** Versions of a model the registry holds (for metadata), NotFound when none. */
  versionsOf(name: string): number[] {
    let versions: number[];
    try {
      versions = this.registry.listVersions(name);
    } catch {
      versions = [];
    }
    if (!versions.length) throw new NotFoundError(`Request for unknown model: '${name}' is not found`);
    return versions;
  }

  /** Every model version on disk with its state (RepositoryIndex). */
  index(readyOnly: boolean): Array<{ name: string; version: string; state: string; reason: string }> {
    const out: Array<{ name: string; version: string; state: string; reason: string }> = [];
    for (const name of this.registry.listModels()) {
      for (const v of this.registry.listVersions(name)) {
        const e = this.models.get(name)?.get(v);
        const state = this.unloaded.has(name) ? 'UNAVAILABLE' : (e?.state ?? 'UNAVAILABLE');
        const reason = this.unloaded.has(name) ? 'unloaded' : (e?.reason ?? (e ? '' : 'not loaded (only the latest version loads at start; pin it to load it)'));
        if (readyOnly && state !== 'READY') continue;
        out.push({ name, version: String(v), state, reason });
      }
    }
    return out;
  }

  /** RepositoryModelLoad: (re)loads a model's latest version from the registry and serves it again if unloaded. */
  async load(name: string): Promise<void> {
    checkModelName(name);
    if (this.registry.listVersions(name).length === 0) {
      throw new NotFoundError(`failed to load '${name}': no such model in the registry ${this.registry.root}`);
    }
    this.unloaded.delete(name);
    const latest = this.registry.latestVersion(name)!;
    const old = this.models.get(name)?.get(latest);
    if (old) {
      await old.host?.dispose();
      this.models.get(name)!.delete(latest);
    }
    await this.syncModel(name);
    const now = this.models.get(name)?.get(latest);
    if (now?.state !== 'READY') throw rpcError(GrpcStatus.FAILED_PRECONDITION, `failed to load '${name}' version ${latest}: ${now?.reason ?? 'unknown error'}`);
  }

  /** RepositoryModelUnload: stops serving a model (all versions) until it is loaded again. */
  async unload(name: string): Promise<void> {
    checkModelName(name);
    if (!this.models.has(name) && this.registry.listVersions(name).length === 0) {
      throw new NotFoundError(`failed to unload '${name}': no such model`);
    }
    this.unloaded.add(name);
    const served = this.models.get(name);
    if (served) {
      for (const v of served.values()) {
        await v.host?.dispose();
        this.metrics.modelReady.set({ model: name, version: String(v.version) }, 0);
      }
      served.clear();
    }
    this.health.set(name, 'NOT_SERVING');
  }

  /** Jobs queued across all models (for drain logs). */
  queued(): number {
    let n = 0;
    for (const versions of this.models.values()) for (const v of versions.values()) n += v.batcher?.depth ?? 0;
    return n;
  }
}

function parseVersion(name: string, version: string | undefined): number | undefined {
  if (version === undefined || version === '') return undefined;
  if (!/^[1-9][0-9]*$/.test(version)) throw new NotFoundError(`Request for unknown model: '${name}' version '${version}' is not found (versions are positive integers)`);
  return Number(version);
}

function dropReason(err: Error): string {
  const code = (err as { code?: number }).code;
  return code === GrpcStatus.DEADLINE_EXCEEDED ? 'deadline' : code === GrpcStatus.CANCELLED ? 'cancelled' : 'other';
}
