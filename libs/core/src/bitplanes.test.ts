import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromBitPlanes, packSigns, rowBytes, toBitPlanes, unpackSigns } from './bitplanes';
import { Rng, freshSeed } from './random';

const seed = freshSeed();
const rng = new Rng(seed);

describe('bit-plane layout', () => {
  it('matches ARCHITECTURE.md byte for byte on a hand-computed example', () => {
    // Row 0: k=0 +1, k=1 -1, k=2 0 (sign(0) = +1), k=3 -1, k=8 +1, rest -1 -> byte0 = 0b0000_0101, byte1 = 0b0000_0001.
    // Row 1: all +1 over K = 10 -> byte0 = 0xff, byte1 = 0b11, padding zero.
    const k = 10;
    const v = new Float32Array(2 * k).fill(-1);
    v[0] = 1; v[2] = 0; v[8] = 0.5;
    for (let i = 0; i < k; i++) v[k + i] = 2;
    const p = packSigns(v, 2, k);
    assert.equal(rowBytes(k), 8);
    assert.deepEqual([...p.data], [0x05, 0x01, 0, 0, 0, 0, 0, 0, 0xff, 0x03, 0, 0, 0, 0, 0, 0]);
    assert.equal(rowBytes(64), 8);
    assert.equal(rowBytes(65), 16);
  });

  it('pack / unpack round trip on random signs (int8 and float input)', () => {
    for (const k of [1, 63, 64, 65, 1000]) {
      const rows = 1 + rng.int(7);
      const s = Int8Array.from({ length: rows * k }, () => (rng.next() < 0.5 ? -1 : 1));
      const p = packSigns(s, rows, k);
      assert.deepEqual(unpackSigns(p), s, `k=${k} seed=${seed}`);
      // padding bits are zero
      const rb = rowBytes(k);
      for (let r = 0; r < rows; r++) for (let bit = k; bit < rb * 8; bit++) assert.equal((p.data[r * rb + (bit >> 3)] >> (bit & 7)) & 1, 0);
    }
  });

  it('refuses non-finite values and wrong sizes, naming the argument', () => {
    assert.throws(() => packSigns([1, NaN], 1, 2, 'weights'), /weights: element \[0, 1\] is NaN/);
    assert.throws(() => packSigns([1, Infinity], 1, 2), /Infinity/);
    assert.throws(() => packSigns([1, 2, 3], 1, 2, 'weights'), /weights: has 3 elements/);
    assert.throws(() => packSigns([], 0, 2), /rows must be a positive integer/);
  });

  it('8-bit inputs to bit-planes and back; plane b holds bit b', () => {
    const n = 3, k = 70;
    const x = rng.bytes(n * k);
    const planes = toBitPlanes(x, n, k);
    assert.deepEqual(fromBitPlanes(planes, n, k), x);
    const rb = rowBytes(k);
    for (let b = 0; b < 8; b++) assert.equal((planes[(1 * 8 + b) * rb + (5 >> 3)] >> 5) & 1, (x[k + 5] >> b) & 1);
  });
});
