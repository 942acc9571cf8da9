/** `bitplane serve`: the inference server (Open Inference Protocol over gRPC and REST, Prometheus metrics). */
import { Command } from 'commander';
import { INFERENCE_DEFAULTS, INFERENCE_ENV, resolveInferenceConfig } from '../../services/inference/src/inference.config';
import { runInferenceService } from '../../services/inference/src/main';

/** Registers the command. */
export function register(program: Command): void {
  const env = INFERENCE_ENV;
  program
    .command('serve')
    .description('serve every model of the registry over gRPC (KServe V2 / Triton protocol) and REST, with Prometheus metrics; SIGTERM drains')
    .option('--registry <dir>', `model registry (env ${env.registry}, default ./models)`)
    .option('--host <host>', `listen address (env ${env.host}, default ${INFERENCE_DEFAULTS.host})`)
    .option('--port <n>', `gRPC port (env ${env.port}, default ${INFERENCE_DEFAULTS.port})`)
    .option('--http-port <n>', `REST port (env ${env.httpPort}, default ${INFERENCE_DEFAULTS.httpPort})`)
    .option('--metrics-port <n>', `Prometheus /metrics port (env ${env.metricsPort}, default ${INFERENCE_DEFAULTS.metricsPort})`)
    .option('--backend <name>', `kernel backend auto|ts|cpu|cuda (env ${env.backend}, default auto)`)
    .option('--max-batch-rows <n>', `most rows the dynamic batcher merges into one call; 0 = no merging (env ${env.maxBatchRows}, default ${INFERENCE_DEFAULTS.maxBatchRows})`)
    .option('--max-message-bytes <n>', `largest request / response (env ${env.maxMessageBytes}, default ${INFERENCE_DEFAULTS.maxMessageBytes})`)
    .option('--max-inflight <n>', `calls in flight before RESOURCE_EXHAUSTED (env ${env.maxInFlight}, default ${INFERENCE_DEFAULTS.maxInFlight})`)
    .option('--poll-ms <n>', `registry rescan period for new versions; 0 = off (env ${env.pollMs}, default ${INFERENCE_DEFAULTS.pollMs})`)
    .option('--tls-cert <file>', `TLS certificate (PEM; env ${env.tlsCert}); with --tls-key`)
    .option('--tls-key <file>', `TLS private key (PEM; env ${env.tlsKey}); with --tls-cert`)
    .addHelpText('after', '\nModel-control RPCs (RepositoryModelLoad / Unload) require `authorization: Bearer <token>` when BITPLANE_ADMIN_TOKEN is set.')
    .action(async (opts: Record<string, string | undefined>) => {
      const cfg = resolveInferenceConfig({
        registry: opts.registry,
        host: opts.host,
        port: opts.port,
        httpPort: opts.httpPort,
        metricsPort: opts.metricsPort,
        backend: opts.backend,
        maxBatchRows: opts.maxBatchRows,
        maxMessageBytes: opts.maxMessageBytes,
        maxInFlight: opts.maxInflight,
        pollMs: opts.pollMs,
        tlsCert: opts.tlsCert,
        tlsKey: opts.tlsKey,
      });
      const server = await runInferenceService(cfg);
      console.log(
        `serving ${server.repository.index(true).length} model version(s) from ${cfg.registry}: gRPC ${cfg.host}:${cfg.port}${cfg.tls ? ' (TLS)' : ''}, REST http://${cfg.host}:${server.httpPort}/v2, metrics http://${cfg.host}:${server.metricsPort}/metrics`,
      );
    });
}
