/**
 * The conformance suite every backend must pass: each operation equals the ts reference bit for bit on fresh
 * random inputs over a grid of shapes (K not a multiple of 64, M and N of 1, odd sizes, threads > rows).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PackedMatrix, packSigns, rowBytes } from '../../core/src/bitplanes';
import { InvalidArgumentError } from '../../core/src/errors';
import { Rng, freshSeed } from '../../core/src/random';
import { KernelBackend } from './backend';
import { backendStatuses, getBackend } from './select';
import { TsBackend } from './ts/ts-backend';

const seed = freshSeed();
const rng = new Rng(seed);
console.log(`kernel conformance seed ${seed}; backends: ${backendStatuses().map((s) => `${s.name} (${s.available ? 'available' : s.detail})`).join(', ')}`);

const ref = new TsBackend();
const KS = [1, 63, 64, 65, 1000];
const NM: Array<[number, number]> = [[1, 1], [1, 7], [5, 1], [3, 33], [17, 9]];

function randomPacked(rows: number, cols: number): PackedMatrix {
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < v.length; i++) v[i] = rng.next() - 0.5;
  return packSigns(v, rows, cols);
}

function randomFloats(n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

function randomThresholds(m: number, k: number, scale: number): [Int32Array, Int8Array] {
  const t = new Int32Array(m);
  const d = new Int8Array(m);
  for (let j = 0; j < m; j++) {
    t[j] = Math.round((rng.next() * 2 - 1) * Math.sqrt(k) * scale);
    d[j] = rng.next() < 0.5 ? -1 : 1;
  }
  return [t, d];
}

function close(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]);
    assert.ok(err <= tol * (1 + Math.abs(b[i])), `${what}: element ${i} is ${a[i]}, reference ${b[i]} (seed ${seed})`);
  }
}

const backends: KernelBackend[] = backendStatuses().filter((s) => s.available).map((s) => getBackend(s.name));
for (const s of backendStatuses().filter((x) => !x.available)) {
  describe(`backend ${s.name}`, () => {
    it('conformance', { skip: `${s.name} ${s.detail}` }, () => {});
  });
}

for (const backend of backends) {
  describe(`backend ${backend.name} matches ts`, () => {
    for (const threads of [1, 2, 64]) {
      it(`xnorGemm / xnorGemmThreshold / bitplaneGemm(Threshold) / binaryWeightGemm, threads=${threads}`, () => {
        backend.setThreads(threads);
        for (const k of KS) {
          for (const [n, m] of NM) {
            const a = randomPacked(n, k);
            const w = randomPacked(m, k);
            const tag = `${backend.name} n=${n} m=${m} k=${k} threads=${threads} seed=${seed}`;
            assert.deepEqual(backend.xnorGemm(a, w), ref.xnorGemm(a, w), `xnorGemm ${tag}`);
            const [t, d] = randomThresholds(m, k, 1);
            assert.deepEqual(backend.xnorGemmThreshold(a, w, t, d).data, ref.xnorGemmThreshold(a, w, t, d).data, `xnorGemmThreshold ${tag}`);
            const x = rng.bytes(n * k);
            assert.deepEqual(backend.bitplaneGemm(x, n, w), ref.bitplaneGemm(x, n, w), `bitplaneGemm ${tag}`);
            const [t0, d0] = randomThresholds(m, k, 128);
            assert.deepEqual(backend.bitplaneGemmThreshold(x, n, w, t0, d0).data, ref.bitplaneGemmThreshold(x, n, w, t0, d0).data, `bitplaneGemmThreshold ${tag}`);
            const xf = randomFloats(n * k);
            close(backend.binaryWeightGemm(xf, n, w), ref.binaryWeightGemm(xf, n, w), 1e-4, `binaryWeightGemm ${tag}`);
          }
        }
      });
    }

    it('xnorGemmThreshold with thresholds at the accumulator values (ties decide by >= and <=)', () => {
      const k = 65;
      const a = randomPacked(9, k);
      const w = randomPacked(11, k);
      const acc = ref.xnorGemm(a, w);
      const t = new Int32Array(11);
      for (let j = 0; j < 11; j++) t[j] = acc[j]; // row 0's values exactly
      const d = Int8Array.from({ length: 11 }, (_, j) => (j % 2 ? 1 : -1));
      assert.deepEqual(backend.xnorGemmThreshold(a, w, t, d).data, ref.xnorGemmThreshold(a, w, t, d).data);
    });

    it('sgemm with every transpose combination', () => {
      backend.setThreads(2);
      for (const [m, n, k] of [[1, 1, 1], [7, 5, 3], [33, 17, 65], [64, 64, 64], [3, 129, 31]]) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            const a = randomFloats(m * k);
            const b = randomFloats(k * n);
            const c0 = randomFloats(m * n);
            const got = backend.sgemm(ta, tb, m, n, k, 0.75, a, b, 0.5, Float32Array.from(c0));
            const want = ref.sgemm(ta, tb, m, n, k, 0.75, a, b, 0.5, Float32Array.from(c0));
            close(got, want, 1e-4, `sgemm ${backend.name} ${m}x${n}x${k} ta=${ta} tb=${tb}`);
          }
        }
      }
    });

    it('rejects bad input with an error naming the argument', () => {
      const a = randomPacked(3, 70);
      const w = randomPacked(4, 71);
      assert.throws(() => backend.xnorGemm(a, w), (e: Error) => e instanceof InvalidArgumentError && /K = 70/.test(e.message));
      const short: PackedMatrix = { data: new Uint8Array(rowBytes(70) * 3 - 1), rows: 3, cols: 70 };
      assert.throws(() => backend.xnorGemm(short, randomPacked(4, 70)), /a: packed data is/);
      assert.throws(() => backend.xnorGemm({ data: new Uint8Array(0), rows: 0, cols: 70 }, randomPacked(4, 70)), /a: rows must be a positive integer/);
      const w70 = randomPacked(4, 70);
      assert.throws(() => backend.bitplaneGemm(new Uint8Array(10), 3, w70), /x has 10 elements/);
      assert.throws(() => backend.bitplaneGemm(new Uint8Array(0), 0, w70), /n must be a positive integer/);
      assert.throws(() => backend.xnorGemm(a, randomPacked(4, 70), new Int32Array(5)), /out must be a Int32Array of 12 elements/);
      assert.throws(() => backend.xnorGemmThreshold(a, w70, new Int32Array(3), new Int8Array(4).fill(1)), /thresholds must be an Int32Array of 4/);
      assert.throws(() => backend.xnorGemmThreshold(a, w70, new Int32Array(4), new Int8Array(4)), /directions\[0\] is 0/);
      assert.throws(() => backend.binaryWeightGemm(new Float32Array(5), 1, w70), /x has 5 elements/);
      assert.throws(() => backend.sgemm(false, false, 2, 2, 2, 1, new Float32Array(3), new Float32Array(4), 0, new Float32Array(4)), /a has 3 elements/);
      assert.throws(() => backend.sgemm(false, false, 0, 2, 2, 1, new Float32Array(0), new Float32Array(4), 0, new Float32Array(0)), /m must be a positive integer/);
    });
  });
}

describe('backend selection', () => {
  it('refuses an unknown backend name instead of falling back', () => {
    assert.throws(() => getBackend('gpu'), /unknown backend 'gpu'/);
  });
  it('auto picks the first available of cuda, cpu, ts', () => {
    const first = backendStatuses().find((s) => s.available)!;
    assert.equal(getBackend('auto').name, first.name);
  });
});
