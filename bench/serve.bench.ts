/**
 * `npm run bench:serve`: the inference server under a closed-loop load generator, over loopback, in separate
 * processes (server: `node main.js` as production runs it; the raw floor server: a child process; load: this
 * process). For a 784-1024-1024-10 bnn-mlp on the selected backend and the same network exported with
 * `onnx-float` and served through onnxruntime, at concurrency 1, 8, 64: throughput and p50 / p99 latency, against a
 * raw @grpc/grpc-js server whose handler returns a fixed reply of the same size (the floor). Then 64-row requests
 * with dynamic batching on and off. Writes bench-results/serve.json.
 *
 * Options (env): BENCH_SERVE_SECONDS per point (default 3), BITPLANE_BACKEND (default auto).
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../libs/core/src/random';
import { ModelRegistry } from '../libs/core/src/registry';
import { getBackend } from '../libs/kernels/src/select';
import { BNN_MLP_FAMILY, bnnMlpSignature, bnnMlpTensors } from '../libs/models/bnn-mlp/model';
import { randomBnnMlp } from '../libs/models/bnn-mlp/testing';
import { onnxModelBytes } from '../exporters/onnx/onnx-models';
import { registerOnnxModel } from '../exporters/onnx/register';
import { GRPC_LOADER_OPTIONS, protoFile } from '../services/common/src/grpc-loader-options';
import { inferenceClient } from '../services/inference/src/client/inference-client';
import { INFERENCE_PROTO } from '../services/inference/src/transport/wire';
import { spawnInferenceServer, SpawnedServer } from '../services/inference/src/testing/spawn-server';
import { freePort } from '../libs/testing/free-port';
import { BenchRow, median, report, row } from './report';

const SIZES: [number, number[], number] = [784, [1024, 1024], 10];
const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 3);
const CONCURRENCY = [1, 8, 64];

/** Runs as the floor server: `serve.bench.js --floor <port>`; answers ModelInfer with a fixed reply of the bnn-mlp's size. */
function runFloorServer(port: number): void {
  const def = protoLoader.loadSync(protoFile(INFERENCE_PROTO), GRPC_LOADER_OPTIONS);
  const svc = (grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } }).inference.GRPCInferenceService.service;
  const classes = SIZES[2];
  const reply = (id: string) => ({
    model_name: 'bnn',
    model_version: '1',
    id,
    outputs: [{ name: 'logits', datatype: 'FP32', shape: ['1', String(classes)] }],
    raw_output_contents: [Buffer.alloc(4 * classes, 7)],
  });
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  server.addService(svc, {
    ModelInfer: (call: grpc.ServerUnaryCall<{ id: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => cb(null, reply(call.request.id)),
  } as unknown as grpc.UntypedServiceImplementation);
  server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) throw err;
    console.log('floor listening');
  });
  process.on('SIGTERM', () => server.forceShutdown());
}

