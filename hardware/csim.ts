/** `bitplane hw csim`: compiles an HLS export and its C testbench with g++ and runs it against the golden vectors. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../libs/core/src/errors';
import type { HlsDesign } from '../exporters/hls/hls-exporter';
import { readDesignFile, runTool } from './tools';

/** The verdict of one C simulation. */
export interface CsimResult {
  images: number;
  passed: number;
  failed: number;
  mismatches: number;
  messages: string[];
  compileSeconds: number;
  runSeconds: number;
  log: string;
}

/** Compiles (g++ -std=c++17 -O2, warnings as errors except HLS pragmas and loop labels) and runs the C testbench of the HLS export in `dir`. */
export function csim(dir: string, opts: { images?: number } = {}): CsimResult {
  const design = readDesignFile<HlsDesign>(dir, 'design.json', 'hls', 'bitplane-hls/1');
  const images = opts.images ?? design.golden.defaultCsimImages;
  if (!Number.isInteger(images) || images < 1 || images > design.golden.images) {
    throw new InvalidArgumentError(`--images must be 1..${design.golden.images} (golden vectors in this export), got ${images}`);
  }
  fs.mkdirSync(path.join(dir, 'build'), { recursive: true });
  const args = ['-std=c++17', '-O2', '-Wall', '-Wextra', '-Werror', '-Wno-unknown-pragmas', '-Wno-unused-label', ...design.sources, design.testbench, '-o', 'build/csim'];
  const compile = runTool('g++', args, dir);
  if (compile.status !== 0) throw new Error(`g++ failed to compile ${dir}:\n${compile.stderr}${compile.stdout}`);
  const exe = path.join(dir, 'build', 'csim');
  const run = runTool(exe, ['--images', String(images)], dir);
  const log = run.stdout + run.stderr;
  const line = log.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`C simulation of ${dir} ended without a RESULT line (exit ${run.status}):\n${log.slice(-4000)}`);
  const kv = Object.fromEntries(line.slice(7).trim().split(/\s+/).map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]));
  return {
    images: kv.images,
    passed: kv.passed,
    failed: kv.failed,
    mismatches: kv.mismatches,
    messages: log.split('\n').filter((l) => l.startsWith('MISMATCH')),
    compileSeconds: compile.seconds,
    runSeconds: run.seconds,
    log,
  };
}
