/**
 * The model artifact (ARCHITECTURE.md, "The artifact"): manifest.json + tensors.bin, every tensor at a 64-byte
 * aligned offset, the blob's sha256 in the manifest. Loading verifies everything before any tensor is handed out.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rowBytes } from './bitplanes';
import { DType, TypedArray, dtypeOf, dtypeSize, isDType, shapeSize, typedView, KServeDatatype } from './dtypes';
import { CorruptArtifactError, InvalidArgumentError } from './errors';

export const ARTIFACT_FORMAT = 'bitplane/1';
export const MANIFEST_FILE = 'manifest.json';
export const BLOB_FILE = 'tensors.bin';
const ALIGN = 64;

/** How a tensor's bytes are laid out: plain row-major, or bit-planes (logical shape [rows, cols], packed rows). */
export type TensorLayout = 'dense' | 'bitplanes';

/** One tensor's place in tensors.bin. */
export interface TensorEntry {
  dtype: DType;
  shape: number[];
  offset: number;
  byteLength: number;
  layout: TensorLayout;
}

/** One input or output of a model's signature. */
export interface TensorSpec {
  name: string;
  datatype: KServeDatatype;
  shape: number[];
}

/** What a model takes and returns. */
export interface Signature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** Training record: dataset, final metrics, per-epoch history. */
export interface TrainingRecord {
  dataset?: string;
  metrics?: Record<string, number>;
  history?: Array<Record<string, number>>;
  [key: string]: unknown;
}

/** A file kept beside the manifest whose integrity the manifest vouches for (e.g. model.onnx). */
export interface FileEntry {
  sha256: string;
  byteLength: number;
}

/** manifest.json of one model version. */
export interface Manifest {
  format: string;
  name: string;
  version: number;
  family: string;
  createdAt: string;
  signature: Signature;
  config: Record<string, unknown>;
  tensors: Record<string, TensorEntry>;
  sha256: string;
  training?: TrainingRecord;
  files?: Record<string, FileEntry>;
}

/** A tensor to write: its data, logical shape and layout. */
export interface TensorInput {
  data: TypedArray;
  shape: number[];
  layout?: TensorLayout;
}

/** The fields of a manifest a writer chooses; the rest (tensors, sha256, files, format) are computed. */
export type ManifestBase = Omit<Manifest, 'format' | 'tensors' | 'sha256' | 'files' | 'createdAt'> & { createdAt?: string };

/** An artifact read from disk and verified. */
export interface LoadedArtifact {
  dir: string;
  manifest: Manifest;
  /** The named tensor (a view into the verified blob); throws if absent or of another dtype. */
  tensor<T extends TypedArray = TypedArray>(name: string, dtype?: DType): T;
  has(name: string): boolean;
  /** Path of a verified extra file (e.g. model.onnx). */
  file(name: string): string;
}

/** Byte length a tensor of this dtype, shape and layout must have. */
export function expectedByteLength(dtype: DType, shape: readonly number[], layout: TensorLayout): number {
  if (layout === 'bitplanes') {
    if (shape.length !== 2) throw new InvalidArgumentError(`bitplanes tensors have shape [rows, cols], got [${shape.join(', ')}]`);
    if (dtype !== 'uint8') throw new InvalidArgumentError(`bitplanes tensors have dtype uint8, got ${dtype}`);
    return shape[0] * rowBytes(shape[1]);
  }
  return shapeSize(shape) * dtypeSize(dtype);
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Serialises tensors into one aligned blob and the manifest's tensor table. */
export function buildBlob(tensors: Record<string, TensorInput>): { blob: Buffer; entries: Record<string, TensorEntry> } {
  const entries: Record<string, TensorEntry> = {};
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name];
    const dtype = dtypeOf(t.data);
    const layout = t.layout ?? 'dense';
    const byteLength = expectedByteLength(dtype, t.shape, layout);
    if (t.data.byteLength !== byteLength) {
      throw new InvalidArgumentError(`tensor '${name}': ${t.data.byteLength} bytes of data for ${layout} shape [${t.shape.join(', ')}] (${dtype}) which needs ${byteLength}`);
    }
    offset = Math.ceil(offset / ALIGN) * ALIGN;
    entries[name] = { dtype, shape: [...t.shape], offset, byteLength, layout };
    offset += byteLength;
  }
  const blob = Buffer.alloc(offset);
  for (const name of names) {
    const t = tensors[name];
    blob.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), entries[name].offset);
  }
  return { blob, entries };
}

