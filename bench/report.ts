/** Shared benchmark reporting: medians, a printed table, and bench-results/<name>.json (ARCHITECTURE.md, Benchmarks). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** One row of a benchmark result. ratio > 1 always means we are ahead of the baseline. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number;
  [extra: string]: unknown;
}

/** Median of samples. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Builds a row; `higherIsBetter` picks ratio = value / baseline (throughput) or baseline / value (latency). */
export function row(name: string, value: number, unit: string, baseline: string, baselineValue: number, higherIsBetter: boolean, extra: Record<string, unknown> = {}): BenchRow {
  return { name, value, unit, baseline, baselineValue, ratio: higherIsBetter ? value / baselineValue : baselineValue / value, ...extra };
}

/** Runs `fn` repeatedly (after warm-up) and returns the per-call seconds of each repeat. */
export function timeRepeats(fn: () => void, repeats: number, warmup = 1): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return out;
}

/** Machine description for the result file. */
export function machine(): { cpu: string; cores: number } {
  return { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism() };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e9) return `${(v / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(2)}k`;
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Prints the table and writes bench-results/<name>.json; returns the file path. */
export function report(benchmark: string, results: BenchRow[], notes: string[] = []): string {
  const header = ['name', 'value', 'unit', 'baseline', 'baseline value', 'ratio'];
  const rows = results.map((r) => [r.name, fmt(r.value), r.unit, r.baseline, fmt(r.baselineValue), `${r.ratio.toFixed(2)}x`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const n of notes) console.log(n);
  const dir = path.join(process.cwd(), 'bench-results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${benchmark}.json`);
  fs.writeFileSync(file, JSON.stringify({ benchmark, machine: machine(), date: new Date().toISOString(), results, notes }, null, 2) + '\n');
  console.log(`wrote ${file}`);
  return file;
}