/** One measured point. */
interface Point {
  throughput: number;
  rowsPerSecond: number;
  p50: number;
  p99: number;
  count: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Closed loop: `concurrency` callers each send, await, repeat, for SECONDS after a warm-up. */
async function closedLoop(address: string, model: string, concurrency: number, rows: number, rng: Rng): Promise<Point> {
  const client = inferenceClient(address);
  const pool = Array.from({ length: 32 }, () => ({
    model_name: model,
    inputs: [{ name: 'input', datatype: 'UINT8', shape: [rows, SIZES[0]] }],
    raw_input_contents: [Buffer.from(rng.bytes(rows * SIZES[0]))],
  }));
  const call = (req: object) =>
    new Promise<void>((resolve, reject) => (client as unknown as Record<string, (r: object, cb: (e: Error | null) => void) => void>).ModelInfer(req, (e) => (e ? reject(e) : resolve())));
  let measuring = false;
  let stop = false;
  const latencies: number[] = [];
  const worker = async (w: number) => {
    for (let i = w; !stop; i++) {
      const t0 = process.hrtime.bigint();
      await call(pool[i % pool.length]);
      if (measuring && !stop) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
  await new Promise((r) => setTimeout(r, Math.min(1000, SECONDS * 250)));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  stop = true;
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(workers);
  client.close();
  const sorted = [...latencies].sort((a, b) => a - b);
  return { throughput: latencies.length / elapsed, rowsPerSecond: (latencies.length * rows) / elapsed, p50: median(latencies), p99: percentile(sorted, 0.99), count: latencies.length };
}

async function startFloor(): Promise<{ address: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [__filename, '--floor', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('floor listening') && resolve());
    child.on('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
  });
  return {
    address: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((r) => {
      child.on('exit', () => r());
      child.kill('SIGTERM');
    }),
  };
}

async function stopServer(s: SpawnedServer): Promise<void> {
  s.child.kill('SIGTERM');
  await s.exited;
}

function fmt(p: Point): string {
  return `${p.throughput.toFixed(0)} req/s, ${p.rowsPerSecond.toFixed(0)} rows/s, p50 ${p.p50.toFixed(3)} ms, p99 ${p.p99.toFixed(3)} ms (${p.count} calls)`;
}

async function main(): Promise<void> {
  const backendName = process.env.BITPLANE_BACKEND ?? 'auto';
  const backend = getBackend(backendName);
  console.log(`serve benchmark: bnn-mlp ${SIZES[0]}-${SIZES[1].join('-')}-${SIZES[2]} on backend ${backend.describe()}; ${SECONDS} s per point; ${os.cpus().length} cores`);
  const rng = new Rng(20261127);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-bench-serve-'));
  const registry = new ModelRegistry(root);
  const model = randomBnnMlp(rng, SIZES[0], SIZES[1], SIZES[2]);
  registry.save({ name: 'bnn', family: BNN_MLP_FAMILY, signature: bnnMlpSignature(SIZES[0], SIZES[2]), config: { inputSize: SIZES[0], hiddenSizes: SIZES[1], outputSize: SIZES[2] } }, bnnMlpTensors(model));
  await registerOnnxModel(registry, 'bnn-float', onnxModelBytes('onnx-float', registry.get('bnn')));

  const points = new Map<string, Point>();
  const measure = async (label: string, address: string, model: string, c: number, rows = 1) => {
    const p = await closedLoop(address, model, c, rows, rng);
    points.set(label, p);
    console.log(`  ${label.padEnd(34)} ${fmt(p)}`);
  };

  const floor = await startFloor();
  const server = await spawnInferenceServer(root, { BITPLANE_BACKEND: backend.name, BITPLANE_POLL_MS: '0', BITPLANE_MAX_INFLIGHT: '1024' });
  try {
    for (const c of CONCURRENCY) {
      await measure(`floor c=${c}`, floor.address, 'bnn', c);
      await measure(`bnn-mlp c=${c}`, server.address, 'bnn', c);
      await measure(`onnx-float c=${c}`, server.address, 'bnn-float', c);
    }
    await measure('bnn-mlp 64-row c=8 batching on', server.address, 'bnn', 8, 64);
  } finally {
    await stopServer(server);
    await floor.stop();
  }
  const unbatched = await spawnInferenceServer(root, { BITPLANE_BACKEND: backend.name, BITPLANE_POLL_MS: '0', BITPLANE_MAX_BATCH_ROWS: '0' });
  try {
    await measure('bnn-mlp 64-row c=8 batching off', unbatched.address, 'bnn', 8, 64);
  } finally {
    await stopServer(unbatched);
  }

  const P = (k: string) => points.get(k)!;
  const b = backend.name;
  const rows: BenchRow[] = [];
  for (const c of CONCURRENCY) {
    const extra = { backend: b, concurrency: c };
    rows.push(row(`bnn-mlp (${b}) c=${c} p50 latency`, P(`bnn-mlp c=${c}`).p50, 'ms', `raw grpc-js floor c=${c} p50`, P(`floor c=${c}`).p50, false, extra));
    rows.push(row(`bnn-mlp (${b}) c=${c} p99 latency`, P(`bnn-mlp c=${c}`).p99, 'ms', `raw grpc-js floor c=${c} p99`, P(`floor c=${c}`).p99, false, extra));
    rows.push(row(`bnn-mlp (${b}) c=${c} throughput`, P(`bnn-mlp c=${c}`).throughput, 'req/s', `raw grpc-js floor c=${c}`, P(`floor c=${c}`).throughput, true, extra));
    rows.push(row(`bnn-mlp (${b}) c=${c} throughput`, P(`bnn-mlp c=${c}`).throughput, 'req/s', `onnx-float on onnxruntime c=${c}`, P(`onnx-float c=${c}`).throughput, true, extra));
    rows.push(row(`onnx-float (onnxruntime) c=${c} p50 latency`, P(`onnx-float c=${c}`).p50, 'ms', `raw grpc-js floor c=${c} p50`, P(`floor c=${c}`).p50, false, { concurrency: c }));
  }
  rows.push(row(`bnn-mlp (${b}) 64-row requests c=8, dynamic batching`, P('bnn-mlp 64-row c=8 batching on').rowsPerSecond, 'rows/s', 'batching off (--max-batch-rows 0)', P('bnn-mlp 64-row c=8 batching off').rowsPerSecond, true, { backend: b, concurrency: 8 }));

  const r1 = P('floor c=1').p50 / P('bnn-mlp c=1').p50;
  const r64 = P('bnn-mlp c=64').throughput / P('floor c=64').throughput;
  const notes = [
    `target: c=1 p50 within 1.5x the floor's: ${(1 / r1).toFixed(2)}x -> ${1 / r1 <= 1.5 ? 'met' : 'NOT met'}`,
    `target: c=64 throughput >= 0.7x the floor's: ${r64.toFixed(2)}x -> ${r64 >= 0.7 ? 'met' : 'NOT met'}`,
    ...CONCURRENCY.map((c) => {
      const r = P(`bnn-mlp c=${c}`).throughput / P(`onnx-float c=${c}`).throughput;
      return `target: bnn-mlp throughput above onnx-float's at c=${c}: ${r.toFixed(2)}x -> ${r > 1 ? 'met' : 'NOT met'}`;
    }),
    `backend ${backend.describe()}; ${SECONDS} s closed loop per point after warm-up; server, floor server and load generator are separate processes on loopback`,
  ];
  report('serve', rows, notes);
  fs.rmSync(root, { recursive: true, force: true });
}

if (process.argv[2] === '--floor') runFloorServer(Number(process.argv[3]));
else
  main().catch((e: Error) => {
    console.error(e);
    process.exit(1);
  });
