/** Test support: random packed operands and the bit-exact comparison of a backend's binary operations with ts. */
import assert from 'node:assert/strict';
import { PackedMatrix, packSigns } from '../../../core/src/bitplanes';
import { Rng } from '../../../core/src/random';
import { KernelBackend } from '../backend';
import { TsBackend } from '../ts/ts-backend';

const ref = new TsBackend();

/** A random rows x cols sign matrix, packed. */
export function randomPacked(rng: Rng, rows: number, cols: number): PackedMatrix {
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < v.length; i++) v[i] = rng.next() - 0.5;
  return packSigns(v, rows, cols);
}

/**
 * Asserts that xnorGemm, xnorGemmThreshold, bitplaneGemm and bitplaneGemmThreshold of `backend` equal the ts
 * reference bit for bit on fresh random operands of each (n, m, k) shape; `seed` goes into every message.
 */
export function assertBinaryOpsMatchTs(backend: KernelBackend, rng: Rng, seed: number, shapes: Array<[number, number, number]>): void {
  for (const [n, m, k] of shapes) {
    const tag = `${backend.name} n=${n} m=${m} k=${k} seed=${seed}`;
    const a = randomPacked(rng, n, k);
    const w = randomPacked(rng, m, k);
    assert.deepEqual(backend.xnorGemm(a, w), ref.xnorGemm(a, w), `xnorGemm ${tag}`);
    const t = Int32Array.from({ length: m }, () => Math.round((rng.next() * 2 - 1) * Math.sqrt(k)));
    const d = Int8Array.from({ length: m }, () => (rng.next() < 0.5 ? -1 : 1));
    assert.deepEqual(backend.xnorGemmThreshold(a, w, t, d).data, ref.xnorGemmThreshold(a, w, t, d).data, `xnorGemmThreshold ${tag}`);
    const x = rng.bytes(n * k);
    assert.deepEqual(backend.bitplaneGemm(x, n, w), ref.bitplaneGemm(x, n, w), `bitplaneGemm ${tag}`);
    const t0 = Int32Array.from({ length: m }, () => Math.round((rng.next() * 2 - 1) * Math.sqrt(k) * 128));
    assert.deepEqual(backend.bitplaneGemmThreshold(x, n, w, t0, d).data, ref.bitplaneGemmThreshold(x, n, w, t0, d).data, `bitplaneGemmThreshold ${tag}`);
  }
}
