/**
 * Starts the inference server exactly as production runs it (main.ts, `bitplane serve` and the tests all call
 * startInferenceServer): registry loaded, NestJS app with the gRPC transport built by inferenceGrpcSetup() and the
 * REST controller on its own port, Prometheus metrics on a third.
 */
import { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { getBackend } from '../../../libs/kernels/src/select';
import { GrpcServerSetup, grpcServerOptions } from '../../common/src/grpc-server-options';
import { protoFile } from '../../common/src/grpc-loader-options';
import { ServiceHealth } from '../../common/src/health';
import { MetricsServer, startMetricsServer } from '../../common/src/metrics-server';
import { InferenceConfig } from './inference.config';
import { InferenceEngine } from './inference-engine';
import { InferenceModule } from './inference.module';
import { InferenceMetrics } from './metrics';
import { ModelRepository } from './repository/model-repository';
import { InferenceRuntime } from './runtime';
import { INFERENCE_PROTO } from './transport/wire';

/** The inference proto, relative to proto/. */
export { INFERENCE_PROTO };
/** Its package and service (the health service name of the whole server). */
export const INFERENCE_PACKAGE = 'inference';
export const INFERENCE_SERVICE = 'inference.GRPCInferenceService';

/** The gRPC transport options of the inference service (the one place they are built). */
export function inferenceGrpcSetup(cfg: InferenceConfig, health: ServiceHealth): GrpcServerSetup {
  return grpcServerOptions({
    host: cfg.host,
    port: cfg.port,
    protoFiles: [protoFile(INFERENCE_PROTO)],
    packages: [INFERENCE_PACKAGE],
    health,
    maxMessageBytes: cfg.maxMessageBytes,
    maxInFlight: cfg.maxInFlight,
    tls: cfg.tls,
  });
}

/** A running server. */
export interface InferenceServer {
  config: InferenceConfig;
  /** The REST port actually bound (differs from config when 0 was asked). */
  httpPort: number;
  metricsPort: number;
  health: ServiceHealth;
  repository: ModelRepository;
  metrics: InferenceMetrics;
  /** Stops accepting, finishes in-flight calls (streams end after answering what they hold), releases models. */
  close(): Promise<void>;
  /** Immediate stop (drain overran). */
  forceClose(): void;
}

/** Starts a server (see module doc). */
export async function startInferenceServer(cfg: InferenceConfig, log: Logger): Promise<InferenceServer> {
  const backend = getBackend(cfg.backend);
  const metrics = new InferenceMetrics();
  metrics.backend.set({ backend: backend.name, detail: backend.describe() }, 1);
  const health = new ServiceHealth([INFERENCE_SERVICE], 'NOT_SERVING');
  const repository = new ModelRepository(new ModelRegistry(cfg.registry), { backend }, { maxBatchRows: cfg.maxBatchRows, pollMs: cfg.pollMs }, metrics, health, log);
  await repository.start();
  const engine = new InferenceEngine(repository, metrics);
  const draining = new AbortController();
  const runtime: InferenceRuntime = {
    engine,
    adminToken: cfg.adminToken,
    draining: draining.signal,
    isReady: () => repository.ready && !draining.signal.aborted,
    maxInFlight: cfg.maxInFlight,
  };
  const setup = inferenceGrpcSetup(cfg, health);
  const app = await NestFactory.create<NestExpressApplication>(InferenceModule.forRuntime(runtime), { logger: ['error', 'warn'], bodyParser: false });
  app.useBodyParser('json', { limit: cfg.maxMessageBytes });
  app.connectMicroservice(setup.options);
  let metricsServer: MetricsServer | undefined;
  try {
    await app.startAllMicroservices();
    await app.listen(cfg.httpPort, cfg.host);
    metricsServer = await startMetricsServer(metrics.registry, cfg.metricsPort, cfg.host);
  } catch (e) {
    await app.close().catch(() => undefined);
    await repository.stop();
    throw e;
  }
  health.set('', 'SERVING');
  health.set(INFERENCE_SERVICE, 'SERVING');
  const httpPort = (app.getHttpServer().address() as AddressInfo).port;
  log.info(
    { grpc: setup.url, http: httpPort, metrics: metricsServer.port, backend: backend.describe(), registry: cfg.registry, tls: Boolean(cfg.tls), models: repository.index(false) },
    'inference server listening',
  );
  let closing: Promise<void> | undefined;
  return {
    config: cfg,
    httpPort,
    metricsPort: metricsServer.port,
    health,
    repository,
    metrics,
    close() {
      closing ??= (async () => {
        draining.abort();
        health.setAll('NOT_SERVING');
        await app.close();
        await repository.stop();
        await metricsServer!.close();
      })();
      return closing;
    },
    forceClose() {
      draining.abort();
      void metricsServer?.close();
    },
  };
}
