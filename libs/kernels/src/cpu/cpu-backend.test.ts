/**
 * The cpu backend's own tests, beyond the shared conformance suite: every ISA path this CPU has, forced, against
 * ts on shapes large enough to cross the register tiles, the 64-column task blocks and the thread split; both
 * sgemm implementations across their blocking; the ISA / sgemm / thread settings refusing bad names; and the
 * binding's own size checks (no read past a short buffer even when TypeScript validation is bypassed).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { PackedMatrix, packSigns, rowBytes } from '../../../core/src/bitplanes';
import { InvalidArgumentError } from '../../../core/src/errors';
import { Rng, freshSeed } from '../../../core/src/random';
import { TsBackend } from '../ts/ts-backend';
import { CPU_ISAS, chooseCpuIsa, chooseSgemm, threadsFromEnv } from './cpu-isa';
import { CpuBackend, cpuBackendStatus, createCpuBackendWith } from './cpu-backend';
import { CpuAddonInfo, loadCpuAddon } from './native-addon';

const seed = freshSeed();
const rng = new Rng(seed);
const status = cpuBackendStatus();
const load = loadCpuAddon();
const info: CpuAddonInfo | undefined = 'addon' in load ? load.addon.info() : undefined;
console.log(`cpu backend tests seed ${seed}; cpu: ${status.available ? 'available, ' : ''}${status.detail}; ISAs here: ${info?.supportedIsas.join(', ') ?? 'none'}`);
const ref = new TsBackend();
const skipNoAddon = 'addon' in load ? false : `cpu ${status.detail}`;

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

function randomThresholds(m: number, spread: number): [Int32Array, Int8Array] {
  const t = Int32Array.from({ length: m }, () => Math.round((rng.next() * 2 - 1) * spread));
  const d = Int8Array.from({ length: m }, () => (rng.next() < 0.5 ? -1 : 1));
  return [t, d];
}

function close(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `${what}: element ${i} is ${a[i]}, reference ${b[i]} (seed ${seed})`);
  }
}

// Shapes that cross the 4 x 6 (avx512), 2 x 3 (avx2) and 2 x 2 (scalar) tiles, several 64-column task blocks with a
// ragged last one, and enough work to be split over threads; plus a batch-1 row against many weights.
const SHAPES: Array<[number, number, number]> = [[37, 203, 1000], [1, 700, 4096], [9, 130, 64], [66, 64, 129]];

describe('cpu backend, each ISA path against ts', () => {
  for (const isa of CPU_ISAS) {
    const why = skipNoAddon || (info!.supportedIsas.includes(isa) ? false : `this CPU lacks what ${isa} needs`);
    for (const threads of [1, 3, 64]) {
      it(`${isa}, threads=${threads}: all binary operations bit for bit, binaryWeightGemm within float rounding`, { skip: why }, () => {
        const b = createCpuBackendWith({ isa });
        assert.equal(b.isa, isa);
        b.setThreads(threads);
        assert.equal(b.threads, threads);
        for (const [n, m, k] of SHAPES) {
          const tag = `${isa} n=${n} m=${m} k=${k} threads=${threads} seed=${seed}`;
          const a = randomPacked(n, k);
          const w = randomPacked(m, k);
          assert.deepEqual(b.xnorGemm(a, w), ref.xnorGemm(a, w), `xnorGemm ${tag}`);
          const [t, d] = randomThresholds(m, Math.sqrt(k));
          // A dirty output buffer must come back fully rewritten, row padding included.
          const dirty = new Uint8Array(n * rowBytes(m)).fill(0xff);
          assert.deepEqual(b.xnorGemmThreshold(a, w, t, d, dirty).data, ref.xnorGemmThreshold(a, w, t, d).data, `xnorGemmThreshold ${tag}`);
          const x = rng.bytes(n * k);
          assert.deepEqual(b.bitplaneGemm(x, n, w), ref.bitplaneGemm(x, n, w), `bitplaneGemm ${tag}`);
          const [t0, d0] = randomThresholds(m, 128 * Math.sqrt(k));
          assert.deepEqual(b.bitplaneGemmThreshold(x, n, w, t0, d0, dirty).data, ref.bitplaneGemmThreshold(x, n, w, t0, d0).data, `bitplaneGemmThreshold ${tag}`);
          const xf = randomFloats(n * k);
          close(b.binaryWeightGemm(xf, n, w), ref.binaryWeightGemm(xf, n, w), 1e-4, `binaryWeightGemm ${tag}`);
        }
        b.setThreads(2);
      });
    }

    it(`${isa}: extreme 8-bit inputs (all 255, all 0) and a weight row of all +1 / all -1`, { skip: why }, () => {
      const b = createCpuBackendWith({ isa });
      const k = 1000;
      const plus = packSigns(new Float32Array(k).fill(1), 1, k);
      const minus = packSigns(new Float32Array(k).fill(-1), 1, k);
      const w: PackedMatrix = { data: new Uint8Array([...plus.data, ...minus.data]), rows: 2, cols: k };
      const x = new Uint8Array(2 * k);
      x.fill(255, 0, k);
      assert.deepEqual([...b.bitplaneGemm(x, 2, w)], [255 * k, -255 * k, 0, 0]);
    });

    it(`${isa}: operands that are unaligned views into larger buffers`, { skip: why }, () => {
      const b = createCpuBackendWith({ isa });
      const [n, m, k] = [5, 13, 300];
      const a = randomPacked(n, k);
      const w = randomPacked(m, k);
      const shifted = (src: Uint8Array): Uint8Array => {
        const buf = new Uint8Array(src.length + 3);
        buf.set(src, 3);
        return buf.subarray(3);
      };
      const a2 = { ...a, data: shifted(a.data) };
      const w2 = { ...w, data: shifted(w.data) };
      assert.deepEqual(b.xnorGemm(a2, w2), ref.xnorGemm(a, w));
      const x = rng.bytes(n * k);
      assert.deepEqual(b.bitplaneGemm(shifted(x), n, w2), ref.bitplaneGemm(x, n, w));
    });
  }
});

describe('cpu backend sgemm', () => {
  const impls = ['openblas', 'blocked'] as const;
  for (const impl of impls) {
    const why = skipNoAddon || (impl === 'openblas' && !info!.openblas ? 'this build did not find OpenBLAS' : false);
    it(`${impl}: every transpose combination across the blocking (kMC 96, kNC 256, kKC 256), threads 1 and 3`, { skip: why }, () => {
      const b = createCpuBackendWith({ sgemm: impl });
      for (const threads of [1, 3]) {
        b.setThreads(threads);
        for (const [m, n, k] of [[100, 300, 300], [7, 5, 3], [1, 257, 513], [200, 33, 70]]) {
          for (const ta of [false, true]) {
            for (const tb of [false, true]) {
              const a = randomFloats(m * k);
              const bb = randomFloats(k * n);
              const c0 = randomFloats(m * n);
              const tag = `sgemm ${impl} ${m}x${n}x${k} ta=${ta} tb=${tb} threads=${threads} seed=${seed}`;
              close(b.sgemm(ta, tb, m, n, k, -0.5, a, bb, 1.25, Float32Array.from(c0)), ref.sgemm(ta, tb, m, n, k, -0.5, a, bb, 1.25, Float32Array.from(c0)), 1e-4, tag);
              // beta = 0 ignores C entirely, even NaN in it.
              const nan = new Float32Array(m * n).fill(NaN);
              close(b.sgemm(ta, tb, m, n, k, 1, a, bb, 0, nan), ref.sgemm(ta, tb, m, n, k, 1, a, bb, 0, new Float32Array(m * n)), 1e-4, `${tag} beta=0`);
            }
          }
        }
      }
      b.setThreads(2);
    });
  }
});

describe('cpu backend settings', () => {
  const fake: CpuAddonInfo = { compiledIsas: ['avx512', 'avx2', 'scalar'], supportedIsas: ['avx2', 'scalar'], hardwareThreads: 2, openblas: false, blockedSgemm: 'avx2-fma 6x16' };

  it('BITPLANE_CPU_ISA: unknown or unsupported names are errors, never a silent fallback', () => {
    assert.throws(() => chooseCpuIsa('bogus', fake), (e: Error) => e instanceof InvalidArgumentError && /BITPLANE_CPU_ISA='bogus' is not a known ISA; use one of avx512, avx2, scalar/.test(e.message));
    assert.throws(() => chooseCpuIsa('avx512', fake), /BITPLANE_CPU_ISA='avx512' needs AVX-512 F\/BW\/VL and VPOPCNTDQ, which this CPU lacks/);
    assert.equal(chooseCpuIsa(undefined, fake), 'avx2');
    assert.equal(chooseCpuIsa('scalar', fake), 'scalar');
  });

  it('BITPLANE_CPU_SGEMM and BITPLANE_THREADS are checked', () => {
    assert.equal(chooseSgemm(undefined, fake), 'blocked');
    assert.equal(chooseSgemm(undefined, { ...fake, openblas: true }), 'openblas');
    assert.throws(() => chooseSgemm('openblas', fake), /did not find OpenBLAS/);
    assert.throws(() => chooseSgemm('mkl', fake), /BITPLANE_CPU_SGEMM='mkl' is not one of openblas, blocked/);
    assert.equal(threadsFromEnv(undefined, 7), 7);
    assert.equal(threadsFromEnv('3', 7), 3);
    for (const bad of ['0', '-1', '2.5', 'all']) assert.throws(() => threadsFromEnv(bad, 7), new RegExp(`BITPLANE_THREADS='${bad.replace('.', '\\.')}'`));
  });

  it('a process started with BITPLANE_CPU_ISA=bogus reports cpu unavailable with the reason, and getBackend("cpu") throws it', { skip: skipNoAddon }, () => {
    const select = path.join(__dirname, '..', 'select.js');
    const script = `const s = require(${JSON.stringify(select)});
      const st = s.backendStatuses().find((x) => x.name === 'cpu');
      let thrown = '';
      try { s.getBackend('cpu'); } catch (e) { thrown = e.message; }
      console.log(JSON.stringify({ st, thrown }));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, BITPLANE_CPU_ISA: 'bogus' } });
    assert.equal(r.status, 0, r.stderr);
    const { st, thrown } = JSON.parse(r.stdout) as { st: { available: boolean; detail: string }; thrown: string };
    assert.equal(st.available, false);
    assert.match(st.detail, /^unavailable: BITPLANE_CPU_ISA='bogus' is not a known ISA/);
    assert.match(thrown, /BITPLANE_CPU_ISA='bogus'/);
  });

  it('status names the ISA, thread count and sgemm implementation', { skip: skipNoAddon }, () => {
    assert.equal(status.available, true);
    assert.match(status.detail, /^(avx512-vpopcntdq|avx2 \(vpshufb popcount\)|scalar popcnt), \d+ threads?, (OpenBLAS|blocked .*) sgemm/);
  });
});

describe('cpu addon binding checks sizes itself', () => {
  it('throws TypeError for wrong types and RangeError for wrong sizes, without reading past short buffers', { skip: skipNoAddon }, () => {
    if (!('addon' in load)) return;
    const a = load.addon;
    const isa = info!.supportedIsas[0];
    const k = 65;
    const rb = rowBytes(k);
    assert.throws(() => a.xnorGemm(isa, new Uint8Array(rb * 2 - 1), 2, new Uint8Array(rb * 3), 3, k, new Int32Array(6)), (e: Error) => e instanceof RangeError && /a has 31 elements, expected 32/.test(e.message));
    assert.throws(() => a.xnorGemm(isa, new Uint8Array(rb * 2), 2, new Uint8Array(rb * 3), 3, k, new Int32Array(5)), (e: Error) => e instanceof RangeError && /out has 5 elements, expected 6/.test(e.message));
    assert.throws(() => a.xnorGemm(isa, new Uint8Array(rb * 2), 2, new Uint8Array(rb * 3), 3, k, new Float32Array(6) as unknown as Int32Array), (e: Error) => e instanceof TypeError && /out must be a Int32Array/.test(e.message));
    assert.throws(() => a.xnorGemm('bogus' as never, new Uint8Array(rb * 2), 2, new Uint8Array(rb * 3), 3, k, new Int32Array(6)), (e: Error) => e instanceof RangeError && /unknown ISA 'bogus'/.test(e.message));
    assert.throws(() => a.bitplaneGemm(isa, new Uint8Array(2 * k - 1), 2, new Uint8Array(rb * 3), 3, k, new Int32Array(6)), /x has 129 elements, expected 130/);
    assert.throws(() => a.xnorGemmThreshold(isa, new Uint8Array(rb), 1, new Uint8Array(rb * 3), 3, k, new Int32Array(3), new Int8Array([1, 0, 1]), new Uint8Array(8)), (e: Error) => e instanceof RangeError && /directions\[1\] is 0/.test(e.message));
    assert.throws(() => a.binaryWeightGemm(isa, new Float32Array(k), 1, new Uint8Array(rb * 3), 3, 0, new Float32Array(3)), /k must be a positive integer/);
    assert.throws(() => a.bitplaneGemm(isa, new Uint8Array(1), 1, new Uint8Array(8), 1, 2 ** 30, new Int32Array(1)), /too large: 255 k must fit in int32/);
    assert.throws(() => a.sgemm('blocked', false, false, 2, 2, 2, 1, new Float32Array(3), new Float32Array(4), 0, new Float32Array(4)), (e: Error) => e instanceof RangeError && /a has 3 elements, expected 4/.test(e.message));
    assert.throws(() => a.sgemm('blocked', false, false, 2, 2, 2, NaN, new Float32Array(4), new Float32Array(4), 0, new Float32Array(4)), /alpha must be finite/);
    assert.throws(() => a.sgemm('mkl' as never, false, false, 2, 2, 2, 1, new Float32Array(4), new Float32Array(4), 0, new Float32Array(4)), /sgemm implementation 'mkl' is not in this build/);
    assert.throws(() => a.setThreads(0), /threads must be a positive integer/);
  });

  it('the backend validates before native code and rejects thread counts out of range', { skip: skipNoAddon }, () => {
    const b: CpuBackend = createCpuBackendWith();
    assert.throws(() => b.setThreads(0), (e: Error) => e instanceof InvalidArgumentError && /threads must be a positive integer/.test(e.message));
    assert.throws(() => b.setThreads(5000), /threads must be at most 1024/);
    assert.throws(() => b.xnorGemm(randomPacked(2, 64), randomPacked(2, 65)), (e: Error) => e instanceof InvalidArgumentError);
  });
});
