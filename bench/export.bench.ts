/**
 * `npm run bench:export [-- options]`: the Fashion-MNIST bnn-mlp through every exporter and its check.
 * - ONNX (`onnx`, `onnx-float`, `qonnx`) over all 10,000 test images via exporters/onnx/verify.ts: mismatches, file sizes.
 * - Verilog: iverilog over >= 200 test images (mismatches, cycles per image), yosys synth_xilinx on the whole design
 *   (a 784-256-256-10 net's weights exceed an iCE40's block RAM); for a model that fits an iCE40 HX8K's block RAM (784-64-64-10), a small and a large PE/SIMD
 *   through yosys + nextpnr-ice40: LUTs / FFs / BRAM, Fmax, images/s at Fmax against FINN's SFC-max on a ZC706.
 * - HLS: g++ C simulation over the exported test images.
 * Options: --model name[:version] (default: newest 784-input bnn-mlp in the registry), --small-model name[:version]
 * (default: newest 784-64-64-10 bnn-mlp), --registry DIR, --sim-images N (200), --pe/--simd a,b,c (main design),
 * --skip-onnx, --skip-synth, --ice40-main (also iCE40 on the main model), --work DIR. Run it under `flock /tmp/bench.lock`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadedArtifact } from '../libs/core/src/artifact';
import { loadMnistLike } from '../libs/core/src/idx';
import { ModelRegistry, parseModelRef } from '../libs/core/src/registry';
import { BnnMlpModel, loadBnnMlp } from '../libs/models/bnn-mlp/model';
import { verifyOnnxExports } from '../exporters/onnx/verify';
import { exportVerilog } from '../exporters/verilog/verilog-exporter';
import { exportHls } from '../exporters/hls/hls-exporter';
import { csim } from '../hardware/csim';
import { simulate } from '../hardware/sim';
import { SynthReport, formatSynthReport, synthesize } from '../hardware/synth';
import { BenchRow, report, row } from './report';

/** FINN (Umuroglu et al., FPGA 2017), SFC-max on a ZC706: the published reference point. */
const FINN_SFC_MAX = { imagesPerSecond: 12.3e6, latencyUs: 0.31, label: 'FINN SFC-max (ZC706, published)' };
/** Folding of the main design when the model is 784-256-256-10 and no --pe/--simd is given (keeps iverilog practical). */
const MAIN_FOLDING_256 = { pe: [16, 16, 2], simd: [49, 32, 32] };
/** The two iCE40 HX8K foldings of a 784-64-64-10 model (SIMD0 <= 16 keeps the input bus within the ct256 IOs; PE 8 needs 8050 of 7680 LCs). */
const ICE40_FOLDINGS = { small: { pe: [2, 2, 1], simd: [16, 16, 16] }, large: { pe: [4, 4, 2], simd: [16, 32, 32] } };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const intList = (v: string | undefined) => (v ? v.split(',').map(Number) : undefined);

function newest(reg: ModelRegistry, accept: (m: { config: Record<string, unknown>; family: string }) => boolean): { name: string; version: number } | undefined {
  let best: { name: string; version: number; createdAt: string } | undefined;
  for (const name of reg.listModels()) {
    for (const version of reg.listVersions(name)) {
      const m = reg.manifest(name, version);
      if (m.family === 'bnn-mlp' && accept(m) && (!best || m.createdAt > best.createdAt)) best = { name, version, createdAt: m.createdAt };
    }
  }
  return best;
}

function load(reg: ModelRegistry, ref: string | undefined, accept: (c: Record<string, unknown>) => boolean, what: string): LoadedArtifact | undefined {
  if (ref) {
    const r = parseModelRef(ref);
    return reg.get(r.name, r.version);
  }
  const n = newest(reg, (m) => accept(m.config));
  if (!n) {
    console.log(`no ${what} bnn-mlp in ${reg.root}`);
    return undefined;
  }
  return reg.get(n.name, n.version);
}

function dirBytes(dir: string, filter: (rel: string) => boolean): number {
  let total = 0;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile() && filter(f)) total += fs.statSync(p).size;
  }
  return total;
}

const ok = (mismatches: number) => (mismatches === 0 ? 1 : 0);
const sizes = (m: BnnMlpModel) => [m.inputSize, ...m.hiddenSizes, m.outputSize].join('-');

