/**
 * The cuda benchmark: the cuda backend's xnorGemm (4096^3 and batch 1), xnorGemmThreshold, bitplaneGemm and sgemm
 * against cuBLAS fp32 GEMM on the same logical shapes, in the same run (PyTorch with TF32 off, through
 * cublas_baseline.py). Each row is a median; "kernel" rows time the device kernels alone (CUDA events), "end-to-end"
 * rows the whole call from host arrays (copies in and out included). Every measured result is spot-checked
 * against an exact host computation before it is reported.
 * Run (needs a GPU): node <dist>/libs/kernels/src/cuda/cuda.bench.js   (scripts/device-check.sh does it)
 * Writes bench-results/cuda.json (ARCHITECTURE.md, Benchmarks).
 */
import { spawnSync } from 'node:child_process';
import { PackedMatrix, POPCOUNT8, rowBytes } from '../../../core/src/bitplanes';
import { fromRoot } from '../../../core/src/paths';
import { Rng, freshSeed } from '../../../core/src/random';
import { BenchRow, median, report, row } from '../../../../bench/report';
import { TsBackend } from '../ts/ts-backend';
import { cudaBackendStatus, createCudaBackend, CudaBackend } from './cuda-backend';

const status = cudaBackendStatus();
if (!status.available) {
  console.error(`cuda benchmark: the cuda backend is ${status.detail}`);
  process.exit(2);
}
const cuda = createCudaBackend() as CudaBackend;
const seed = freshSeed();
const rng = new Rng(seed);
const repeats = Number(process.env.BITPLANE_BENCH_REPEATS ?? 10);
console.log(`cuda benchmark on ${status.detail}; seed ${seed}; ${repeats} repeats per case, medians`);

interface Timing {
  kernel: number;
  endToEnd: number;
}

/** Median kernel and end-to-end seconds of `fn` after two warm-up calls. */
function measure(fn: () => void): Timing {
  fn();
  fn();
  const kernel: number[] = [];
  const e2e: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    e2e.push(Number(process.hrtime.bigint() - t0) / 1e9);
    kernel.push(cuda.lastKernelMs() / 1000);
  }
  return { kernel: median(kernel), endToEnd: median(e2e) };
}

/** A packed matrix of random bits (K a multiple of 64 here, so no padding to keep zero). */
function randomBits(rows: number, cols: number): PackedMatrix {
  if (cols % 64) throw new Error('randomBits needs K to be a multiple of 64');
  return { data: rng.bytes(rows * rowBytes(cols)), rows, cols };
}

function randomFloats(n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

/** Exact K - 2 popcount(a_i XOR w_j) on the host. */
function xnorDot(a: PackedMatrix, w: PackedMatrix, i: number, j: number): number {
  const rb = rowBytes(a.cols);
  let pop = 0;
  for (let b = 0; b < rb; b++) pop += POPCOUNT8[a.data[i * rb + b] ^ w.data[j * rb + b]];
  return a.cols - 2 * pop;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`cuda benchmark: wrong result: ${what} (seed ${seed})`);
}

interface Baseline {
  device: string;
  torch: string;
  results: Array<{ shape: string; kernelSeconds: number; endToEndSeconds: number }>;
}

