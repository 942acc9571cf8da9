import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { Rng, freshSeed } from '../libs/core/src/random';
import { exportTarget } from '../exporters';
import { parseYosysStat, synthesize } from './synth';
import { saveRandomBnnMlp } from './testing';
import { findTool } from './tools';

const seed = freshSeed();
console.log(`synth tests: seed ${seed}`);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-synth-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const noYosys = findTool('yosys') ? false : 'yosys not installed (apt-get install yosys)';
if (noYosys) console.log(`skipping synthesis tests: ${noYosys}`);

describe('hw synth', () => {
  it('parses the cell table of yosys stat', () => {
    const text = '=== bnn_top ===\n\n   Number of wires:   10\n   Number of cells:   7\n     SB_CARRY    2\n     SB_DFFE     3\n     SB_LUT4     2\n\n';
    assert.deepEqual(parseYosysStat(text), { SB_CARRY: 2, SB_DFFE: 3, SB_LUT4: 2 });
  });

  it('synthesises a small accelerator for iCE40 and Xilinx: LUTs and flip-flops, no DSPs', { skip: noYosys }, async () => {
    const { artifact } = saveRandomBnnMlp(root, 'tiny', [16, 5, 6, 3], new Rng(seed));
    const dir = path.join(root, 'verilog');
    await exportTarget('verilog').export(artifact, dir, { pe: [1, 1, 1], simd: [4, 3, 5], goldenImages: 2 });
    for (const device of ['ice40', 'xilinx']) {
      const r = synthesize(dir, device, { pnr: false });
      assert.ok(r.luts > 0 && r.flipFlops > 0, JSON.stringify(r.cells));
      assert.equal(r.dsps, 0);
      assert.equal(r.cyclesPerImage, 20);
    }
    assert.throws(() => synthesize(dir, 'stratix'), /--device 'stratix' is not supported; devices: ice40, xilinx/);
  });
});
