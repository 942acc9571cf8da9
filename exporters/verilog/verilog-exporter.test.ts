import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng, freshSeed } from '../../libs/core/src/random';
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { FoldedLayer, foldModel } from '../../hardware/folding';
import { lintVerilog, simulate } from '../../hardware/sim';
import { saveOtherFamily, saveRandomBnnMlp } from '../../hardware/testing';
import { findTool } from '../../hardware/tools';
import { exportTarget } from '../index';
import { rtlThreshold } from './mem-files';

const seed = freshSeed();
console.log(`verilog exporter tests: seed ${seed}`);
const rng = new Rng(seed);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-verilog-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const noIverilog = findTool('iverilog') && findTool('vvp') ? false : 'iverilog / vvp not installed (apt-get install iverilog)';
const noVerilator = findTool('verilator') ? false : 'verilator not installed (apt-get install verilator)';
if (noIverilog) console.log(`skipping simulation tests: ${noIverilog}`);
if (noVerilator) console.log(`skipping lint test: ${noVerilator}`);

// Odd sizes: K = 100 is not a multiple of SIMD 16 (or of 64), 24 neurons do not divide into PE 5, 16 not into SIMD 7.
const SIZES = [100, 24, 16, 10];
const OPTIONS = { pe: [5, 4, 3], simd: [16, 10, 7], goldenImages: 48 };

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

