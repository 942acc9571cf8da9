/**
 * The CLI as users run it: `bitplane serve` starts a server that answers and exits 0 on SIGTERM; `bitplane infer`
 * reads .npy, JSON and IDX inputs and prints the predicted classes of the forward pass.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import { Rng } from '../../../../libs/core/src/random';
import { getBackend } from '../../../../libs/kernels/src/select';
import { argmaxRows, bnnMlpForward } from '../../../../libs/models/bnn-mlp/model';
import { freePort } from '../../../../libs/testing/free-port';
import { saveRandomBnnMlp, tempRegistry, testSeed } from '../testing/test-server';
import { inferenceClient, unary } from './inference-client';

const MAIN = path.join(__dirname, '..', '..', '..', '..', 'bin', 'main.js');
const run = promisify(execFile);

function npy(data: Uint8Array, shape: number[]): Buffer {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  const total = 10 + header.length + 1;
  header = header.padEnd(header.length + ((64 - (total % 64)) % 64)) + '\n';
  const h = Buffer.alloc(10);
  h.writeUInt8(0x93, 0);
  h.write('NUMPY', 1, 'latin1');
  h.writeUInt8(1, 6);
  h.writeUInt8(0, 7);
  h.writeUInt16LE(header.length, 8);
  return Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(data)]);
}

function idx(dims: number[], data: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt8(8, 2);
  h.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return zlib.gzipSync(Buffer.concat([h, Buffer.from(data)]));
}

describe('bitplane serve / bitplane infer', () => {
  it('serve answers on the given ports and drains on SIGTERM; infer prints predicted classes for .npy, JSON and IDX inputs', async () => {
    const rng = new Rng(testSeed('inference.cli'));
    const registry = tempRegistry();
    const rows = 4;
    const cols = 7;
    const K = rows * cols;
    const { model } = saveRandomBnnMlp(registry, 'tiny', rng, [K, [20], 6]);
    const port = await freePort();
    const server = spawn(process.execPath, [MAIN, 'serve', '--registry', registry.root, '--host', '127.0.0.1', '--port', String(port), '--http-port', '0', '--metrics-port', '0', '--backend', 'ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    try {
      const until = Date.now() + 30000;
      while (!out.includes('serving') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, new RegExp(`serving 1 model version\\(s\\) from .*: gRPC 127.0.0.1:${port}`));
      const client = inferenceClient(`127.0.0.1:${port}`);
      assert.deepEqual(await unary(client, 'ServerLive', {}), { live: true });
      client.close();

      const dir = path.dirname(registry.root);
      const n = 5;
      const x = rng.bytes(n * K);
      const want = Array.from(argmaxRows(bnnMlpForward(model, getBackend('ts'), x, n).logits, n, 6));
      const npyFile = path.join(registry.root, '..', `in-${process.pid}.npy`);
      fs.writeFileSync(npyFile, npy(x, [n, K]));
      const jsonFile = path.join(dir, `in-${process.pid}.json`);
      fs.writeFileSync(jsonFile, JSON.stringify(Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * K, (i + 1) * K)))));
      const labels = Uint8Array.from(want.map((p, i) => (i === 0 ? (p + 1) % 6 : p)));
      const images = path.join(dir, `t-${process.pid}-images-idx3-ubyte.gz`);
      fs.writeFileSync(images, idx([n, rows, cols], x));
      fs.writeFileSync(images.replace('images-idx3', 'labels-idx1'), idx([n], labels));
      for (const input of [npyFile, jsonFile, `${images}:0-4`]) {
        const r = await run(process.execPath, [MAIN, 'infer', 'tiny', '--input', input, '--url', `127.0.0.1:${port}`]);
        const predicted = [...r.stdout.matchAll(/row (\d+): predicted class (\d+)/g)].map((m) => Number(m[2]));
        assert.deepEqual(predicted, want, `${input}:\n${r.stdout}`);
        assert.match(r.stdout, /model tiny version 1/);
      }
      const r = await run(process.execPath, [MAIN, 'infer', 'tiny', '--input', `${images}:0-4`, '--url', `127.0.0.1:${port}`]);
      assert.match(r.stdout, /accuracy 4\/5/);
      await assert.rejects(run(process.execPath, [MAIN, 'infer', 'ghost', '--input', npyFile, '--url', `127.0.0.1:${port}`]), (e: { stderr: string }) => /Request for unknown model: 'ghost' is not found/.test(e.stderr));
    } finally {
      server.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});
