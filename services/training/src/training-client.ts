/** A promise-based @grpc/grpc-js client for bitplane.v1.TrainingService (tests, `bitplane` commands, scripts). */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { GRPC_LOADER_OPTIONS, protoFile } from '../../common/src/grpc-loader-options';
import { TRAINING_PROTO } from './training.constants';
import type { JobMessage } from './job-view';
import type { ModelSummaryMessage, ModelVersionMessage } from './models.service';

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: unknown) => void) => void;

/** Client with one method per RPC; `token` is sent as `authorization: Bearer <token>` on every call. */
export class TrainingClient {
  private readonly raw: grpc.Client & Record<string, Unary> & { WatchJob(req: unknown, md: grpc.Metadata, opts?: grpc.CallOptions): grpc.ClientReadableStream<JobMessage> };

  constructor(
    addr: string,
    public token?: string,
    creds: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(protoFile(TRAINING_PROTO), GRPC_LOADER_OPTIONS)) as unknown as { bitplane: { v1: { TrainingService: new (a: string, c: grpc.ChannelCredentials) => never } } };
    this.raw = new pkg.bitplane.v1.TrainingService(addr, creds);
  }

  private md(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token !== undefined) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  private call<T>(method: string, req: unknown, timeoutMs = 30000): Promise<T> {
    return new Promise((resolve, reject) => this.raw[method](req, this.md(), { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r as T))));
  }

  /** SubmitJob. */
  submitJob(req: { family: string; dataset: string; model_name: string; hyperparameters?: unknown }): Promise<{ job_id: string; job: JobMessage }> {
    return this.call('SubmitJob', req);
  }
  /** GetJob. */
  getJob(jobId: string): Promise<JobMessage> {
    return this.call('GetJob', { job_id: jobId });
  }
  /** CancelJob. */
  cancelJob(jobId: string): Promise<JobMessage> {
    return this.call('CancelJob', { job_id: jobId });
  }
  /** ListJobs. */
  async listJobs(states: string[] = [], limit = 0): Promise<JobMessage[]> {
    return (await this.call<{ jobs: JobMessage[] }>('ListJobs', { states, limit })).jobs;
  }
  /** ListModels. */
  async listModels(): Promise<ModelSummaryMessage[]> {
    return (await this.call<{ models: ModelSummaryMessage[] }>('ListModels', {})).models;
  }
  /** GetModel (version 0: latest). */
  getModel(name: string, version = 0): Promise<ModelVersionMessage> {
    return this.call('GetModel', { name, version });
  }
  /** WatchJob as a readable stream of Job messages. */
  watchJob(jobId: string, opts: grpc.CallOptions = {}): grpc.ClientReadableStream<JobMessage> {
    return this.raw.WatchJob({ job_id: jobId }, this.md(), opts);
  }
  /** Closes the channel. */
  close(): void {
    this.raw.close();
  }
}
