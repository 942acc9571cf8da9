/**
 * `bitplane hw synth`: yosys synthesis of an exported accelerator (synth_ice40 or synth_xilinx) and a resource
 * report; for iCE40 also nextpnr-ice40 place-and-route on an HX8K for Fmax, and throughput = Fmax / cycles per image.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../libs/core/src/errors';
import { readVerilogDesign } from './sim';
import { runTool } from './tools';

/** Devices `hw synth` knows. */
export const SYNTH_DEVICES = ['ice40', 'xilinx'] as const;
export type SynthDevice = (typeof SYNTH_DEVICES)[number];

/** Resources and timing of one synthesis run. */
export interface SynthReport {
  device: SynthDevice;
  /** Part used for place-and-route (iCE40 only). */
  part?: string;
  luts: number;
  flipFlops: number;
  /** Block RAM primitives (SB_RAM40_4K, or RAMB18E1 + 2 x RAMB36E1 counted as 18 Kbit halves). */
  blockRam: number;
  blockRamUnit: string;
  dsps: number;
  carries: number;
  /** LUTs used as distributed RAM (Xilinx). */
  lutRam: number;
  /** Every cell type yosys reported, with counts. */
  cells: Record<string, number>;
  /** nextpnr-ice40 maximum frequency (MHz); absent when place-and-route was skipped or failed. */
  fmaxMhz?: number;
  /** Why place-and-route was skipped or failed. */
  pnrNote?: string;
  /** Placed logic cells / available (iCE40). */
  logicCells?: string;
  cyclesPerImage: number;
  /** Fmax / cycles per image. */
  imagesPerSecond?: number;
  yosysSeconds: number;
  pnrSeconds?: number;
}

/** Parses the cell table of yosys `stat` (flattened design). */
export function parseYosysStat(text: string): Record<string, number> {
  const cells: Record<string, number> = {};
  let inCells = false;
  for (const line of text.split('\n')) {
    if (/Number of cells:/.test(line)) {
      inCells = true;
      continue;
    }
    if (!inCells) continue;
    const m = /^\s+(\$?[A-Za-z_][\w$]*)\s+(\d+)\s*$/.exec(line);
    if (m) cells[m[1]] = (cells[m[1]] ?? 0) + Number(m[2]);
    else if (line.trim() === '' && Object.keys(cells).length) inCells = false;
  }
  return cells;
}

function sum(cells: Record<string, number>, re: RegExp): number {
  return Object.entries(cells).filter(([k]) => re.test(k)).reduce((s, [, v]) => s + v, 0);
}

/** Synthesises the design in `dir` for `device`; iCE40 also places and routes unless `pnr` is false. */
export function synthesize(dir: string, device: string, opts: { pnr?: boolean; part?: string; package?: string } = {}): SynthReport {
  if (!(SYNTH_DEVICES as readonly string[]).includes(device)) {
    throw new InvalidArgumentError(`--device '${device}' is not supported; devices: ${SYNTH_DEVICES.join(', ')}`);
  }
  const dev = device as SynthDevice;
  const design = readVerilogDesign(dir);
  fs.mkdirSync(path.join(dir, 'build'), { recursive: true });
  const json = `build/${dev}.json`;
  const statFile = `build/${dev}-stat.txt`;
  const synthCmd = dev === 'ice40' ? `synth_ice40 -top ${design.top} -json ${json}` : `synth_xilinx -top ${design.top} -flatten`;
  const script = `read_verilog -defer ${design.rtl.join(' ')}; ${synthCmd}; tee -q -o ${statFile} stat`;
  const y = runTool('yosys', ['-q', '-l', `build/yosys-${dev}.log`, '-p', script], dir);
  if (y.status !== 0) throw new Error(`yosys failed on ${dir} (log in build/yosys-${dev}.log):\n${(y.stderr + y.stdout).slice(-4000)}`);
  const cells = parseYosysStat(fs.readFileSync(path.join(dir, statFile), 'utf8'));
  const report: SynthReport =
    dev === 'ice40'
      ? {
          device: dev,
          luts: sum(cells, /^SB_LUT4$/),
          flipFlops: sum(cells, /^SB_DFF/),
          blockRam: sum(cells, /^SB_RAM40_4K/),
          blockRamUnit: 'SB_RAM40_4K (4 Kbit)',
          dsps: sum(cells, /^SB_MAC16$/),
          carries: sum(cells, /^SB_CARRY$/),
          lutRam: 0,
          cells,
          cyclesPerImage: design.folding.cyclesPerImage,
          yosysSeconds: y.seconds,
        }
      : {
          device: dev,
          luts: sum(cells, /^LUT[1-6]$/),
          flipFlops: sum(cells, /^FD[A-Z]*$/),
          blockRam: sum(cells, /^RAMB18/) + 2 * sum(cells, /^RAMB36/),
          blockRamUnit: 'RAMB18 (18 Kbit; a RAMB36 counts 2)',
          dsps: sum(cells, /^DSP48/),
          carries: sum(cells, /^CARRY/),
          lutRam: sum(cells, /^RAM(16|32|64|128|256)/),
          cells,
          cyclesPerImage: design.folding.cyclesPerImage,
          yosysSeconds: y.seconds,
        };
  if (dev === 'ice40' && opts.pnr !== false) placeAndRoute(dir, json, report, opts.part ?? 'hx8k', opts.package ?? 'ct256');
  return report;
}

