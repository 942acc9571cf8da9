/** Test support: a registry in a temporary directory and a real server started exactly as main.ts starts it. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { ModelRegistry } from '../../../../libs/core/src/registry';
import { Rng } from '../../../../libs/core/src/random';
import { BnnMlpModel, BNN_MLP_FAMILY, bnnMlpSignature, bnnMlpTensors } from '../../../../libs/models/bnn-mlp/model';
import { randomBnnMlp } from '../../../../libs/models/bnn-mlp/testing';
import { InferenceConfig, resolveInferenceConfig } from '../inference.config';
import { InferenceServer, startInferenceServer } from '../inference.server';
import { freePort } from '../../../../libs/testing/free-port';
import { inferenceClient } from '../client/inference-client';

/** A fresh registry directory. */
export function tempRegistry(): ModelRegistry {
  return new ModelRegistry(fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-infer-')));
}

/** Saves a random bnn-mlp as the next version of `name`; returns the model and version. */
export function saveRandomBnnMlp(registry: ModelRegistry, name: string, rng: Rng, sizes: [number, number[], number]): { model: BnnMlpModel; version: number } {
  const model = randomBnnMlp(rng, sizes[0], sizes[1], sizes[2]);
  const { manifest } = registry.save(
    { name, family: BNN_MLP_FAMILY, signature: bnnMlpSignature(sizes[0], sizes[2]), config: { inputSize: sizes[0], hiddenSizes: sizes[1], outputSize: sizes[2] } },
    bnnMlpTensors(model),
  );
  return { model, version: manifest.version };
}

/** A running test server with a connected client. */
export interface TestServer {
  server: InferenceServer;
  config: InferenceConfig;
  address: string;
  client: grpc.Client;
  httpUrl: string;
  metricsUrl: string;
  close(): Promise<void>;
}

/** Starts a server on free ports over `registry` (flags as `bitplane serve` takes them). */
export async function startTestServer(registry: ModelRegistry, flags: Parameters<typeof resolveInferenceConfig>[0] = {}, env: NodeJS.ProcessEnv = {}): Promise<TestServer> {
  const config = resolveInferenceConfig({ registry: registry.root, host: '127.0.0.1', port: await freePort(), httpPort: 0, metricsPort: 0, pollMs: 200, ...flags }, env);
  const server = await startInferenceServer(config, pino({ level: process.env.BITPLANE_TEST_LOG ?? 'silent' }));
  const address = `127.0.0.1:${config.port}`;
  const client = inferenceClient(address);
  return {
    server,
    config,
    address,
    client,
    httpUrl: `http://127.0.0.1:${server.httpPort}`,
    metricsUrl: `http://127.0.0.1:${server.metricsPort}/metrics`,
    async close() {
      client.close();
      await server.close();
    },
  };
}

/** A seed from $BITPLANE_SEED or fresh, printed so a failure can be replayed. */
export function testSeed(label: string): number {
  const seed = process.env.BITPLANE_SEED ? Number(process.env.BITPLANE_SEED) : (Math.random() * 2 ** 31) >>> 0;
  console.log(`# ${label}: seed ${seed} (rerun with BITPLANE_SEED=${seed})`);
  return seed;
}
