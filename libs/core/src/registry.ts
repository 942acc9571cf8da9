/**
 * The model registry: `<root>/<name>/<version>/` directories of artifacts. A version is written into a temporary
 * directory under the root and renamed into place, so readers never see half a model.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoadedArtifact, Manifest, ManifestBase, TensorInput, readArtifact, readManifest, writeArtifactFiles } from './artifact';
import { InvalidArgumentError, NotFoundError } from './errors';

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TMP_PREFIX = '.tmp-';

/** Throws unless `name` is a valid model name (checked before any path is built from it). */
export function checkModelName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.includes('..')) {
    throw new InvalidArgumentError(`invalid model name '${String(name)}': names match [a-z0-9][a-z0-9._-]{0,63} and contain no '..'`);
  }
}

/** A model reference `name` or `name:version`. */
export interface ModelRef {
  name: string;
  version?: number;
}

/** Parses `name[:version]`. */
export function parseModelRef(ref: string): ModelRef {
  const [name, v, ...rest] = ref.split(':');
  checkModelName(name);
  if (rest.length) throw new InvalidArgumentError(`invalid model reference '${ref}': expected name[:version]`);
  if (v === undefined || v === '' || v === 'latest') return { name };
  if (!/^[1-9][0-9]*$/.test(v)) throw new InvalidArgumentError(`invalid version '${v}' in '${ref}': versions are positive integers`);
  return { name, version: Number(v) };
}

/** The registry directory: explicit argument, else $BITPLANE_REGISTRY, else ./models. */
export function defaultRegistryDir(explicit?: string): string {
  return path.resolve(explicit ?? process.env.BITPLANE_REGISTRY ?? 'models');
}

/** What a save needs besides the tensors. */
export type SaveSpec = Omit<ManifestBase, 'version'>;

/** A directory of versioned model artifacts. */
export class ModelRegistry {
  readonly root: string;

  constructor(root?: string) {
    this.root = defaultRegistryDir(root);
  }

  /** Names of all models that have at least one version, sorted. */
  listModels(): string[] {
    if (!fs.existsSync(this.root)) return [];
    return fs
      .readdirSync(this.root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && NAME_RE.test(d.name) && this.listVersions(d.name).length > 0)
      .map((d) => d.name)
      .sort();
  }

  /** Versions of a model, ascending. */
  listVersions(name: string): number[] {
    checkModelName(name);
    const dir = path.join(this.root, name);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^[1-9][0-9]*$/.test(d.name))
      .map((d) => Number(d.name))
      .sort((a, b) => a - b);
  }

  /** Latest version, or undefined when the model has none. */
  latestVersion(name: string): number | undefined {
    const v = this.listVersions(name);
    return v.length ? v[v.length - 1] : undefined;
  }

  /** Resolves a version (latest when omitted); NotFoundError when absent. */
  resolve(name: string, version?: number): number {
    checkModelName(name);
    const v = version ?? this.latestVersion(name);
    if (v === undefined) throw new NotFoundError(`model '${name}' not found in registry ${this.root}`);
    if (!this.listVersions(name).includes(v)) throw new NotFoundError(`model '${name}' has no version ${v} in registry ${this.root}`);
    return v;
  }

  /** Directory of a version. */
  path(name: string, version: number): string {
    checkModelName(name);
    return path.join(this.root, name, String(version));
  }

  /** The manifest of a version (latest when omitted), without loading tensors. */
  manifest(name: string, version?: number): Manifest {
    return readManifest(this.path(name, this.resolve(name, version)));
  }

  /** Loads and verifies a version (latest when omitted). */
  get(name: string, version?: number): LoadedArtifact {
    return readArtifact(this.path(name, this.resolve(name, version)));
  }

  /** Writes a new version (the next integer) atomically; returns its manifest and directory. */
  save(spec: SaveSpec, tensors: Record<string, TensorInput>, files: Record<string, Uint8Array> = {}): { manifest: Manifest; dir: string } {
    checkModelName(spec.name);
    fs.mkdirSync(path.join(this.root, spec.name), { recursive: true });
    const tmp = path.join(this.root, `${TMP_PREFIX}${spec.name}-${process.pid}-${randomBytes(6).toString('hex')}`);
    fs.mkdirSync(tmp);
    try {
      for (let attempt = 0; attempt < 100; attempt++) {
        const version = (this.latestVersion(spec.name) ?? 0) + 1;
        const manifest = writeArtifactFiles(tmp, { ...spec, version }, tensors, files);
        const dir = this.path(spec.name, version);
        try {
          fs.renameSync(tmp, dir);
          return { manifest, dir };
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
          // Another writer took this version number: try the next one.
        }
      }
      throw new Error(`could not allocate a version for '${spec.name}' after 100 attempts`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Deletes one version; NotFoundError when absent. */
  delete(name: string, version: number): void {
    const v = this.resolve(name, version);
    const dir = this.path(name, v);
    // Rename first so a concurrent reader sees the version either whole or gone.
    const trash = path.join(this.root, `${TMP_PREFIX}rm-${name}-${v}-${randomBytes(4).toString('hex')}`);
    fs.renameSync(dir, trash);
    fs.rmSync(trash, { recursive: true, force: true });
    if (this.listVersions(name).length === 0) fs.rmSync(path.join(this.root, name), { recursive: true, force: true });
  }
}