/** cuBLAS fp32 GEMM medians for M x N x K shapes, from PyTorch; undefined (with the reason printed) when it cannot run. */
function cublasBaseline(shapes: string[]): Baseline | undefined {
  const python = process.env.BITPLANE_PYTHON ?? 'python3';
  const r = spawnSync(python, [fromRoot('libs', 'kernels', 'src', 'cuda', 'cublas_baseline.py'), '--repeats', String(repeats), ...shapes], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    console.error(`cuBLAS baseline unavailable (${python}: ${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
    return undefined;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Baseline;
}

interface Case {
  /** Row name, e.g. "xnorGemm 4096x4096x4096" (N x M x K for the binary ops, M x N x K for sgemm). */
  name: string;
  /** The same logical product as an fp32 GEMM, M x N x K. */
  gemmShape: string;
  macs: number;
  run: () => void;
  verify: () => void;
}

function xnorCase(n: number, m: number, k: number): Case {
  const a = randomBits(n, k);
  const w = randomBits(m, k);
  const out = new Int32Array(n * m);
  return {
    name: `xnorGemm ${n}x${m}x${k}`,
    gemmShape: `${n}x${m}x${k}`,
    macs: n * m * k,
    run: () => cuda.xnorGemm(a, w, out),
    verify: () => {
      if (n * m <= 65536) {
        const want = new TsBackend().xnorGemm(a, w);
        for (let i = 0; i < want.length; i++) check(out[i] === want[i], `xnorGemm ${n}x${m}x${k} [${i}] ${out[i]} vs ${want[i]}`);
      } else {
        for (let s = 0; s < 4000; s++) {
          const i = rng.int(n);
          const j = rng.int(m);
          check(out[i * m + j] === xnorDot(a, w, i, j), `xnorGemm ${n}x${m}x${k} [${i}][${j}]`);
        }
      }
    },
  };
}

function xnorThresholdCase(n: number, m: number, k: number): Case {
  const a = randomBits(n, k);
  const w = randomBits(m, k);
  const t = Int32Array.from({ length: m }, () => Math.round((rng.next() * 2 - 1) * Math.sqrt(k)));
  const d = Int8Array.from({ length: m }, () => (rng.next() < 0.5 ? -1 : 1));
  const out = new Uint8Array(n * rowBytes(m));
  return {
    name: `xnorGemmThreshold ${n}x${m}x${k}`,
    gemmShape: `${n}x${m}x${k}`,
    macs: n * m * k,
    run: () => cuda.xnorGemmThreshold(a, w, t, d, out),
    verify: () => {
      const rb = rowBytes(m);
      for (let s = 0; s < 4000; s++) {
        const i = rng.int(n);
        const j = rng.int(m);
        const v = xnorDot(a, w, i, j);
        const want = d[j] > 0 ? v >= t[j] : v <= t[j];
        check(Boolean((out[i * rb + (j >> 3)] >> (j & 7)) & 1) === want, `xnorGemmThreshold ${n}x${m}x${k} bit [${i}][${j}]`);
      }
    },
  };
}

function bitplaneCase(n: number, m: number, k: number): Case {
  const x = rng.bytes(n * k);
  const w = randomBits(m, Math.ceil(k / 64) * 64);
  const wk: PackedMatrix = { data: w.data, rows: m, cols: k };
  if (k % 64) {
    // Clear the padding bits of each row so the matrix is in the exact layout.
    const rb = rowBytes(k);
    for (let r = 0; r < m; r++) for (let bit = k; bit < rb * 8; bit++) w.data[r * rb + (bit >> 3)] &= ~(1 << (bit & 7));
  }
  const out = new Int32Array(n * m);
  return {
    name: `bitplaneGemm ${n}x${m}x${k}`,
    gemmShape: `${n}x${m}x${k}`,
    macs: n * m * k,
    run: () => cuda.bitplaneGemm(x, n, wk, out),
    verify: () => {
      const rb = rowBytes(k);
      for (let s = 0; s < 2000; s++) {
        const i = rng.int(n);
        const j = rng.int(m);
        let acc = 0;
        for (let kk = 0; kk < k; kk++) acc += (w.data[j * rb + (kk >> 3)] >> (kk & 7)) & 1 ? x[i * k + kk] : -x[i * k + kk];
        check(out[i * m + j] === acc, `bitplaneGemm ${n}x${m}x${k} [${i}][${j}] ${out[i * m + j]} vs ${acc}`);
      }
    },
  };
}

function sgemmCase(m: number, n: number, k: number): Case {
  const a = randomFloats(m * k);
  const b = randomFloats(k * n);
  const c = new Float32Array(m * n);
  return {
    name: `sgemm ${m}x${n}x${k}`,
    gemmShape: `${m}x${n}x${k}`,
    macs: m * n * k,
    run: () => cuda.sgemm(false, false, m, n, k, 1, a, b, 0, c),
    verify: () => {
      for (let s = 0; s < 300; s++) {
        const i = rng.int(m);
        const j = rng.int(n);
        let want = 0;
        let scale = 0;
        for (let p = 0; p < k; p++) {
          want += a[i * k + p] * b[p * n + j];
          scale += Math.abs(a[i * k + p] * b[p * n + j]);
        }
        check(Math.abs(c[i * n + j] - want) <= 1e-5 * scale + 1e-4, `sgemm ${m}x${n}x${k} [${i}][${j}] ${c[i * n + j]} vs ${want}`);
      }
    },
  };
}

const cases: Case[] = [
  xnorCase(4096, 4096, 4096),
  xnorCase(1, 4096, 4096),
  xnorThresholdCase(4096, 4096, 4096),
  bitplaneCase(256, 4096, 784),
  sgemmCase(1024, 1024, 1024),
  sgemmCase(256, 4096, 4096),
  sgemmCase(4096, 4096, 4096),
];

const timings = new Map<string, Timing>();
for (const c of cases) {
  const t = measure(c.run);
  c.verify();
  timings.set(c.name, t);
  console.log(`${c.name}: kernel ${(t.kernel * 1e3).toFixed(3)} ms, end-to-end ${(t.endToEnd * 1e3).toFixed(3)} ms (verified)`);
}

const baseline = cublasBaseline([...new Set(cases.map((c) => c.gemmShape))]);
const rows: BenchRow[] = [];
const notes = [`device: ${status.detail}`, `seed ${seed}; ${repeats} repeats; MAC/s counts one multiply-accumulate of the logical product (binary ops: one bit pair)`];
if (baseline) notes.push(`baseline: cuBLAS fp32 GEMM through torch ${baseline.torch} on ${baseline.device}, TF32 off, same logical M x N x K`);
for (const c of cases) {
  const t = timings.get(c.name)!;
  const b = baseline?.results.find((r) => r.shape === c.gemmShape);
  const kernelBase = b ? c.macs / b.kernelSeconds : NaN;
  const e2eBase = b ? c.macs / b.endToEndSeconds : NaN;
  const label = b ? 'cuBLAS fp32 GEMM' : 'cuBLAS unavailable';
  rows.push(row(`cuda ${c.name} kernel`, c.macs / t.kernel, 'MAC/s', `${label} kernel`, kernelBase, true, { medianSeconds: t.kernel }));
  rows.push(row(`cuda ${c.name} end-to-end`, c.macs / t.endToEnd, 'MAC/s', `${label} host-to-host`, e2eBase, true, { medianSeconds: t.endToEnd }));
}
report('cuda', rows, notes);
