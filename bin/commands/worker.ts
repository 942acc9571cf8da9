/** `bitplane worker`: runs training jobs from the BullMQ queue that `bitplane training-service` fills. */
import { Command } from 'commander';
import { positiveInt } from '../option-parsers';

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('worker')
    .description('run training jobs from the queue (checkpoints under <registry>/.jobs/<jobId>; a job left by a dead worker resumes from its checkpoint)')
    .option('--redis <url>', 'Redis holding the job queue (env REDIS_URL, default redis://127.0.0.1:6379)')
    .option('--registry <dir>', 'model registry directory the models are written to (env BITPLANE_REGISTRY, default ./models)')
    .option('--datasets <dir>', 'datasets directory (env BITPLANE_DATASETS)')
    .option('--concurrency <n>', 'jobs run at once (env BITPLANE_WORKER_CONCURRENCY, default 1)', positiveInt)
    .option('--lock-duration <ms>', 'a worker silent this long is presumed dead and its job recovered (env BITPLANE_WORKER_LOCK_MS, default 30000)', positiveInt)
    .option('--stalled-interval <ms>', 'how often dead workers\' jobs are looked for (env BITPLANE_WORKER_STALLED_MS, default 30000)', positiveInt)
    .addHelpText('after', '\nSIGTERM/SIGINT: stop taking jobs, put a running job back on the queue (it resumes from its checkpoint), exit 0.\nLogs: JSON on stderr, level from BITPLANE_LOG_LEVEL.')
    .action(async (opts: { redis?: string; registry?: string; datasets?: string; concurrency?: number; lockDuration?: number; stalledInterval?: number }) => {
      const { startTrainingWorker } = await import('../../services/training/src/training.worker');
      const { defaultRegistryDir } = await import('../../libs/core/src/registry');
      const env = process.env;
      const envInt = (name: string): number | undefined => (env[name] ? positiveInt(env[name] as string) : undefined);
      const w = await startTrainingWorker({
        redisUrl: opts.redis ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        registryDir: defaultRegistryDir(opts.registry),
        datasetsDir: opts.datasets ?? env.BITPLANE_DATASETS,
        concurrency: opts.concurrency ?? envInt('BITPLANE_WORKER_CONCURRENCY') ?? 1,
        lockDurationMs: opts.lockDuration ?? envInt('BITPLANE_WORKER_LOCK_MS'),
        stalledIntervalMs: opts.stalledInterval ?? envInt('BITPLANE_WORKER_STALLED_MS'),
      });
      let stopping = false;
      const stop = (sig: string): void => {
        if (stopping) return;
        stopping = true;
        console.error(`bitplane worker: ${sig}: stopping (a running job goes back on the queue)`);
        w.close().then(
          () => process.exit(0),
          (e: Error) => {
            console.error(`bitplane worker: error while stopping: ${e.message}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
