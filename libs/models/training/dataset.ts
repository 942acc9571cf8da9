/**
 * Dataset references for training jobs: the built-in `fashion-mnist`, or a CSV file inside the datasets directory
 * (--datasets, $BITPLANE_DATASETS, default ./datasets). References that leave the directory or contain `..` are
 * refused before any file is opened.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCsv } from '../../core/src/csv';
import { InvalidArgumentError, NotFoundError } from '../../core/src/errors';
import { loadMnistLike } from '../../core/src/idx';
import { Rng } from '../../core/src/random';

/** The built-in dataset name. */
export const FASHION_MNIST = 'fashion-mnist';

/** The datasets directory: explicit, else $BITPLANE_DATASETS, else ./datasets. */
export function defaultDatasetsDir(explicit?: string): string {
  return path.resolve(explicit ?? process.env.BITPLANE_DATASETS ?? 'datasets');
}

/** A resolved reference. */
export type ResolvedDataset = { kind: 'fashion-mnist'; ref: string } | { kind: 'csv'; ref: string; file: string };

/** Resolves a dataset reference; InvalidArgumentError for a reference outside the directory, NotFoundError when absent. */
export function resolveDatasetRef(ref: unknown, datasetsDir?: string): ResolvedDataset {
  if (typeof ref !== 'string' || ref.trim() === '') throw new InvalidArgumentError('dataset reference is empty; use fashion-mnist or a CSV file name inside the datasets directory');
  if (ref === FASHION_MNIST) return { kind: 'fashion-mnist', ref };
  if (ref.includes('..') || path.isAbsolute(ref) || ref.includes('\\') || ref.includes('\0') || ref.startsWith('~')) {
    throw new InvalidArgumentError(`dataset reference '${ref}' is refused: it must be a file name inside the datasets directory (no '..', no absolute path)`);
  }
  const dir = defaultDatasetsDir(datasetsDir);
  const candidates = [ref, ...(path.extname(ref) ? [] : [`${ref}.csv`])];
  for (const c of candidates) {
    const file = path.resolve(dir, c);
    const rel = path.relative(dir, file);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new InvalidArgumentError(`dataset reference '${ref}' resolves outside the datasets directory ${dir}`);
    if (!fs.existsSync(file)) continue;
    // A symbolic link must not lead out of the directory either.
    const real = fs.realpathSync(file);
    const realRel = path.relative(fs.realpathSync(dir), real);
    if (realRel.startsWith('..') || path.isAbsolute(realRel)) throw new InvalidArgumentError(`dataset reference '${ref}' links outside the datasets directory ${dir}`);
    if (!fs.statSync(real).isFile()) throw new InvalidArgumentError(`dataset reference '${ref}' is not a file`);
    if (path.extname(file).toLowerCase() !== '.csv') throw new InvalidArgumentError(`dataset '${ref}': only CSV files (.csv) are read from the datasets directory`);
    return { kind: 'csv', ref, file };
  }
  throw new NotFoundError(`dataset '${ref}' not found: it is not '${FASHION_MNIST}' and no such CSV file is in ${dir}`);
}

/** One split: n rows of `features` values (8-bit or float) and integer class labels. */
export interface Split {
  x: Uint8Array | Float32Array;
  labels: Int32Array;
  n: number;
}

/** A loaded classification dataset. */
export interface ClassificationData {
  ref: string;
  /** 'uint8' for images (and CSV files whose features are integers 0..255), else 'float32'. */
  inputKind: 'uint8' | 'float32';
  features: number;
  classes: number;
  classNames?: string[];
  featureNames?: string[];
  train: Split;
  test: Split;
}

/** Options of loadClassificationData. */
export interface LoadOptions {
  datasetsDir?: string;
  labelColumn?: string;
  testFraction?: number;
}

/** Whether every value is an integer in 0..255 (then a CSV can feed the 8-bit first layer of a bnn-mlp). */
function allBytes(x: Float32Array): boolean {
  for (const v of x) if (!(v >= 0 && v <= 255 && Number.isInteger(v))) return false;
  return true;
}

/** Loads a dataset by reference. CSV files are split into train / test by a fixed-seed shuffle (testFraction). */
export function loadClassificationData(ref: string, opts: LoadOptions = {}): ClassificationData {
  const r = resolveDatasetRef(ref, opts.datasetsDir);
  if (r.kind === 'fashion-mnist') {
    const d = loadMnistLike();
    const features = d.train.rows * d.train.cols;
    return {
      ref,
      inputKind: 'uint8',
      features,
      classes: d.classes,
      train: { x: d.train.images, labels: Int32Array.from(d.train.labels), n: d.train.count },
      test: { x: d.test.images, labels: Int32Array.from(d.test.labels), n: d.test.count },
    };
  }
  const csv = readCsv(r.file, opts.labelColumn === undefined ? {} : { label: opts.labelColumn });
  const classes = csv.classes?.length ?? 0;
  if (classes < 2) throw new InvalidArgumentError(`dataset '${ref}': the label column '${csv.labelName}' has ${classes} distinct value(s); classification needs at least 2`);
  const k = csv.featureNames.length;
  if (k < 1) throw new InvalidArgumentError(`dataset '${ref}': no feature columns besides the label '${csv.labelName}'`);
  const order = new Rng(0x5eed).shuffle(Array.from({ length: csv.rows }, (_, i) => i));
  const nTest = Math.max(1, Math.round(csv.rows * (opts.testFraction ?? 0.2)));
  if (csv.rows - nTest < 2) throw new InvalidArgumentError(`dataset '${ref}' has ${csv.rows} rows: too few to split into train and test`);
  const bytes = allBytes(csv.features);
  const take = (idx: number[]): Split => {
    const x = bytes ? new Uint8Array(idx.length * k) : new Float32Array(idx.length * k);
    const labels = new Int32Array(idx.length);
    idx.forEach((row, i) => {
      x.set(csv.features.subarray(row * k, (row + 1) * k), i * k);
      labels[i] = csv.labels[row];
    });
    return { x, labels, n: idx.length };
  };
  return {
    ref,
    inputKind: bytes ? 'uint8' : 'float32',
    features: k,
    classes,
    classNames: csv.classes,
    featureNames: csv.featureNames,
    train: take(order.slice(nTest)),
    test: take(order.slice(0, nTest)),
  };
}
