import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { Rng, freshSeed } from '../../libs/core/src/random';
import { csim } from '../../hardware/csim';
import { saveOtherFamily, saveRandomBnnMlp } from '../../hardware/testing';
import { findTool } from '../../hardware/tools';
import { exportTarget } from '../index';
import { floatLiteral } from './cpp-source';

const seed = freshSeed();
console.log(`hls exporter tests: seed ${seed}`);
const rng = new Rng(seed);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-hls-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const noGpp = findTool('g++') ? false : 'g++ not installed (apt-get install g++)';
if (noGpp) console.log(`skipping C simulation tests: ${noGpp}`);

describe('hls exporter', () => {
  let artifact: LoadedArtifact;
  let out: string;
  before(async () => {
    artifact = saveRandomBnnMlp(root, 'small', [100, 24, 16, 10], rng).artifact;
    out = path.join(root, 'export-a');
    await exportTarget('hls').export(artifact, out, { pe: [5, 4, 3], goldenImages: 64 });
  });

  it('C simulation: accumulators and float32 logits equal the TypeScript forward pass bit for bit', { skip: noGpp }, () => {
    const r = csim(out);
    assert.equal(r.images, 64);
    assert.equal(r.mismatches, 0, r.messages.join('\n'));
    assert.equal(r.passed, 64);
  });

  it('the testbench fails on a wrong golden value', { skip: noGpp }, () => {
    const bad = path.join(root, 'export-corrupt');
    fs.cpSync(out, bad, { recursive: true });
    const file = path.join(bad, 'data/golden_acc.i32');
    const data = fs.readFileSync(file);
    data.writeInt32LE(data.readInt32LE(4 * 13) + 2, 4 * 13);
    fs.writeFileSync(file, data);
    const r = csim(bad, { images: 3 });
    assert.equal(r.failed, 1);
    assert.match(r.messages[0], /MISMATCH image 1 class 3/);
  });

  it('re-export is byte-identical', async () => {
    const again = path.join(root, 'export-b');
    await exportTarget('hls').export(artifact, again, { pe: [5, 4, 3], goldenImages: 64 });
    for (const f of fs.readdirSync(again, { recursive: true }) as string[]) {
      const p = path.join(again, f);
      if (fs.statSync(p).isFile()) assert.ok(fs.readFileSync(p).equals(fs.readFileSync(path.join(out, f))), `${f} differs`);
    }
  });

  it('refuses another family, naming it and the targets that can', async () => {
    await assert.rejects(exportTarget('hls').export(saveOtherFamily(root, 'binaryconnect-mlp'), path.join(root, 'x'), {}), /target 'hls' cannot export family 'binaryconnect-mlp'/);
  });

  it('float literals are exact', () => {
    for (let i = 0; i < 200; i++) {
      const v = Math.fround((rng.next() - 0.5) * 10 ** (rng.int(20) - 10));
      const lit = floatLiteral(v);
      const m = /^(-?)0x1\.([0-9a-f]{6})p(-?\d+)f$/.exec(lit);
      assert.ok(m, lit);
      const value = (m[1] ? -1 : 1) * (1 + parseInt(m[2], 16) / 2 ** 24) * 2 ** Number(m[3]);
      assert.equal(value, v, lit);
    }
    assert.equal(floatLiteral(0), '0.0f');
  });
});
