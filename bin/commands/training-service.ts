/** `bitplane training-service`: the gRPC training service (jobs on a BullMQ queue in Redis, run by `bitplane worker`). */
import { Command } from 'commander';
import { port, positiveInt } from '../option-parsers';

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('training-service')
    .description('serve bitplane.v1.TrainingService over gRPC (health, reflection, Prometheus metrics); SIGTERM drains then exits 0')
    .option('--port <n>', 'gRPC port (env BITPLANE_TRAINING_PORT, default 8011)', port)
    .option('--host <addr>', 'listen address (env BITPLANE_HOST, default 0.0.0.0)')
    .option('--metrics-port <n>', 'Prometheus /metrics port (env BITPLANE_TRAINING_METRICS_PORT, default 8012)', port)
    .option('--registry <dir>', 'model registry directory (env BITPLANE_REGISTRY, default ./models)')
    .option('--datasets <dir>', 'datasets directory; references are checked here at SubmitJob (env BITPLANE_DATASETS)')
    .option('--redis <url>', 'Redis holding the job queue (env REDIS_URL, default redis://127.0.0.1:6379)')
    .option('--max-message-bytes <n>', 'largest gRPC message (env BITPLANE_MAX_MESSAGE_BYTES, default 4194304)', positiveInt)
    .option('--max-in-flight <n>', 'calls in flight before RESOURCE_EXHAUSTED (env BITPLANE_MAX_IN_FLIGHT, default 256)', positiveInt)
    .option('--tls-cert <file>', 'PEM certificate: serve TLS with --tls-key (env BITPLANE_TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key (env BITPLANE_TLS_KEY)')
    .addHelpText('after', '\nSubmitJob and CancelJob require `authorization: Bearer <token>` when BITPLANE_ADMIN_TOKEN is set.\nLogs: JSON on stderr, level from BITPLANE_LOG_LEVEL. Drain timeout: BITPLANE_DRAIN_MS (default 10000).')
    .action(async (opts: { port?: number; host?: string; metricsPort?: number; registry?: string; datasets?: string; redis?: string; maxMessageBytes?: number; maxInFlight?: number; tlsCert?: string; tlsKey?: string }) => {
      const { startTrainingService } = await import('../../services/training/src/main');
      const { defaultRegistryDir } = await import('../../libs/core/src/registry');
      const { adminTokenFromEnv } = await import('../../services/common/src/admin-token');
      const env = process.env;
      const envInt = (name: string): number | undefined => (env[name] ? positiveInt(env[name] as string) : undefined);
      await startTrainingService(
        {
          port: opts.port ?? (env.BITPLANE_TRAINING_PORT ? port(env.BITPLANE_TRAINING_PORT) : 8011),
          host: opts.host ?? env.BITPLANE_HOST,
          metricsPort: opts.metricsPort ?? (env.BITPLANE_TRAINING_METRICS_PORT ? port(env.BITPLANE_TRAINING_METRICS_PORT) : 8012),
          registryDir: defaultRegistryDir(opts.registry),
          datasetsDir: opts.datasets ?? env.BITPLANE_DATASETS,
          redisUrl: opts.redis ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          adminToken: adminTokenFromEnv(env),
          maxMessageBytes: opts.maxMessageBytes ?? envInt('BITPLANE_MAX_MESSAGE_BYTES'),
          maxInFlight: opts.maxInFlight ?? envInt('BITPLANE_MAX_IN_FLIGHT'),
          tlsCertFile: opts.tlsCert ?? env.BITPLANE_TLS_CERT,
          tlsKeyFile: opts.tlsKey ?? env.BITPLANE_TLS_KEY,
        },
        true,
      );
    });
}