function placeAndRoute(dir: string, json: string, report: SynthReport, part: string, pkg: string): void {
  report.part = `${part} (${pkg})`;
  // Block RAM of the part: HX8K / LP8K have 32 SB_RAM40_4K.
  const brams: Record<string, number> = { hx1k: 16, lp1k: 16, hx4k: 20, lp4k: 20, hx8k: 32, lp8k: 32, up5k: 30 };
  if (brams[part] !== undefined && report.blockRam > brams[part]) {
    report.pnrNote = `skipped: ${report.blockRam} SB_RAM40_4K needed, the ${part} has ${brams[part]}`;
    return;
  }
  const r = runTool('nextpnr-ice40', [`--${part}`, '--package', pkg, '--json', json, '--asc', 'build/ice40.asc', '--pcf-allow-unconstrained', '--timing-allow-fail', '--freq', '12', '--seed', '1'], dir);
  const log = r.stdout + r.stderr;
  fs.writeFileSync(path.join(dir, 'build', 'nextpnr-ice40.log'), log);
  report.pnrSeconds = r.seconds;
  const fmax = [...log.matchAll(/Max frequency for clock\s+'[^']*':\s+([\d.]+) MHz/g)].map((m) => Number(m[1]));
  const lc = /ICESTORM_LC:\s+(\d+)\/\s*(\d+)/.exec(log);
  if (lc) report.logicCells = `${lc[1]}/${lc[2]}`;
  if (r.status !== 0 || !fmax.length) {
    report.pnrNote = `nextpnr-ice40 failed (exit ${r.status}; log in build/nextpnr-ice40.log): ${log.split('\n').filter((l) => /ERROR/.test(l)).slice(0, 3).join(' ')}`;
    return;
  }
  report.fmaxMhz = fmax[fmax.length - 1];
  report.imagesPerSecond = (report.fmaxMhz * 1e6) / report.cyclesPerImage;
}

/** A plain-text report of a synthesis run. */
export function formatSynthReport(r: SynthReport): string {
  const lines = [
    `device ${r.device}${r.part ? ` (place-and-route on ${r.part})` : ''}`,
    `LUTs ${r.luts}, flip-flops ${r.flipFlops}, block RAM ${r.blockRam} x ${r.blockRamUnit}, DSPs ${r.dsps}, carry cells ${r.carries}` +
      (r.device === 'xilinx' ? `, LUT-RAM cells ${r.lutRam}` : ''),
    `cycles per image (slowest layer) ${r.cyclesPerImage}`,
  ];
  if (r.logicCells) lines.push(`placed logic cells ${r.logicCells}`);
  if (r.fmaxMhz !== undefined) lines.push(`Fmax ${r.fmaxMhz.toFixed(2)} MHz -> ${Math.round(r.imagesPerSecond!)} images/s (${((r.cyclesPerImage / r.fmaxMhz)).toFixed(2)} us per image)`);
  if (r.pnrNote) lines.push(`place-and-route: ${r.pnrNote}`);
  lines.push(`yosys ${r.yosysSeconds.toFixed(1)} s${r.pnrSeconds !== undefined ? `, nextpnr ${r.pnrSeconds.toFixed(1)} s` : ''}`);
  return lines.join('\n');
}
