/**
 * `npm run bench:kernels`: the cpu backend's kernels against onnxruntime-node's float32 MatMul on the same logical
 * shapes, with the same thread count, both warmed up, medians over repeats. Throughput is multiply-accumulates per
 * second (binary MACs for the XNOR kernels). Also prints the share of this CPU's popcount roofline that xnorGemm
 * reaches. Writes bench-results/kernels.json (ARCHITECTURE.md, Benchmarks). Run it alone (flock /tmp/bench.lock).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as ort from 'onnxruntime-node';
import { matmulModel } from '../exporters/onnx/matmul-model';
import { PackedMatrix, rowBytes } from '../libs/core/src/bitplanes';
import { Rng, freshSeed } from '../libs/core/src/random';
import { CpuBackend, createCpuBackendWith } from '../libs/kernels/src/cpu/cpu-backend';
import { threadsFromEnv } from '../libs/kernels/src/cpu/cpu-isa';
import { CpuIsa, loadCpuAddon } from '../libs/kernels/src/cpu/native-addon';
import { BenchRow, median, report, row } from './report';

const BASELINE = 'onnxruntime fp32 MatMul';
const seed = freshSeed();
const rng = new Rng(seed);
const threads = threadsFromEnv(process.env.BITPLANE_THREADS, os.availableParallelism());
// BITPLANE_BENCH_QUICK=1 shrinks repeats for a smoke run; published figures use the defaults.
const quick = process.env.BITPLANE_BENCH_QUICK === '1';

/** Seconds per call of a synchronous function: `warmup` untimed calls, then the median of `repeats`. */
function timeSync(fn: () => void, repeats: number, warmup = 2): number {
  for (let i = 0; i < warmup; i++) fn();
  const xs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    xs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(xs);
}

