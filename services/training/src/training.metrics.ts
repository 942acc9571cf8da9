/** Prometheus metrics of the training service: jobs per state (read from the queue at scrape time), epoch durations. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createMetricsRegistry } from '../../common/src/metrics-server';

/** Queue counts as BullMQ reports them. */
export type JobCounts = Record<string, number>;

/** The service's metrics on its own registry. */
export class TrainingMetrics {
  readonly registry: Registry;
  readonly submitted: Counter;
  readonly cancelRequests: Counter;
  readonly epochSeconds: Histogram<'family'>;
  private countJobs: () => Promise<JobCounts> = async () => ({});

  constructor() {
    this.registry = createMetricsRegistry('bitplane_training_');
    const countJobs = (): Promise<JobCounts> => this.countJobs();
    new Gauge({
      name: 'bitplane_training_jobs',
      help: 'Training jobs per state (queued, running, done, failed) as the queue holds them now; cancelled jobs count as failed',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const c = await countJobs();
        this.set({ state: 'queued' }, (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0));
        this.set({ state: 'running' }, c.active ?? 0);
        this.set({ state: 'done' }, c.completed ?? 0);
        this.set({ state: 'failed' }, c.failed ?? 0);
      },
    });
    this.submitted = new Counter({ name: 'bitplane_training_jobs_submitted_total', help: 'Jobs accepted by SubmitJob', registers: [this.registry] });
    this.cancelRequests = new Counter({ name: 'bitplane_training_cancel_requests_total', help: 'CancelJob calls that marked a job', registers: [this.registry] });
    this.epochSeconds = new Histogram({
      name: 'bitplane_training_epoch_duration_seconds',
      help: 'Wall seconds per training epoch, as measured by the workers',
      labelNames: ['family'],
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers: [this.registry],
    });
  }

  /** Where the jobs gauge reads counts from (the queue). */
  setJobCounter(count: () => Promise<JobCounts>): void {
    this.countJobs = count;
  }
}
