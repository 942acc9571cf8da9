import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { BLOB_FILE, MANIFEST_FILE, Manifest } from './artifact';
import { packSigns } from './bitplanes';
import { CorruptArtifactError, InvalidArgumentError, NotFoundError } from './errors';
import { Rng, freshSeed } from './random';
import { ModelRegistry, parseModelRef } from './registry';

const seed = freshSeed();
const rng = new Rng(seed);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-registry-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

function sample(reg: ModelRegistry, name = 'toy') {
  const w = packSigns(Float32Array.from({ length: 5 * 70 }, () => rng.next() - 0.5), 5, 70);
  const t = Int32Array.from({ length: 5 }, () => rng.int(100) - 50);
  const s = Float32Array.from({ length: 3 }, () => rng.normal());
  return reg.save(
    {
      name,
      family: 'bnn-mlp',
      signature: { inputs: [{ name: 'input', datatype: 'UINT8', shape: [-1, 70] }], outputs: [{ name: 'logits', datatype: 'FP32', shape: [-1, 3] }] },
      config: { inputSize: 70 },
      training: { dataset: 'none', metrics: { testAccuracy: 0.5 } },
    },
    { 'layer0.weights': { data: w.data, shape: [5, 70], layout: 'bitplanes' }, 'layer0.thresholds': { data: t, shape: [5] }, 'output.scale': { data: s, shape: [3] } },
    { 'notes.txt': new TextEncoder().encode('hello') },
  );
}

describe('artifact and registry', () => {
  it('round trip: tensors come back equal, 64-byte aligned, versions count up from 1', () => {
    const reg = new ModelRegistry(root);
    const a = sample(reg);
    const b = sample(reg);
    assert.equal(a.manifest.version, 1);
    assert.equal(b.manifest.version, 2);
    assert.deepEqual(reg.listModels(), ['toy']);
    assert.deepEqual(reg.listVersions('toy'), [1, 2]);
    assert.equal(reg.latestVersion('toy'), 2);
    const loaded = reg.get('toy', 1);
    const m = loaded.manifest;
    assert.equal(m.format, 'bitplane/1');
    for (const e of Object.values(m.tensors)) assert.equal(e.offset % 64, 0);
    assert.equal(m.tensors['layer0.weights'].byteLength, 5 * 16);
    assert.equal(loaded.tensor('layer0.thresholds', 'int32').length, 5);
    assert.equal(fs.readFileSync(loaded.file('notes.txt'), 'utf8'), 'hello');
    assert.throws(() => loaded.tensor('layer0.thresholds', 'float32'), CorruptArtifactError);
    // no temporary directories left behind
    assert.deepEqual(fs.readdirSync(root).filter((f) => f.startsWith('.tmp')), []);
  });

  it('a flipped byte, a truncated blob, a bad offset and a foreign format are clear errors', () => {
    const reg = new ModelRegistry(root);
    const { dir } = sample(reg, 'corrupt');
    const blobPath = path.join(dir, BLOB_FILE);
    const manifestPath = path.join(dir, MANIFEST_FILE);
    const blob = fs.readFileSync(blobPath);
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Manifest;

    const flipped = Buffer.from(blob);
    flipped[rng.int(flipped.length)] ^= 0x10;
    fs.writeFileSync(blobPath, flipped);
    assert.throws(() => reg.get('corrupt'), /sha256 .* does not match/);

    fs.writeFileSync(blobPath, blob.subarray(0, blob.length - 7));
    assert.throws(() => reg.get('corrupt'), CorruptArtifactError);

    // Bad offset with a matching hash: the offset check must catch it, not the hash.
    fs.writeFileSync(blobPath, blob);
    const bad = structuredClone(manifest);
    bad.tensors["output.scale"].offset = Math.ceil(blob.length / 64) * 64 + 64;
    fs.writeFileSync(manifestPath, JSON.stringify(bad));
    assert.throws(() => reg.get('corrupt'), /lies outside tensors.bin/);
    bad.tensors['output.scale'].offset = 3;
    fs.writeFileSync(manifestPath, JSON.stringify(bad));
    assert.throws(() => reg.get('corrupt'), /not a 64-byte aligned/);
    const wrongLen = structuredClone(manifest);
    wrongLen.tensors['layer0.weights'].byteLength = 64;
    fs.writeFileSync(manifestPath, JSON.stringify(wrongLen));
    assert.throws(() => reg.get('corrupt'), /does not match its shape/);
    fs.writeFileSync(manifestPath, JSON.stringify({ ...manifest, format: 'bitplane/9' }));
    assert.throws(() => reg.get('corrupt'), /'bitplane\/9' is not readable by this build, which reads 'bitplane\/1'/);
    fs.writeFileSync(manifestPath, '{not json');
    assert.throws(() => reg.get('corrupt'), /not valid JSON/);
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hellO');
    assert.throws(() => reg.get('corrupt'), /notes.txt does not match/);
  });

  it('refuses bad names before touching the filesystem; unknown models are NotFound; delete works', () => {
    const reg = new ModelRegistry(root);
    for (const bad of ['', '../x', 'a/b', 'A', '.hidden', 'a..b', 'x'.repeat(65)]) assert.throws(() => reg.listVersions(bad), InvalidArgumentError, bad);
    assert.throws(() => reg.get('nope'), NotFoundError);
    assert.throws(() => reg.get('toy', 99), /has no version 99/);
    assert.deepEqual(parseModelRef('toy:2'), { name: 'toy', version: 2 });
    assert.deepEqual(parseModelRef('toy'), { name: 'toy' });
    assert.throws(() => parseModelRef('toy:0'), /invalid version/);
    const { manifest } = sample(reg, 'doomed');
    reg.delete('doomed', manifest.version);
    assert.deepEqual(reg.listVersions('doomed'), []);
    assert.throws(() => reg.delete('doomed', 1), NotFoundError);
  });
});
