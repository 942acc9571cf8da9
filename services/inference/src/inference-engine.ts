/**
 * The protocol-independent core of inference: resolve the model version, check and decode the request, queue it on
 * the version's dynamic batcher, count it in the metrics. gRPC (unary and stream) and REST all go through here.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { grpcStatusOf } from '../../common/src/grpc-errors';
import { ModelHost } from './hosts/model-host';
import { InferenceMetrics } from './metrics';
import { ModelRepository, ServedVersion } from './repository/model-repository';
import { Tensor } from './tensors/tensor';

/** Where a request came from (a metrics label). */
export type Protocol = 'grpc' | 'grpc-stream' | 'rest';

/** Returns why the caller gave up (cancel, deadline) once it has, else undefined. */
export type AbandonedCheck = () => Error | undefined;

/** A decoded request: inputs, rows, and which outputs to return. */
export interface DecodedInputs {
  inputs: Map<string, Tensor>;
  rows: number;
  outputs: number[];
}

/** The result of one inference: the host that ran it, every output, and the indices to return. */
export interface InferenceResult {
  host: ModelHost;
  outputs: Tensor[];
  selected: number[];
}

/** Label value standing for any model or version that does not exist. */
export const UNKNOWN_LABEL = '_unknown';

const CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(GrpcStatus).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v as number, k]));

/** Runs inference requests (see module doc). */
export class InferenceEngine {
  constructor(
    readonly repository: ModelRepository,
    private readonly metrics: InferenceMetrics,
  ) {}

  /**
   * Resolves `name`/`version`, decodes with `decode` (which checks against the host's signature) and runs the
   * request through the batcher; records requests, failures and latency per model and version.
   */
  async run(
    name: string,
    version: string | undefined,
    protocol: Protocol,
    decode: (host: ModelHost) => DecodedInputs,
    abandoned: AbandonedCheck,
    /** Runs the decoded request another way than the batcher (stateful stream sessions). */
    execute?: (host: ModelHost, decoded: DecodedInputs) => Promise<Tensor[]> | Tensor[],
  ): Promise<InferenceResult> {
    const t0 = process.hrtime.bigint();
    let labels = { model: name, version: version || 'latest', protocol };
    let counted = false;
    try {
      const served = await this.repository.resolve(name, version);
      labels = { model: name, version: String(served.version), protocol };
      this.metrics.requests.inc(labels);
      counted = true;
      const decoded = decode(served.host!);
      const outputs = execute && served.host!.openSession ? await execute(served.host!, decoded) : await this.submit(served, decoded, abandoned);
      this.metrics.latency.observe(labels, Number(process.hrtime.bigint() - t0) / 1e9);
      return { host: served.host!, outputs, selected: decoded.outputs };
    } catch (e) {
      const code = grpcStatusOf(e).code;
      // Names and versions the registry does not have stay out of the labels (a client could invent any number).
      if (code === GrpcStatus.NOT_FOUND) labels = { model: UNKNOWN_LABEL, version: UNKNOWN_LABEL, protocol };
      if (!counted) this.metrics.requests.inc(labels);
      this.metrics.failures.inc({ ...labels, code: CODE_NAMES[code] ?? 'UNKNOWN' });
      throw e;
    }
  }

  private submit(served: ServedVersion, decoded: DecodedInputs, abandoned: AbandonedCheck): Promise<Tensor[]> {
    return new Promise<Tensor[]>((resolve, reject) => {
      served.batcher!.submit({ inputs: decoded.inputs, rows: decoded.rows, abandoned, resolve, reject });
    });
  }
}
