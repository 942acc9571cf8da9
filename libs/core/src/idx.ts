/** Reader for the IDX format of (Fashion-)MNIST: magic (0, 0, type, ndim), big-endian dims, then the data. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { InvalidArgumentError, NotFoundError } from './errors';

/** An IDX array: its dimensions and its unsigned 8-bit data (the only type (Fashion-)MNIST uses). */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses IDX bytes (gzip accepted). Only unsigned-byte data (type 0x08) is supported. */
export function parseIdx(bytes: Uint8Array, name = 'idx'): IdxArray {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = zlib.gunzipSync(buf);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) throw new InvalidArgumentError(`${name}: not an IDX file (bad magic)`);
  const type = buf[2];
  const ndim = buf[3];
  if (type !== 0x08) throw new InvalidArgumentError(`${name}: IDX data type 0x${type.toString(16)} is not supported (only unsigned byte 0x08)`);
  if (ndim < 1 || buf.length < 4 + 4 * ndim) throw new InvalidArgumentError(`${name}: truncated IDX header`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndim;
  if (buf.length !== start + size) throw new InvalidArgumentError(`${name}: IDX data is ${buf.length - start} bytes, dims [${dims.join(', ')}] need ${size}`);
  return { dims, data: new Uint8Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + size)) };
}

/** Reads an IDX file. */
export function readIdx(file: string): IdxArray {
  return parseIdx(fs.readFileSync(file), file);
}

/** A labelled image split: n images of rows x cols 8-bit pixels, row-major. */
export interface ImageSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Train and test splits of an MNIST-like dataset. */
export interface ImageDataset {
  train: ImageSplit;
  test: ImageSplit;
  classes: number;
}

/** Where Debian's dataset-fashion-mnist package installs the files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const NAMES: Record<string, string[]> = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
};

function findFile(dir: string, key: string): string {
  for (const base of NAMES[key]) {
    for (const f of [base, `${base}.gz`]) {
      const p = path.join(dir, f);
      if (fs.existsSync(p)) return p;
    }
  }
  throw new NotFoundError(`${key}: none of ${NAMES[key].join(', ')} (optionally .gz) in ${dir}; on Debian run 'apt-get install dataset-fashion-mnist'`);
}

function loadSplit(dir: string, imagesKey: string, labelsKey: string): ImageSplit {
  const images = readIdx(findFile(dir, imagesKey));
  const labels = readIdx(findFile(dir, labelsKey));
  if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
    throw new InvalidArgumentError(`${dir}: image dims [${images.dims.join(', ')}] and label dims [${labels.dims.join(', ')}] do not agree`);
  }
  return { images: images.data, labels: labels.data, count: images.dims[0], rows: images.dims[1], cols: images.dims[2] };
}

/** Loads an MNIST-layout dataset directory (Fashion-MNIST by default). */
export function loadMnistLike(dir: string = process.env.BITPLANE_FASHION_MNIST ?? FASHION_MNIST_DIR): ImageDataset {
  const train = loadSplit(dir, 'trainImages', 'trainLabels');
  const test = loadSplit(dir, 'testImages', 'testLabels');
  let classes = 0;
  for (const l of train.labels) classes = Math.max(classes, l + 1);
  return { train, test, classes };
}
