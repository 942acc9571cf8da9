/**
 * Starts the training service: NestJS gRPC server (bitplane.v1.TrainingService + health + reflection) on the
 * transport options from services/common, the Prometheus endpoint, and SIGTERM draining. `bitplane
 * training-service` calls startTrainingService(); running this file directly reads the environment.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { INestMicroservice } from '@nestjs/common';
import { adminTokenFromEnv } from '../../common/src/admin-token';
import { installGracefulShutdown } from '../../common/src/graceful-shutdown';
import { GrpcExceptionFilter } from '../../common/src/grpc-errors';
import { protoFile } from '../../common/src/grpc-loader-options';
import { grpcServerOptions } from '../../common/src/grpc-server-options';
import { ServiceHealth } from '../../common/src/health';
import { createLogger } from '../../common/src/logger';
import { MetricsServer, startMetricsServer } from '../../common/src/metrics-server';
import { defaultRegistryDir } from '../../../libs/core/src/registry';
import { JobsService } from './jobs.service';
import { redactUrl } from './redis.util';
import { TrainingServiceConfig } from './training.config';
import { DEFAULT_REDIS_URL, DEFAULT_TRAINING_METRICS_PORT, DEFAULT_TRAINING_PORT, TRAINING_PROTO, TRAINING_SERVICE_NAME } from './training.constants';
import { TrainingMetrics } from './training.metrics';
import { TrainingModule } from './training.module';

/** A running training service. */
export interface RunningTrainingService {
  app: INestMicroservice;
  health: ServiceHealth;
  grpcPort: number;
  metricsPort: number;
  /** Drains and stops everything (no process exit). */
  close(): Promise<void>;
}

/** Starts the service; with `handleSignals` (the CLI) SIGTERM/SIGINT drain and exit 0. */
export async function startTrainingService(config: TrainingServiceConfig, handleSignals = false): Promise<RunningTrainingService> {
  const log = createLogger('training-service');
  const health = new ServiceHealth([TRAINING_SERVICE_NAME]);
  const metrics = new TrainingMetrics();
  const grpcSetup = grpcServerOptions({
    host: config.host,
    port: config.port,
    protoFiles: [protoFile(TRAINING_PROTO)],
    packages: ['bitplane.v1'],
    health,
    maxMessageBytes: config.maxMessageBytes,
    maxInFlight: config.maxInFlight,
    tls: { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile },
  });
  const app = await NestFactory.createMicroservice(TrainingModule.forRoot(config, metrics, health), { ...grpcSetup.options, logger: ['error', 'warn'] });
  app.useGlobalFilters(new GrpcExceptionFilter((e) => log.error({ err: e }, 'internal error in a handler')));
  await app.listen();
  let metricsServer: MetricsServer;
  try {
    metricsServer = await startMetricsServer(metrics.registry, config.metricsPort, config.host);
  } catch (e) {
    await app.close();
    throw e;
  }
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      health.setAll('NOT_SERVING');
      app.get(JobsService).endWatches();
      await app.close();
      await metricsServer.close();
    })());
  if (handleSignals) installGracefulShutdown({ logger: log, health, close });
  log.info(
    { grpc: grpcSetup.url, metricsPort: metricsServer.port, registry: config.registryDir, datasets: config.datasetsDir, redis: redactUrl(config.redisUrl), adminToken: config.adminToken ? 'required' : 'off', tls: Boolean(config.tlsCertFile) },
    'training service listening',
  );
  return { app, health, grpcPort: config.port, metricsPort: metricsServer.port, close };
}

/** The config from the environment alone (used when this file is run directly). */
export function trainingConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TrainingServiceConfig {
  return {
    port: Number(env.BITPLANE_TRAINING_PORT ?? DEFAULT_TRAINING_PORT),
    metricsPort: Number(env.BITPLANE_TRAINING_METRICS_PORT ?? DEFAULT_TRAINING_METRICS_PORT),
    registryDir: defaultRegistryDir(),
    datasetsDir: env.BITPLANE_DATASETS,
    redisUrl: env.REDIS_URL ?? DEFAULT_REDIS_URL,
    adminToken: adminTokenFromEnv(env),
    tlsCertFile: env.BITPLANE_TLS_CERT,
    tlsKeyFile: env.BITPLANE_TLS_KEY,
  };
}

if (require.main === module) {
  startTrainingService(trainingConfigFromEnv(), true).catch((e: Error) => {
    console.error(`training-service: ${e.message}`);
    process.exit(1);
  });
}