async function main(): Promise<void> {
  const reg = new ModelRegistry(arg('registry'));
  const work = path.resolve(arg('work') ?? path.join(os.tmpdir(), 'bitplane-bench-export'));
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const artifact = load(reg, arg('model'), (c) => c.inputSize === 784, '784-input');
  if (!artifact) throw new Error(`train one first: npx bitplane train bnn-mlp --dataset fashion-mnist --hidden 256,256, or pass --model / --registry`);
  const model = loadBnnMlp(artifact);
  const ref = `${artifact.manifest.name}:${artifact.manifest.version} (${sizes(model)})`;
  const acc = artifact.manifest.training?.metrics?.testAccuracy;
  notes.push(`model ${ref}${acc !== undefined ? `, test accuracy ${acc}` : ''}, registry ${reg.root}`);
  const test = loadMnistLike().test;

  // ONNX over the whole test set.
  if (!flag('skip-onnx')) {
    console.log(`ONNX: ${test.count} Fashion-MNIST test images through onnx, onnx-float, qonnx ...`);
    const r = await verifyOnnxExports(artifact, test.images, test.count);
    for (const t of r.targets) {
      const c = t.comparison;
      const bad = (c.accMismatches ?? 0) + c.logitMismatches + c.predictionMismatches;
      rows.push(row(`${t.target}: mismatched rows of ${c.rows} (${t.runner})`, bad, 'rows', '0 required', 0, false, { ratio: ok(bad), accMismatches: c.accMismatches, logitMismatches: c.logitMismatches, predictionMismatches: c.predictionMismatches, maxAbsLogitDiff: c.maxAbsLogitDiff }));
      rows.push(row(`${t.target}: model.onnx size`, t.fileBytes, 'bytes', 'float32 ONNX of the same network', r.float32OnnxBytes, false));
    }
  }

  // Verilog: export, simulate, synthesise.
  const simImages = Number(arg('sim-images') ?? 200);
  const is256 = sizes(model) === '784-256-256-10';
  const folding = arg('pe') || arg('simd') ? { pe: intList(arg('pe')), simd: intList(arg('simd')) } : is256 ? MAIN_FOLDING_256 : {};
  const vdir = path.join(work, 'verilog');
  const v = exportVerilog(model, artifact, vdir, { ...folding, goldenImages: Math.max(simImages, 256) });
  notes.push(`verilog: ${v.summary}`);
  const design = JSON.parse(fs.readFileSync(path.join(vdir, 'design.json'), 'utf8')) as { folding: { chosenBy: string; cyclesPerImage: number }; weightBits: number };
  rows.push(row('verilog: ROM .mem files', dirBytes(vdir, (f) => f.startsWith('mem')), 'bytes', 'packed weights in the artifact', model.hidden.reduce((s, h) => s + h.weights.data.byteLength, model.output.weights.data.byteLength), false));
  console.log(`iverilog: ${simImages} images through ${ref} (${design.folding.chosenBy}) ...`);
  const sim = simulate(vdir, { images: simImages });
  rows.push(row(`verilog sim: mismatched outputs over ${sim.images} images (iverilog)`, sim.mismatches, 'values', '0 required', 0, false, { ratio: ok(sim.mismatches), passed: sim.passed, failed: sim.failed, vvpSeconds: sim.simSeconds }));
  rows.push(row('verilog sim: cycles per image (steady state)', sim.cyclesPerImage, 'cycles', 'slowest layer NF x SF', design.folding.cyclesPerImage, false));
  rows.push(row('verilog sim: latency of one image', sim.latencyCycles, 'cycles', 'slowest layer NF x SF', design.folding.cyclesPerImage, false));
  const synthRows = (label: string, r: SynthReport, base?: SynthReport) => {
    const rel = (v: number, b: number | undefined) => (b === undefined ? 1 : v === 0 ? (b === 0 ? 1 : Infinity) : b / v);
    const against = base ? 'small folding' : 'itself';
    rows.push(row(`${label}: LUTs`, r.luts, 'LUTs', against, base?.luts ?? r.luts, false, { ratio: rel(r.luts, base?.luts) }));
    rows.push(row(`${label}: flip-flops`, r.flipFlops, 'FFs', against, base?.flipFlops ?? r.flipFlops, false, { ratio: rel(r.flipFlops, base?.flipFlops) }));
    rows.push(row(`${label}: block RAM (${r.blockRamUnit})`, r.blockRam, 'blocks', against, base?.blockRam ?? r.blockRam, false, { ratio: rel(r.blockRam, base?.blockRam) }));
    rows.push(row(`${label}: DSPs`, r.dsps, 'DSPs', '0 expected', 0, false, { ratio: ok(r.dsps) }));
    if (r.fmaxMhz !== undefined) {
      rows.push(row(`${label}: Fmax (nextpnr-ice40, ${r.part})`, r.fmaxMhz, 'MHz', 'FINN SFC-max clock (ZC706, published 200 MHz)', 200, true));
      rows.push(row(`${label}: images/s at Fmax (${r.cyclesPerImage} cycles/image)`, r.imagesPerSecond!, 'images/s', FINN_SFC_MAX.label, FINN_SFC_MAX.imagesPerSecond, true));
      rows.push(row(`${label}: time per image at Fmax`, r.cyclesPerImage / r.fmaxMhz, 'us', FINN_SFC_MAX.label, FINN_SFC_MAX.latencyUs, false));
    }
    notes.push(`${label}:\n  ${formatSynthReport(r).split('\n').join('\n  ')}`);
  };
  if (!flag('skip-synth')) {
    console.log(`yosys synth_xilinx: ${ref} ...`);
    synthRows(`synth xilinx ${sizes(model)} ${design.folding.chosenBy}`, synthesize(vdir, 'xilinx'));
    if (flag('ice40-main')) synthRows(`synth ice40 ${sizes(model)} ${design.folding.chosenBy}`, synthesize(vdir, 'ice40', { pnr: true }));
    else notes.push(`iCE40 on the main model skipped (--ice40-main runs it): its ${design.weightBits} weight bits exceed an HX8K's 32 x 4 Kbit block RAM`);
    // iCE40 HX8K place-and-route needs a model whose weights fit its 32 block RAMs.
    const small = load(reg, arg('small-model'), (c) => c.inputSize === 784 && JSON.stringify(c.hiddenSizes) === '[64,64]' && c.outputSize === 10, '784-64-64-10');
    if (small) {
      const sm = loadBnnMlp(small);
      let base: SynthReport | undefined;
      for (const [which, f] of Object.entries(ICE40_FOLDINGS)) {
        const dir = path.join(work, `verilog-ice40-${which}`);
        exportVerilog(sm, small, dir, { ...f, goldenImages: 32 });
        const s = simulate(dir, { images: 16 });
        rows.push(row(`ice40 ${which} ${sizes(sm)} --pe ${f.pe} --simd ${f.simd}: sim mismatches (16 images)`, s.mismatches, 'values', '0 required', 0, false, { ratio: ok(s.mismatches) }));
        console.log(`yosys + nextpnr-ice40: ${small.manifest.name}:${small.manifest.version} ${which} folding ...`);
        const r = synthesize(dir, 'ice40', { pnr: true });
        synthRows(`ice40 ${which} ${sizes(sm)} --pe ${f.pe} --simd ${f.simd}`, r, base);
        base ??= r;
      }
    } else notes.push('iCE40 Fmax skipped: no 784-64-64-10 bnn-mlp in the registry (train one with --hidden 64,64 or pass --small-model)');
  }

  // HLS C simulation.
  const hdir = path.join(work, 'hls');
  exportHls(model, artifact, hdir, { ...folding, goldenImages: 256 });
  const c = csim(hdir);
  rows.push(row(`hls csim: mismatched outputs over ${c.images} images (g++)`, c.mismatches, 'values', '0 required', 0, false, { ratio: ok(c.mismatches) }));
  rows.push(row('hls: C++ sources', dirBytes(hdir, (f) => /\.(cpp|h)$/.test(f)), 'bytes', 'packed weights in the artifact', model.hidden.reduce((s, h) => s + h.weights.data.byteLength, model.output.weights.data.byteLength), false));
  notes.push(`golden images: ${JSON.parse(fs.readFileSync(path.join(vdir, 'design.json'), 'utf8')).golden.source}`);
  notes.push('ratio for correctness rows: 1 = requirement met (0 mismatches / 0 DSPs), 0 = failed');
  report('export', rows, notes);
  const failed = rows.filter((r) => r.unit !== 'bytes' && r.baseline === '0 required' && r.value !== 0);
  if (failed.length) {
    console.error(`FAILED: ${failed.map((r) => r.name).join('; ')}`);
    process.exitCode = 1;
  }
}

main().catch((e: Error) => {
  console.error(e.stack ?? e.message);
  process.exit(1);
});