/** Seconds per call of onnxruntime's MatMul y = a [m, k] @ b [k, n] (a fresh session per shape). */
async function ortMatmulSeconds(m: number, k: number, n: number, repeats: number): Promise<number> {
  const session = await ort.InferenceSession.create(matmulModel(m, k, n), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = { a: new ort.Tensor('float32', randomFloats(m * k), [m, k]), b: new ort.Tensor('float32', randomFloats(k * n), [k, n]) };
  for (let i = 0; i < 2; i++) await session.run(feeds);
  const xs: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    xs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  await session.release();
  return median(xs);
}

function randomFloats(n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

/** A random packed matrix (random bytes, padding bits cleared as the layout requires). */
function randomPacked(rows: number, cols: number): PackedMatrix {
  const rb = rowBytes(cols);
  const data = new Uint8Array(rows * rb);
  for (let i = 0; i < data.length; i += 4) {
    const v = rng.nextU32();
    for (let j = 0; j < 4 && i + j < data.length; j++) data[i + j] = (v >>> (8 * j)) & 0xff;
  }
  const pad = rb * 8 - cols;
  if (pad > 0) {
    for (let r = 0; r < rows; r++) {
      for (let bit = cols; bit < rb * 8; bit++) data[r * rb + (bit >> 3)] &= ~(1 << (bit & 7));
    }
  }
  return { data, rows, cols };
}

/** Nominal core clock in Hz from /proc/cpuinfo (what a VM exposes; turbo may run above it). */
function clockHz(): number | undefined {
  try {
    const m = /cpu MHz\s*:\s*([\d.]+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? Number(m[1]) * 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Binary MACs per cycle per core that the XOR + popcount + add loop can issue, assuming four 256-bit vector ALU
 * pipes per core (AMD Zen 3 / Zen 4; a 512-bit operation occupies two): avx512 needs 3 operations (vpxorq,
 * vpopcntq, vpaddq) per 512 bits, avx2 8 operations (vpxor, 2 vpand, vpsrlw, 2 vpshufb, 2 vpaddb) per 256 bits,
 * scalar 3 integer operations (xor, popcnt, add) per 64 bits on four integer ALUs.
 */
const BITS_PER_CYCLE: Record<CpuIsa, number> = { avx512: (1024 / 6) * 2, avx2: (1024 / 8) * 1, scalar: (4 / 3) * 64 };

async function main(): Promise<void> {
  const loaded = loadCpuAddon();
  if ('error' in loaded) throw new Error(`cpu backend unavailable: ${loaded.error}`);
  const info = loaded.addon.info();
  const cpu: CpuBackend = createCpuBackendWith();
  cpu.setThreads(threads);
  console.log(`bench kernels: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.availableParallelism()} cores; threads ${threads}; cpu backend: ${cpu.describe()}; onnxruntime-node ${ort.env.versions.common}; seed ${seed}`);
  const reps = (n: number): number => (quick ? Math.max(1, Math.ceil(n / 4)) : n);
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const ortCache = new Map<string, number>();
  const ortMacs = async (m: number, k: number, n: number, repeats: number): Promise<number> => {
    const key = `${m}x${k}x${n}`;
    if (!ortCache.has(key)) {
      ortCache.set(key, (m * k * n) / (await ortMatmulSeconds(m, k, n, repeats)));
      console.log(`  ${BASELINE} ${m}x${n}x${k}: ${(ortCache.get(key)! / 1e9).toFixed(2)} G MAC/s`);
    }
    return ortCache.get(key)!;
  };

  // XNOR-popcount GEMMs: N activations x M weights x K, against MatMul [N, K] @ [K, M].
  const xnorShapes: Array<[number, number, number, number]> = [[4096, 4096, 4096, 7], [1, 4096, 4096, 201]];
  for (const [n, m, k, repeats] of xnorShapes) {
    const base = await ortMacs(n, k, m, n === 1 ? 51 : 5);
    const a = randomPacked(n, k);
    const w = randomPacked(m, k);
    const out = new Int32Array(n * m);
    for (const isa of info.supportedIsas) {
      const b = createCpuBackendWith({ isa });
      const s = timeSync(() => b.xnorGemm(a, w, out), isa === cpu.isa ? reps(repeats) : reps(Math.ceil(repeats / 2)));
      const macs = (n * m * k) / s;
      const name = isa === cpu.isa ? `xnorGemm ${n}x${m}x${k}` : `xnorGemm ${n}x${m}x${k} [${isa}]`;
      const label = isa === cpu.isa ? `${name} [${isa}]` : name;
      const hz = clockHz();
      const roof = hz ? threads * hz * BITS_PER_CYCLE[isa] : undefined;
      rows.push(row(name, macs, 'binary MAC/s', BASELINE, base, true, { isa, threads, medianSeconds: s, ...(roof ? { rooflineShare: macs / roof } : {}) }));
      console.log(`  ${label}: ${(macs / 1e9).toFixed(1)} G binary MAC/s${roof ? `, ${((100 * macs) / roof).toFixed(0)}% of the ${isa} popcount roofline ${(roof / 1e9).toFixed(0)} G` : ''}`);
    }
    if (n === 4096) {
      const [t, d] = [Int32Array.from({ length: m }, () => rng.int(65) - 32), Int8Array.from({ length: m }, () => (rng.next() < 0.5 ? -1 : 1))];
      const packedOut = new Uint8Array(n * rowBytes(m));
      const s = timeSync(() => cpu.xnorGemmThreshold(a, w, t, d, packedOut), reps(repeats));
      rows.push(row(`xnorGemmThreshold ${n}x${m}x${k}`, (n * m * k) / s, 'binary MAC/s', BASELINE, base, true, { isa: cpu.isa, threads, medianSeconds: s }));
    }
  }

  // First layer: 8-bit inputs through bit-planes; BinaryConnect: float inputs times +-1 weights.
  {
    const [n, m, k] = [1024, 4096, 4096];
    const base = await ortMacs(n, k, m, 5);
    const w = randomPacked(m, k);
    const x8 = rng.bytes(n * k);
    const out = new Int32Array(n * m);
    const s8 = timeSync(() => cpu.bitplaneGemm(x8, n, w, out), reps(5));
    rows.push(row(`bitplaneGemm ${n}x${m}x${k}`, (n * m * k) / s8, 'MAC/s', BASELINE, base, true, { isa: cpu.isa, threads, medianSeconds: s8 }));
    const xf = randomFloats(n * k);
    const outF = new Float32Array(n * m);
    const sf = timeSync(() => cpu.binaryWeightGemm(xf, n, w, outF), reps(5));
    rows.push(row(`binaryWeightGemm ${n}x${m}x${k}`, (n * m * k) / sf, 'MAC/s', BASELINE, base, true, { isa: cpu.isa, threads, medianSeconds: sf }));
  }

  // sgemm: C [m, n] = A [m, k] @ B [k, n], against MatMul of the same shapes.
  for (const [m, n, k, repeats] of [[1024, 1024, 1024, 15], [256, 4096, 4096, 9]]) {
    const base = await ortMacs(m, k, n, repeats);
    const a = randomFloats(m * k);
    const b = randomFloats(k * n);
    const c = new Float32Array(m * n);
    const impls = info.openblas ? (['openblas', 'blocked'] as const) : (['blocked'] as const);
    for (const impl of impls) {
      const be = createCpuBackendWith({ sgemm: impl });
      const s = timeSync(() => be.sgemm(false, false, m, n, k, 1, a, b, 0, c), reps(repeats));
      const name = impl === cpu.sgemmImpl ? `sgemm ${m}x${n}x${k}` : `sgemm ${m}x${n}x${k} [${impl}]`;
      rows.push(row(name, (m * n * k) / s, 'MAC/s', BASELINE, base, true, { sgemm: impl, threads, medianSeconds: s }));
    }
  }

  const hz = clockHz();
  notes.push(`threads ${threads} for both sides; onnxruntime-node ${ort.env.versions.common} (intraOpNumThreads ${threads}); cpu backend ${cpu.describe()}; OpenBLAS: ${info.openblasConfig ?? 'not linked'}`);
  if (hz) {
    notes.push(
      `popcount roofline = threads x ${(hz / 1e9).toFixed(2)} GHz (nominal, /proc/cpuinfo) x bits/cycle/core (avx512 ${BITS_PER_CYCLE.avx512.toFixed(0)}, avx2 ${BITS_PER_CYCLE.avx2.toFixed(0)}, scalar ${BITS_PER_CYCLE.scalar.toFixed(0)}; four 256-bit vector pipes per core); a share above 100% means the core ran above the nominal clock`,
    );
  }
  report('kernels', rows, notes);
  const targets: Array<[string, number]> = [
    ['xnorGemm 4096x4096x4096', 8],
    ['xnorGemmThreshold 4096x4096x4096', 8],
    ['xnorGemm 1x4096x4096', 10],
    ['sgemm 1024x1024x1024', 0.7],
    ['sgemm 256x4096x4096', 0.7],
  ];
  for (const [name, target] of targets) {
    const r = rows.find((x) => x.name === name)!;
    console.log(`target ${name}: ${r.ratio.toFixed(2)}x vs ${target}x -> ${r.ratio >= target ? 'met' : 'NOT met'}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
