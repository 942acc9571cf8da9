/**
 * The CUDA kernels' logic checked without a GPU: build.js compiles the addon's own sources (binding, launchers,
 * kernels) for a CPU emulation of the CUDA thread model (libs/kernels/native/cuda/emulate: a std::thread per GPU
 * thread, barriers for __syncthreads and warp shuffles). Driven through the real CudaBackend class, every operation
 * must equal the ts reference bit for bit over the conformance grid and over shapes with full and partial
 * 128 x 128 tiles. This proves indexing, tiling, padding and epilogues; speed and hardware behaviour need the GPU
 * run (scripts/device-check.sh).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fromRoot } from '../../../core/src/paths';
import { Rng, freshSeed } from '../../../core/src/random';
import { TsBackend } from '../ts/ts-backend';
import { assertBinaryOpsMatchTs, randomPacked } from '../testing/binary-ops-check';
import { CudaAddon } from './cuda-addon';
import { CudaBackend } from './cuda-backend';

const emulatedPath = fromRoot('libs', 'kernels', 'native', 'cuda', 'build', 'Emulation', 'bitplane_cuda_emulated.node');
const cxx = process.env.CXX ?? ['g++', 'c++'].flatMap((n) => (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, n))).find((p) => fs.existsSync(p));
const seed = freshSeed();
const rng = new Rng(seed);
console.log(`cuda kernel emulation seed ${seed}; ${emulatedPath}`);

function close(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(b[i])), `${what}: [${i}] ${a[i]} vs ${b[i]} (seed ${seed})`);
}

describe('CUDA kernels under CPU emulation', () => {
  it('the emulated addon was built where a C++ compiler exists', { skip: cxx ? false : 'no C++ compiler here' }, () => {
    assert.ok(fs.existsSync(emulatedPath), `${cxx} exists but ${emulatedPath} is missing; run node libs/kernels/native/cuda/build.js`);
  });

  const skip = fs.existsSync(emulatedPath) ? false : 'emulated addon not built';
  const ref = new TsBackend();
  const backend = (): CudaBackend => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(emulatedPath) as CudaAddon;
    assert.match(addon.probe().name, /emulation/, 'this must be the emulated build, never the real addon');
    return new CudaBackend(addon, 'CPU emulation');
  };

  it('binary operations equal ts bit for bit (conformance grid, small-batch and tiled kernels)', { skip }, () => {
    const cuda = backend();
    const shapes: Array<[number, number, number]> = [];
    for (const k of [1, 63, 64, 65, 1000]) for (const [n, m] of [[1, 1], [1, 7], [5, 1], [3, 33], [17, 9]]) shapes.push([n, m, k]);
    shapes.push([130, 129, 700], [4, 200, 2000], [129, 3, 577]);
    assertBinaryOpsMatchTs(cuda, rng, seed, shapes);
    for (const [n, m, k] of shapes) {
      const tag = `n=${n} m=${m} k=${k} seed=${seed}`;
      const w = randomPacked(rng, m, k);
      const xf = Float32Array.from({ length: n * k }, () => rng.normal());
      close(cuda.binaryWeightGemm(xf, n, w), ref.binaryWeightGemm(xf, n, w), `binaryWeightGemm ${tag}`);
    }
  });

  it('sgemm equals ts within float32 rounding for every transpose combination', { skip }, () => {
    const cuda = backend();
    for (const [m, n, k] of [[1, 1, 1], [7, 5, 3], [33, 17, 65], [130, 140, 20]]) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const a = Float32Array.from({ length: m * k }, () => rng.normal());
          const b = Float32Array.from({ length: k * n }, () => rng.normal());
          const c = Float32Array.from({ length: m * n }, () => rng.normal());
          const got = cuda.sgemm(ta, tb, m, n, k, 0.75, a, b, 0.5, Float32Array.from(c));
          close(got, ref.sgemm(ta, tb, m, n, k, 0.75, a, b, 0.5, Float32Array.from(c)), `sgemm ${m}x${n}x${k} ta=${ta} tb=${tb}`);
        }
      }
      // beta = 0 must ignore C entirely, NaN included.
      const a = Float32Array.from({ length: m * k }, () => rng.normal());
      const b = Float32Array.from({ length: k * n }, () => rng.normal());
      close(cuda.sgemm(false, false, m, n, k, 1, a, b, 0, new Float32Array(m * n).fill(NaN)), ref.sgemm(false, false, m, n, k, 1, a, b, 0, new Float32Array(m * n)), `sgemm beta=0 ${m}x${n}x${k}`);
    }
  });
});
