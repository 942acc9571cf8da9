/**
 * The `verilog` target: bnn-mlp artifact in, a self-contained folder out: the streaming accelerator (hand-written
 * blocks copied from hardware/rtl plus a generated top level), its ROM images, a self-checking testbench with
 * golden vectors from our TypeScript forward pass, design.json (what `bitplane hw sim|synth` read) and a README.
 * Steps: fold (pick PE / SIMD) -> pack ROMs -> emit RTL and testbench -> write golden vectors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { fromRoot } from '../../libs/core/src/paths';
import { BnnMlpModel, loadBnnMlp } from '../../libs/models/bnn-mlp/model';
import { Folding, foldModel } from '../../hardware/folding';
import { DEFAULT_GOLDEN_IMAGES, goldenVectors } from '../../hardware/golden-vectors';
import { ExportOptions, ExportResult } from '../target';
import { accMem, imagesMem, thresholdsMem, weightsMem } from './mem-files';
import { TOP_MODULE, topLevelVerilog } from './top-level';
import { TB_MODULE, testbenchVerilog } from './testbench';
import { verilogReadme } from './readme';

/** Hand-written building blocks copied into every export, in compile order. */
export const RTL_BLOCKS = ['bnn_popcount.v', 'bnn_stream_fifo.v', 'bnn_stream_repack.v', 'bnn_mvau.v'];
/** Images `bitplane hw sim` runs when --images is not given (keeps the Fashion-MNIST MLP well under 5 minutes). */
export const DEFAULT_SIM_IMAGES = 32;

/** What design.json records (read back by `bitplane hw sim|synth`). */
export interface VerilogDesign {
  format: 'bitplane-verilog/1';
  model: { name: string; version: number; sha256: string; sizes: number[] };
  top: string;
  testbench: string;
  rtl: string[];
  folding: Folding;
  golden: { images: number; source: string; defaultSimImages: number };
  weightBits: number;
}

/** Number of golden images an option asks for. */
export function goldenCount(options: ExportOptions): number {
  const n = options.goldenImages ?? DEFAULT_GOLDEN_IMAGES;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`goldenImages must be a positive integer, got ${String(n)}`);
  return n;
}

/** Writes `files` (relative path -> content) under outDir; returns the sorted relative paths. */
export function writeFiles(outDir: string, files: Record<string, string | Uint8Array>): string[] {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(outDir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return Object.keys(files).sort();
}

/** Exports a loaded bnn-mlp model (the target's core, also used by tests and the benchmark). */
export function exportVerilog(model: BnnMlpModel, artifact: LoadedArtifact, outDir: string, options: ExportOptions): ExportResult {
  const m = artifact.manifest;
  const folding = foldModel(model, { pe: options.pe, simd: options.simd, targetFps: options.targetFps, clockMhz: options.clockMhz as number | undefined });
  const golden = goldenVectors(model, m.sha256, goldenCount(options), options.datasets);
  const sizes = [model.inputSize, ...model.hiddenSizes, model.outputSize];
  const title = `bnn-mlp ${m.name}:${m.version} (${sizes.join('-')}), artifact sha256 ${m.sha256}`;
  const files: Record<string, string> = {};
  for (const b of RTL_BLOCKS) files[`rtl/${b}`] = fs.readFileSync(fromRoot('hardware', 'rtl', b), 'utf8');
  files[`rtl/${TOP_MODULE}.v`] = topLevelVerilog(folding, title);
  for (const l of folding.layers) {
    files[`mem/layer${l.index}_weights.mem`] = weightsMem(model, l);
    if (l.threshold) files[`mem/layer${l.index}_thresholds.mem`] = thresholdsMem(model, l);
  }
  const simImages = Math.min(DEFAULT_SIM_IMAGES, golden.count);
  files[`tb/${TB_MODULE}.v`] = testbenchVerilog(folding, golden.count, simImages);
  files['tb/images.mem'] = imagesMem(golden.images, golden.count, folding.layers[0]);
  files['tb/golden_acc.mem'] = accMem(golden.acc);
  const design: VerilogDesign = {
    format: 'bitplane-verilog/1',
    model: { name: m.name, version: m.version, sha256: m.sha256, sizes },
    top: TOP_MODULE,
    testbench: `tb/${TB_MODULE}.v`,
    rtl: [...RTL_BLOCKS, `${TOP_MODULE}.v`].map((f) => `rtl/${f}`),
    folding,
    golden: { images: golden.count, source: golden.source, defaultSimImages: simImages },
    weightBits: folding.layers.reduce((s, l) => s + l.k * l.m, 0),
  };
  files['design.json'] = JSON.stringify(design, null, 2) + '\n';
  files['README.md'] = verilogReadme(design);
  const written = writeFiles(outDir, files);
  const romBytes = written.filter((f) => f.startsWith('mem/')).reduce((s, f) => s + Buffer.byteLength(files[f]), 0);
  return {
    target: 'verilog',
    outDir,
    files: written,
    summary:
      `${sizes.join('-')} accelerator, ${folding.chosenBy}; ${folding.cyclesPerImage} cycles per image (slowest layer); ` +
      `${written.length} files, ROM .mem text ${romBytes} bytes; golden vectors: ${golden.source}. Check: bitplane hw sim ${outDir}`,
  };
}

/** The target entry point: checks the family, loads the model, exports. */
export async function exportVerilogArtifact(artifact: LoadedArtifact, outDir: string, options: ExportOptions): Promise<ExportResult> {
  return exportVerilog(loadBnnMlp(artifact), artifact, outDir, options);
}
