/** `bitplane infer <model> --input ...`: a gRPC client of the inference server printing outputs and predicted classes. */
import { Command } from 'commander';
import { formatInferResult, runInfer } from '../../services/inference/src/client/infer-client';

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('infer')
    .description('send one inference request to a running `bitplane serve` and print the outputs (and predicted class)')
    .argument('<model>', 'model name, or name:version')
    .requiredOption('--input <spec>', 'a .json (array or KServe V2 body), a .npy, or an IDX file with indices: file.idx3-ubyte.gz:0-9')
    .option('--url <host:port>', 'gRPC address of the server (env BITPLANE_INFERENCE_URL, default 127.0.0.1:8001)')
    .option('--tls-ca <file>', 'CA certificate (PEM) to connect with TLS (env BITPLANE_TLS_CA)')
    .option('--timeout-ms <n>', 'deadline per call', '30000')
    .action(async (ref: string, opts: { input: string; url?: string; tlsCa?: string; timeoutMs: string }) => {
      const [model, version] = ref.split(':');
      const r = await runInfer({
        model,
        version,
        input: opts.input,
        url: opts.url ?? process.env.BITPLANE_INFERENCE_URL ?? '127.0.0.1:8001',
        tlsCa: opts.tlsCa ?? process.env.BITPLANE_TLS_CA,
        timeoutMs: Number(opts.timeoutMs),
      });
      for (const line of formatInferResult(r)) console.log(line);
    });
}
