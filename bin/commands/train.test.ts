import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { freshSeed } from '../../libs/core/src/random';
import { ModelRegistry } from '../../libs/core/src/registry';
import { writeBlobsCsv } from '../../libs/models/training/testing';
import * as models from './models';
import * as train from './train';

const seed = freshSeed();
console.log(`train / models CLI tests: seed ${seed}`);

/** Runs the two commands in-process and captures what they print. */
async function cli(args: string[]): Promise<string> {
  const program = new Command('bitplane').exitOverride();
  train.register(program);
  models.register(program);
  const out: string[] = [];
  const log = console.log;
  const err = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    await program.parseAsync(['node', 'bitplane', ...args]);
  } finally {
    console.log = log;
    console.error = err;
  }
  return out.join('\n');
}

test('bitplane train saves version 1 then 2, prints metrics and the artifact path; models ls / show / rm manage them', async () => {
  const datasets = writeBlobsCsv(seed, 400, 8, 3);
  const registry = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-cli-reg-'));
  const args = ['train', 'bnn-mlp', '--dataset', 'blobs.csv', '--datasets', datasets, '--registry', registry, '--epochs', '2', '--hidden', '16', '--seed', String(seed % 1000), '--batch-size', '40', '--no-progress'];
  const first = await cli(args);
  assert.match(first, /model bnn-mlp-blobs:1 \(bnn-mlp, dataset blobs\.csv\)/);
  assert.match(first, /testAccuracy\s+(0\.\d{4}|1)\n/);
  assert.match(first, /epoch 2\/2: loss/);
  assert.ok(first.includes(`artifact: ${path.join(registry, 'bnn-mlp-blobs', '1')}`));
  const second = await cli([...args, '--name', 'bnn-mlp-blobs']);
  assert.match(second, /model bnn-mlp-blobs:2 /, 'the same command trains a new version');
  assert.deepEqual(new ModelRegistry(registry).listVersions('bnn-mlp-blobs'), [1, 2]);
  assert.deepEqual(fs.readdirSync(path.join(registry, '.checkpoints')), [], 'checkpoints are removed after a successful run');
  const ls = await cli(['models', 'ls', '--registry', registry]);
  assert.match(ls, /bnn-mlp-blobs\s+1,2\s+bnn-mlp\s+\d+\.\d\d%/);
  const show = await cli(['models', 'show', 'bnn-mlp-blobs:1', '--registry', registry]);
  assert.match(show, /layer0\.thresholds\s+int32\s+\[16\]/);
  assert.match(show, /signature: in input UINT8 \[-1, 8\] -> out logits FP32 \[-1, 3\]/);
  assert.match(show, /files: training-loss\.svg, training-accuracy\.svg/);
  await assert.rejects(cli(['models', 'rm', 'bnn-mlp-blobs', '--registry', registry]), /give the version/);
  assert.match(await cli(['models', 'rm', 'bnn-mlp-blobs:1', '--registry', registry]), /deleted bnn-mlp-blobs:1/);
  assert.deepEqual(new ModelRegistry(registry).listVersions('bnn-mlp-blobs'), [2]);
  await assert.rejects(cli(['train', 'bnn-mlp', '--dataset', '../x.csv', '--datasets', datasets, '--registry', registry]), /refused/);
  await assert.rejects(cli(['train', 'bnn-mlp', '--dataset', 'blobs.csv', '--datasets', datasets, '--registry', registry, '--set', 'epochs=0']), /hyperparameters\.epochs/);
});