describe('verilog exporter', () => {
  let artifact: LoadedArtifact;
  let out: string;
  before(async () => {
    artifact = saveRandomBnnMlp(root, 'small', SIZES, rng).artifact;
    out = path.join(root, 'export-a');
    await exportTarget('verilog').export(artifact, out, OPTIONS);
  });

  it('writes a self-contained folder with README, RTL, ROM files and testbench', () => {
    for (const f of ['README.md', 'design.json', 'rtl/bnn_top.v', 'rtl/bnn_mvau.v', 'rtl/bnn_popcount.v', 'mem/layer0_weights.mem', 'mem/layer1_thresholds.mem', 'mem/layer2_weights.mem', 'tb/tb_bnn.v', 'tb/images.mem', 'tb/golden_acc.mem']) {
      assert.ok(fs.existsSync(path.join(out, f)), `${f} missing`);
    }
    assert.ok(!fs.existsSync(path.join(out, 'mem/layer2_thresholds.mem')), 'the output layer has no thresholds');
    assert.equal(fs.readFileSync(path.join(out, 'mem/layer0_weights.mem'), 'utf8').trim().split('\n').length, 5 * 7);
  });

  it('iverilog simulation: every output accumulator equals the TypeScript forward pass', { skip: noIverilog }, () => {
    const r = simulate(out, { images: 32 });
    assert.equal(r.mismatches, 0, r.messages.join('\n'));
    assert.equal(r.passed, 32);
    assert.equal(r.failed, 0);
    // Steady state runs at the slowest layer's NF x SF (layer 0: 5 x 7).
    assert.equal(r.cyclesPerImage, 35);
  });

  it('stays exact under random back-pressure on both streams', { skip: noIverilog }, () => {
    const r = simulate(out, { images: 24, stall: true, seed: (seed % 1000) + 1 });
    assert.equal(r.mismatches, 0, r.messages.join('\n'));
    assert.equal(r.passed, 24);
  });

  it('a corrupted weight .mem file makes the simulation fail, and `hw sim` exit non-zero', { skip: noIverilog }, () => {
    const bad = path.join(root, 'export-corrupt');
    copyDir(out, bad);
    // Flip weight 0 of class 0 in the output layer: that class's accumulator moves by 2 on every image.
    const file = path.join(bad, 'mem/layer2_weights.mem');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const last = lines[0].length - 1;
    lines[0] = lines[0].slice(0, last) + (parseInt(lines[0][last], 16) ^ 1).toString(16);
    fs.writeFileSync(file, lines.join('\n'));
    const r = simulate(bad, { images: 4 });
    assert.equal(r.failed, 4);
    assert.ok(r.mismatches >= 4);
    assert.match(r.messages[0], /MISMATCH image 0 class 0/);
    const cli = spawnSync(process.execPath, [path.join(__dirname, '../../bin/main.js'), 'hw', 'sim', bad, '--images', '2'], { encoding: 'utf8' });
    assert.equal(cli.status, 1, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /0 passed, 2 failed/);
  });

  it('RTL is verilator -Wall lint clean', { skip: noVerilator }, () => {
    const r = lintVerilog(out);
    assert.ok(r.clean, r.output);
  });

  it('a model without hidden layers (8-bit inputs straight to class accumulators) simulates exactly', { skip: noIverilog }, async () => {
    const a = saveRandomBnnMlp(root, 'flat', [50, 7], rng).artifact;
    const dir = path.join(root, 'export-flat');
    await exportTarget('verilog').export(a, dir, { pe: [3], simd: [9], goldenImages: 12 });
    const r = simulate(dir, { images: 12 });
    assert.equal(r.mismatches, 0, r.messages.join('\n'));
    assert.equal(r.passed, 12);
  });

  it('re-export is byte-identical', async () => {
    const again = path.join(root, 'export-b');
    await exportTarget('verilog').export(artifact, again, OPTIONS);
    const list = (d: string) => fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !path.join(e.parentPath, e.name).includes(`${path.sep}build${path.sep}`)).map((e) => path.relative(d, path.join(e.parentPath, e.name))).sort();
    const files = list(again);
    assert.deepEqual(files, list(out).filter((f) => files.includes(f)));
    for (const f of files) assert.ok(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(again, f))), `${f} differs`);
  });

  it('refuses another family, naming it and the targets that can', async () => {
    const other = saveOtherFamily(root, 'mlp');
    await assert.rejects(exportTarget('verilog').export(other, path.join(root, 'x'), {}), /target 'verilog' cannot export family 'mlp'.*bnn-mlp/);
  });

  it('refuses --pe / --simd lists of the wrong length or too large', async () => {
    await assert.rejects(exportTarget('verilog').export(artifact, path.join(root, 'y'), { pe: [1, 2] }), /--pe needs one value per layer \(3 layers\)/);
    await assert.rejects(exportTarget('verilog').export(artifact, path.join(root, 'y'), { simd: [101, 1, 1] }), /--simd: layer 0 has 100 inputs, SIMD 101 is larger/);
  });

  it('--target-fps picks the cheapest folding that meets the cycle budget', () => {
    const model = saveRandomBnnMlp(root, 'fps', SIZES, rng).model;
    const f = foldModel(model, { targetFps: 2_000_000, clockMhz: 100 });
    assert.ok(f.layers.every((l) => l.cycles <= 50));
    assert.ok(foldModel(model, { targetFps: 1_000_000, clockMhz: 100 }).layers[0].pe * foldModel(model, { targetFps: 1_000_000, clockMhz: 100 }).layers[0].simd <= f.layers[0].pe * f.layers[0].simd);
  });
});

describe('threshold conversion to the popcount domain', () => {
  it('(popcount >= T) XOR invert equals the dot-product compare for every reachable popcount', () => {
    for (let trial = 0; trial < 40; trial++) {
      const k = 1 + rng.int(90);
      const simd = 1 + rng.int(k);
      const sf = Math.ceil(k / simd);
      const kp = sf * simd;
      const layer: FoldedLayer = { index: 1, k, m: 1, pe: 1, simd, nf: 1, sf, inBits: 1, threshold: true, accWidth: 10, dotOffset: 2 * kp - k, cycles: sf };
      for (let tau = -k - 3; tau <= k + 3; tau++) {
        for (const dir of [1, -1]) {
          const { t, invert } = rtlThreshold(layer, tau, dir);
          // popcount over padded inputs: real agreements a in 0..k plus kp - k padding agreements.
          for (let a = 0; a <= k; a++) {
            const dot = 2 * a - k;
            const pc = a + (kp - k);
            assert.equal((pc >= t) !== invert, dir > 0 ? dot >= tau : dot <= tau, `k ${k} simd ${simd} tau ${tau} dir ${dir} a ${a}`);
          }
        }
      }
    }
  });
});