/** Writes manifest.json, tensors.bin and extra files into `dir` (which must exist). Returns the manifest. */
export function writeArtifactFiles(
  dir: string,
  base: ManifestBase,
  tensors: Record<string, TensorInput>,
  files: Record<string, Uint8Array> = {},
): Manifest {
  const { blob, entries } = buildBlob(tensors);
  const fileEntries: Record<string, FileEntry> = {};
  for (const [name, data] of Object.entries(files)) {
    if (name === MANIFEST_FILE || name === BLOB_FILE || name !== path.basename(name) || name.startsWith('.')) {
      throw new InvalidArgumentError(`extra file name '${name}' is not allowed`);
    }
    fs.writeFileSync(path.join(dir, name), data);
    fileEntries[name] = { sha256: sha256(data), byteLength: data.byteLength };
  }
  const manifest: Manifest = {
    format: ARTIFACT_FORMAT,
    name: base.name,
    version: base.version,
    family: base.family,
    createdAt: base.createdAt ?? new Date().toISOString(),
    signature: base.signature,
    config: base.config,
    tensors: entries,
    sha256: sha256(blob),
    ...(base.training ? { training: base.training } : {}),
    ...(Object.keys(fileEntries).length ? { files: fileEntries } : {}),
  };
  fs.writeFileSync(path.join(dir, BLOB_FILE), blob);
  fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function fail(dir: string, msg: string): never {
  throw new CorruptArtifactError(`corrupt artifact at ${dir}: ${msg}`);
}

/** Reads and validates manifest.json only (no blob hash check). */
export function readManifest(dir: string): Manifest {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    fail(dir, `cannot read ${MANIFEST_FILE}: ${(e as Error).message}`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch (e) {
    fail(dir, `${MANIFEST_FILE} is not valid JSON: ${(e as Error).message}`);
  }
  if (!m || typeof m !== 'object') fail(dir, `${MANIFEST_FILE} is not an object`);
  if (m.format !== ARTIFACT_FORMAT) {
    fail(dir, `manifest format '${String(m.format)}' is not readable by this build, which reads '${ARTIFACT_FORMAT}'`);
  }
  if (typeof m.name !== 'string' || typeof m.family !== 'string') fail(dir, 'manifest lacks name or family');
  if (!Number.isInteger(m.version) || m.version < 1) fail(dir, `manifest version ${String(m.version)} is not a positive integer`);
  if (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256)) fail(dir, 'manifest sha256 is missing or malformed');
  if (!m.tensors || typeof m.tensors !== 'object') fail(dir, 'manifest lacks a tensors table');
  if (!m.signature || !Array.isArray(m.signature.inputs) || !Array.isArray(m.signature.outputs)) fail(dir, 'manifest lacks a signature');
  return m;
}

/** Reads an artifact directory, verifying format, sha256, every tensor's offset and length, and extra files. */
export function readArtifact(dir: string): LoadedArtifact {
  const manifest = readManifest(dir);
  let raw: Buffer;
  try {
    raw = fs.readFileSync(path.join(dir, BLOB_FILE));
  } catch (e) {
    fail(dir, `cannot read ${BLOB_FILE}: ${(e as Error).message}`);
  }
  const digest = sha256(raw);
  if (digest !== manifest.sha256) fail(dir, `${BLOB_FILE} sha256 ${digest} does not match the manifest's ${manifest.sha256}`);
  // A private, 64-byte aligned copy so every typed view is aligned and nobody else shares the memory.
  const blob = new Uint8Array(new ArrayBuffer(raw.byteLength));
  blob.set(raw);
  const views = new Map<string, TypedArray>();
  for (const [name, e] of Object.entries(manifest.tensors)) {
    if (!e || typeof e !== 'object') fail(dir, `tensor '${name}' has no entry`);
    if (!isDType(e.dtype)) fail(dir, `tensor '${name}' has unknown dtype '${String(e.dtype)}'`);
    const layout: TensorLayout = e.layout ?? 'dense';
    if (layout !== 'dense' && layout !== 'bitplanes') fail(dir, `tensor '${name}' has unknown layout '${String(layout)}'`);
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(dir, `tensor '${name}' has an invalid shape`);
    if (!Number.isInteger(e.offset) || e.offset < 0 || e.offset % ALIGN !== 0) fail(dir, `tensor '${name}' offset ${String(e.offset)} is not a 64-byte aligned non-negative integer`);
    if (!Number.isInteger(e.byteLength) || e.byteLength < 0) fail(dir, `tensor '${name}' byteLength ${String(e.byteLength)} is invalid`);
    let need: number;
    try {
      need = expectedByteLength(e.dtype, e.shape, layout);
    } catch (err) {
      fail(dir, `tensor '${name}': ${(err as Error).message}`);
    }
    if (need !== e.byteLength) fail(dir, `tensor '${name}' byteLength ${e.byteLength} does not match its shape [${e.shape.join(', ')}] (${need} bytes)`);
    if (e.offset + e.byteLength > blob.byteLength) {
      fail(dir, `tensor '${name}' [${e.offset}, ${e.offset + e.byteLength}) lies outside ${BLOB_FILE} (${blob.byteLength} bytes)`);
    }
    views.set(name, typedView(e.dtype, blob.buffer, e.offset, e.byteLength / dtypeSize(e.dtype)));
  }
  for (const [name, f] of Object.entries(manifest.files ?? {})) {
    if (name !== path.basename(name)) fail(dir, `extra file name '${name}' is not a plain file name`);
    let data: Buffer;
    try {
      data = fs.readFileSync(path.join(dir, name));
    } catch (err) {
      fail(dir, `cannot read ${name}: ${(err as Error).message}`);
    }
    if (data.byteLength !== f.byteLength || sha256(data) !== f.sha256) fail(dir, `${name} does not match its sha256 in the manifest`);
  }
  return {
    dir,
    manifest,
    has: (name) => views.has(name),
    tensor<T extends TypedArray>(name: string, dtype?: DType): T {
      const v = views.get(name);
      if (!v) throw new CorruptArtifactError(`artifact ${manifest.name}:${manifest.version} has no tensor '${name}'`);
      if (dtype && manifest.tensors[name].dtype !== dtype) {
        throw new CorruptArtifactError(`tensor '${name}' of ${manifest.name}:${manifest.version} is ${manifest.tensors[name].dtype}, expected ${dtype}`);
      }
      return v as T;
    },
    file(name: string): string {
      if (!manifest.files || !manifest.files[name]) throw new CorruptArtifactError(`artifact ${manifest.name}:${manifest.version} has no file '${name}'`);
      return path.join(dir, name);
    },
  };
}
