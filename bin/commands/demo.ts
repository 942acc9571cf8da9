/**
 * `bitplane demo`: the whole path on one machine, as a user would run it: train a small bnn-mlp on Fashion-MNIST,
 * export ONNX and Verilog (and simulate a few images with iverilog), start the inference server, call it over gRPC and
 * REST, and print accuracy, latency and where every file went. Each step runs the real CLI in a child process.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Command } from 'commander';
import { freePort } from '../../libs/testing/free-port';
import { loadMnistLike } from '../../libs/core/src/idx';
import { fromRoot } from '../../libs/core/src/paths';
import { ModelRegistry } from '../../libs/core/src/registry';
import { getBackend } from '../../libs/kernels/src/select';
import { argmaxRows, bnnMlpForward, loadBnnMlp } from '../../libs/models/bnn-mlp/model';
import { inferenceClient, unary } from '../../services/inference/src/client/inference-client';

interface DemoOptions {
  out: string;
  epochs: number;
  limit: number;
  hidden: string;
  images: number;
  simImages: number;
}

const MODEL = 'demo-bnn';

function step(title: string): void {
  console.log(`\n=== ${title} ===`);
}

/** Runs the bitplane CLI in a child process with inherited output; rejects on a non-zero exit. */
function cli(args: string[]): Promise<void> {
  console.log(`$ bitplane ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fromRoot('bin', 'bitplane.js'), ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`bitplane ${args[0]} exited with ${code ?? signal}`))));
  });
}

/** Polls ServerReady until the freshly started server answers true (or the process dies). */
async function waitReady(client: grpc.Client, server: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`bitplane serve exited with code ${server.exitCode}`);
    try {
      const r = await unary<{ ready: boolean }>(client, 'ServerReady', {}, new grpc.Metadata(), { deadline: Date.now() + 1000 });
      if (r.ready) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the inference server was not ready within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runDemo(opts: DemoOptions): Promise<void> {
  const out = path.resolve(opts.out);
  const registryDir = path.join(out, 'models');
  fs.mkdirSync(out, { recursive: true });
  const started = Date.now();

  step('1. train a bnn-mlp on Fashion-MNIST (in-process trainer)');
  await cli(['train', 'bnn-mlp', '--dataset', 'fashion-mnist', '--epochs', String(opts.epochs), '--hidden', opts.hidden, '--limit', String(opts.limit), '--seed', '1', '--name', MODEL, '--registry', registryDir, '--no-progress']);
  const registry = new ModelRegistry(registryDir);
  const artifact = registry.get(MODEL);
  const version = artifact.manifest.version;
  const testAccuracy = artifact.manifest.training?.metrics?.testAccuracy;

  step('2. export ONNX (bit-plane graph) and Verilog, simulate the Verilog with iverilog');
  const onnxDir = path.join(out, 'export', 'onnx');
  const verilogDir = path.join(out, 'export', 'verilog');
  await cli(['export', `${MODEL}:${version}`, '--target', 'onnx', '--out', onnxDir, '--registry', registryDir]);
  await cli(['export', `${MODEL}:${version}`, '--target', 'verilog', '--out', verilogDir, '--registry', registryDir]);
  await cli(['hw', 'sim', verilogDir, '--images', String(opts.simImages)]);

  step('3. serve the registry and call it over gRPC and REST');
  const [grpcPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const serveArgs = ['serve', '--registry', registryDir, '--port', String(grpcPort), '--http-port', String(httpPort), '--metrics-port', String(metricsPort)];
  console.log(`$ bitplane ${serveArgs.join(' ')}   (background)`);
  const logFile = path.join(out, 'serve.log');
  const log = fs.openSync(logFile, 'w');
  const server = spawn(process.execPath, [fromRoot('bin', 'bitplane.js'), ...serveArgs], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const client = inferenceClient(`127.0.0.1:${grpcPort}`);
  try {
    await waitReady(client, server, 30000);
    const ds = loadMnistLike();
    const n = Math.min(opts.images, ds.test.count);
    const k = ds.test.rows * ds.test.cols;
    const model = loadBnnMlp(artifact);
    const local = argmaxRows(bnnMlpForward(model, getBackend(), ds.test.images.subarray(0, n * k), n).logits, n, model.outputSize);
    const latencies: number[] = [];
    let correct = 0;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      const image = ds.test.images.subarray(i * k, (i + 1) * k);
      const t0 = process.hrtime.bigint();
      const res = await unary<{ raw_output_contents: Buffer[] }>(client, 'ModelInfer', {
        model_name: MODEL,
        inputs: [{ name: 'input', datatype: 'UINT8', shape: ['1', String(k)] }],
        raw_input_contents: [Buffer.from(image)],
      });
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const raw = res.raw_output_contents[0];
      const logits = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const predicted = argmaxRows(logits, 1, logits.length)[0];
      if (predicted === ds.test.labels[i]) correct++;
      if (predicted === local[i]) agree++;
    }
    latencies.sort((a, b) => a - b);
    const restBody = { inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, k], data: Array.from(ds.test.images.subarray(0, k)) }] };
    const restRes = await fetch(`http://127.0.0.1:${httpPort}/v2/models/${MODEL}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(restBody) });
    const restJson = (await restRes.json()) as { outputs?: Array<{ data: number[] }> };
    const restLogits = restJson.outputs?.[0]?.data ?? [];
    const restClass = restLogits.indexOf(Math.max(...restLogits));

    step('summary');
    const rows: Array<[string, string]> = [
      ['model', `${MODEL}:${version} (${model.inputSize}-${model.hiddenSizes.join('-')}-${model.outputSize})`],
      ['test accuracy (manifest, 10,000 images)', testAccuracy === undefined ? 'n/a' : `${(testAccuracy * 100).toFixed(2)}%`],
      [`gRPC ModelInfer accuracy (${n} images)`, `${((100 * correct) / n).toFixed(2)}%`],
      ['gRPC answers equal to the local forward pass', `${agree}/${n}`],
      ['gRPC latency p50 / p99 (1 image, sequential)', `${percentile(latencies, 50).toFixed(2)} / ${percentile(latencies, 99).toFixed(2)} ms`],
      ['REST /v2 infer (image 0)', `HTTP ${restRes.status}, class ${restClass}, label ${ds.test.labels[0]}`],
      ['registry', path.join(registryDir, MODEL, String(version))],
      ['ONNX export', path.join(onnxDir, 'model.onnx')],
      ['Verilog export', verilogDir],
      ['server log', logFile],
      ['total time', `${((Date.now() - started) / 1000).toFixed(0)} s`],
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [a, b] of rows) console.log(`${a.padEnd(w)}  ${b}`);
    if (agree !== n) throw new Error(`the server disagreed with the local forward pass on ${n - agree} images`);
  } finally {
    client.close();
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
  }
}

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('train a small bnn-mlp, export ONNX and Verilog (simulated), serve it, call it over gRPC and REST')
    .option('--out <dir>', 'where the registry and exports go', 'demo-output')
    .option('--epochs <n>', 'training epochs', (v) => Number(v), 1)
    .option('--limit <n>', 'training examples used', (v) => Number(v), 6000)
    .option('--hidden <sizes>', 'hidden layer sizes', '256,256')
    .option('--images <n>', 'test images sent to the server', (v) => Number(v), 500)
    .option('--sim-images <n>', 'images simulated through the Verilog (iverilog: a few seconds per image)', (v) => Number(v), 8)
    .action(async (opts: DemoOptions) => runDemo(opts));
}
