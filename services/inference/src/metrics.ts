/** Prometheus metrics of the inference service (served by services/common's metrics server, default port 8002). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createMetricsRegistry } from '../../common/src/metrics-server';

const PREFIX = 'bitplane_inference_';

/** Every metric the service records. */
export class InferenceMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'model' | 'version' | 'protocol'>;
  readonly failures: Counter<'model' | 'version' | 'protocol' | 'code'>;
  readonly latency: Histogram<'model' | 'version' | 'protocol'>;
  readonly batchRows: Histogram<'model' | 'version'>;
  readonly batchRequests: Histogram<'model' | 'version'>;
  readonly computeSeconds: Histogram<'model' | 'version'>;
  readonly queueDepth: Gauge<'model' | 'version'>;
  readonly dropped: Counter<'model' | 'version' | 'reason'>;
  readonly modelReady: Gauge<'model' | 'version'>;
  readonly backend: Gauge<'backend' | 'detail'>;

  constructor() {
    this.registry = createMetricsRegistry(PREFIX);
    const registers = [this.registry];
    this.requests = new Counter({ name: `${PREFIX}requests_total`, help: 'Inference requests received, per model and version', labelNames: ['model', 'version', 'protocol'], registers });
    this.failures = new Counter({ name: `${PREFIX}failures_total`, help: 'Inference requests that failed, by gRPC status code name', labelNames: ['model', 'version', 'protocol', 'code'], registers });
    this.latency = new Histogram({
      name: `${PREFIX}request_duration_seconds`,
      help: 'Time from request decoded to response built (queueing included)',
      labelNames: ['model', 'version', 'protocol'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.batchRows = new Histogram({ name: `${PREFIX}batch_rows`, help: 'Rows per model call (after dynamic batching)', labelNames: ['model', 'version'], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096], registers });
    this.batchRequests = new Histogram({ name: `${PREFIX}batch_requests`, help: 'Requests merged per model call', labelNames: ['model', 'version'], buckets: [1, 2, 4, 8, 16, 32, 64, 128], registers });
    this.computeSeconds = new Histogram({
      name: `${PREFIX}compute_seconds`,
      help: 'Model call time',
      labelNames: ['model', 'version'],
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    });
    this.queueDepth = new Gauge({ name: `${PREFIX}queue_depth`, help: 'Requests waiting for a busy model', labelNames: ['model', 'version'], registers });
    this.dropped = new Counter({ name: `${PREFIX}dropped_total`, help: 'Queued requests dropped before running (client cancelled or deadline passed)', labelNames: ['model', 'version', 'reason'], registers });
    this.modelReady = new Gauge({ name: `${PREFIX}model_ready`, help: '1 when the model version is loaded and ready, 0 when it failed to load', labelNames: ['model', 'version'], registers });
    this.backend = new Gauge({ name: `${PREFIX}backend_info`, help: 'The kernel backend in use (value 1)', labelNames: ['backend', 'detail'], registers });
  }
}
