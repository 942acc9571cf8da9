/**
 * Dynamic batching for one model version. An idle model runs a request at once (no added latency for a lone
 * request); requests that arrive while it is busy queue, and when it frees up the queued requests run as ONE call
 * (one merged XNOR-popcount GEMM for the binary families) of at most `maxRows` rows. `maxRows` governs merging
 * only: a single request of any size runs alone. Work whose call was cancelled or whose deadline passed while it
 * queued is dropped before it runs.
 */
import { HostInputs, ModelHost } from '../hosts/model-host';
import { Tensor, concatRows, sliceRows } from '../tensors/tensor';

/** One request waiting for (or running on) the model. */
export interface BatchJob {
  inputs: HostInputs;
  /** Rows along dimension 0 (1 for hosts that are not batchable). */
  rows: number;
  /** An error when the job should no longer run (client cancelled, deadline passed), else undefined. */
  abandoned(): Error | undefined;
  resolve(outputs: Tensor[]): void;
  reject(err: unknown): void;
}

/** What the batcher reports (metrics). */
export interface BatcherObserver {
  /** A model call ran `requests` merged requests of `rows` rows in total, taking `seconds`. */
  batch(requests: number, rows: number, seconds: number): void;
  /** The queue now holds `depth` jobs. */
  queueDepth(depth: number): void;
  /** A job was dropped (cancelled or deadline) before it ran. */
  dropped(reason: Error): void;
}

/** The per-model-version batcher (see module doc). */
export class DynamicBatcher {
  private queue: BatchJob[] = [];
  private busy = false;

  constructor(
    private readonly host: ModelHost,
    /** Most rows merged into one call; 0 or 1 switches merging off (requests still queue, one call each). */
    private readonly maxRows: number,
    private readonly observer: BatcherObserver,
  ) {}

  /** Jobs waiting. */
  get depth(): number {
    return this.queue.length;
  }

  /** Queues a job, or runs it at once when the model is idle. */
  submit(job: BatchJob): void {
    const why = job.abandoned();
    if (why) {
      this.observer.dropped(why);
      job.reject(why);
      return;
    }
    if (this.busy) {
      this.queue.push(job);
      this.observer.queueDepth(this.queue.length);
      return;
    }
    this.busy = true;
    this.run([job]);
  }

  private run(jobs: BatchJob[]): void {
    const t0 = process.hrtime.bigint();
    const rows = jobs.reduce((s, j) => s + j.rows, 0);
    const done = (outputs: Tensor[]): void => {
      this.observer.batch(jobs.length, rows, Number(process.hrtime.bigint() - t0) / 1e9);
      if (jobs.length === 1) jobs[0].resolve(outputs);
      else {
        let start = 0;
        for (const j of jobs) {
          j.resolve(outputs.map((o) => sliceRows(o, start, j.rows)));
          start += j.rows;
        }
      }
      this.next();
    };
    const fail = (err: unknown): void => {
      for (const j of jobs) j.reject(err);
      this.next();
    };
    let result: Tensor[] | Promise<Tensor[]>;
    try {
      result = this.host.infer(jobs.length === 1 ? jobs[0].inputs : mergeInputs(jobs));
    } catch (e) {
      fail(e);
      return;
    }
    if (result instanceof Promise) result.then(done, fail);
    else done(result);
  }

  /** Lets pending I/O (new requests) land before deciding what runs next, so that they join the merge. */
  private next(): void {
    setImmediate(() => this.drain());
  }

  private drain(): void {
    if (this.queue.some((j) => j.abandoned())) {
      this.queue = this.queue.filter((j) => {
        const why = j.abandoned();
        if (!why) return true;
        this.observer.dropped(why);
        j.reject(why);
        return false;
      });
    }
    if (!this.queue.length) {
      this.busy = false;
      this.observer.queueDepth(0);
      return;
    }
    const batch = [this.queue.shift()!];
    let rows = batch[0].rows;
    if (this.host.batchable) {
      while (this.queue.length && rows + this.queue[0].rows <= this.maxRows) {
        const j = this.queue.shift()!;
        rows += j.rows;
        batch.push(j);
      }
    }
    this.observer.queueDepth(this.queue.length);
    this.run(batch);
  }
}

function mergeInputs(jobs: BatchJob[]): HostInputs {
  const merged = new Map<string, Tensor>();
  for (const name of jobs[0].inputs.keys()) merged.set(name, concatRows(jobs.map((j) => j.inputs.get(name)!)));
  return merged;
}
