/** `bitplane hw sim`: compiles an exported accelerator and its testbench with iverilog, runs vvp, parses the verdict. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../libs/core/src/errors';
import type { VerilogDesign } from '../exporters/verilog/verilog-exporter';
import { readDesignFile, runTool } from './tools';

/** The verdict of one simulation run. */
export interface SimResult {
  images: number;
  passed: number;
  failed: number;
  mismatches: number;
  /** Cycles from the first input beat of image 0 to its last output beat. */
  latencyCycles: number;
  /** Steady-state cycles per image: (last image done - first image done) / (images - 1); NaN for one image. */
  cyclesPerImage: number;
  totalCycles: number;
  /** Mismatch lines the testbench printed (at most 10). */
  messages: string[];
  compileSeconds: number;
  simSeconds: number;
  log: string;
}

/** Reads design.json of a Verilog export. */
export function readVerilogDesign(dir: string): VerilogDesign {
  return readDesignFile<VerilogDesign>(dir, 'design.json', 'verilog', 'bitplane-verilog/1');
}

/** Simulates `images` images (default: the export's default) through the design in `dir`. */
export function simulate(dir: string, opts: { images?: number; stall?: boolean; seed?: number } = {}): SimResult {
  const design = readVerilogDesign(dir);
  const images = opts.images ?? design.golden.defaultSimImages;
  if (!Number.isInteger(images) || images < 1 || images > design.golden.images) {
    throw new InvalidArgumentError(`--images must be 1..${design.golden.images} (golden vectors in this export), got ${images}`);
  }
  const build = path.join(dir, 'build');
  fs.mkdirSync(build, { recursive: true });
  const compile = runTool('iverilog', ['-g2005', '-Wall', '-o', 'build/sim.vvp', '-s', 'tb_bnn', ...design.rtl, design.testbench], dir);
  if (compile.status !== 0) throw new Error(`iverilog failed to compile ${dir}:\n${compile.stderr}${compile.stdout}`);
  const args = ['-n', 'build/sim.vvp', `+images=${images}`, `+stall=${opts.stall ? 1 : 0}`, `+seed=${opts.seed ?? 1}`];
  const run = runTool('vvp', args, dir);
  const log = run.stdout + run.stderr;
  const line = log.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`simulation of ${dir} ended without a RESULT line (exit ${run.status}):\n${log.slice(-4000)}`);
  const kv = Object.fromEntries(line.slice(7).trim().split(/\s+/).map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]));
  const passed = kv.passed;
  return {
    images: kv.images,
    passed,
    failed: kv.failed,
    mismatches: kv.mismatches,
    latencyCycles: kv.latency_cycles,
    cyclesPerImage: kv.images > 1 ? kv.steady_cycles / (kv.images - 1) : NaN,
    totalCycles: kv.total_cycles,
    messages: log.split('\n').filter((l) => l.startsWith('MISMATCH') || l.includes('overflow')),
    compileSeconds: compile.seconds,
    simSeconds: run.seconds,
    log,
  };
}

/** Runs `verilator --lint-only -Wall` on the RTL of an export; returns the warnings (empty when clean). */
export function lintVerilog(dir: string): { clean: boolean; output: string } {
  const design = readVerilogDesign(dir);
  const r = runTool('verilator', ['--lint-only', '-Wall', '--top-module', design.top, ...design.rtl], dir);
  const output = (r.stdout + r.stderr).trim();
  return { clean: r.status === 0 && output === '', output };
}
