/**
 * Test images and golden vectors for the hardware testbenches (Verilog and HLS): Fashion-MNIST test images when
 * the dataset is present and the model takes 784 inputs, else random bytes seeded from the artifact's sha256
 * (so a re-export is byte-identical). Golden outputs come from our TypeScript forward pass on the `ts` backend.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FASHION_MNIST_DIR, loadMnistLike } from '../libs/core/src/idx';
import { Rng } from '../libs/core/src/random';
import { getBackend } from '../libs/kernels/src/select';
import { BnnMlpModel, bnnMlpForward } from '../libs/models/bnn-mlp/model';

/** Default number of golden images an export writes (the sim / csim default runs fewer). */
export const DEFAULT_GOLDEN_IMAGES = 256;

/** Images plus the reference outputs for them. */
export interface GoldenVectors {
  count: number;
  /** count x inputSize bytes. */
  images: Uint8Array;
  /** count x classes int32 output accumulators. */
  acc: Int32Array;
  /** count x classes float32 logits f32(f32(scale * acc) + bias). */
  logits: Float32Array;
  /** Labels when the images come from a dataset. */
  labels?: Uint8Array;
  /** Where the images came from, in words. */
  source: string;
}

function fashionMnistDir(datasets?: string): string | undefined {
  const candidates = [
    ...(datasets ? [path.join(datasets, 'fashion-mnist'), datasets] : []),
    ...(process.env.BITPLANE_DATASETS ? [path.join(process.env.BITPLANE_DATASETS, 'fashion-mnist')] : []),
    process.env.BITPLANE_FASHION_MNIST ?? FASHION_MNIST_DIR,
  ];
  return candidates.find((d) => fs.existsSync(d) && fs.readdirSync(d).some((f) => f.startsWith('t10k-images')));
}

/** Builds `count` test images and their golden outputs for a model (deterministic for a given artifact). */
export function goldenVectors(model: BnnMlpModel, artifactSha256: string, count: number = DEFAULT_GOLDEN_IMAGES, datasets?: string): GoldenVectors {
  const k = model.inputSize;
  let images: Uint8Array;
  let labels: Uint8Array | undefined;
  let source: string;
  const dir = k === 784 ? fashionMnistDir(datasets) : undefined;
  if (dir) {
    const test = loadMnistLike(dir).test;
    count = Math.min(count, test.count);
    images = test.images.slice(0, count * k);
    labels = test.labels.slice(0, count);
    source = `the first ${count} Fashion-MNIST test images (${dir})`;
  } else {
    const seed = parseInt(artifactSha256.slice(0, 8), 16) >>> 0;
    images = new Rng(seed).bytes(count * k);
    source = `${count} random byte images (seed ${seed} from the artifact's sha256; ${k === 784 ? 'Fashion-MNIST not found' : `the model takes ${k} inputs, not 784`})`;
  }
  const out = bnnMlpForward(model, getBackend('ts'), images, count);
  return { count, images, acc: out.acc, logits: out.logits, labels, source };
}
