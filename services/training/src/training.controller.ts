/** gRPC handlers of bitplane.v1.TrainingService: decode requests, check the admin token, delegate to the services. */
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { Metadata } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { checkAdminToken } from '../../common/src/admin-token';
import { structToJson, StructMessage } from '../../common/src/protobuf-wkt';
import { JobMessage, JobStateName } from './job-view';
import { JobsService } from './jobs.service';
import { ModelsService, ModelSummaryMessage, ModelVersionMessage } from './models.service';
import { TRAINING_CONFIG, TrainingServiceConfig } from './training.config';

/** SubmitJobRequest as decoded. */
interface SubmitJobRequest {
  family: string;
  dataset: string;
  hyperparameters?: StructMessage | null;
  model_name: string;
}

/** The TrainingService RPCs. */
@Controller()
export class TrainingController {
  constructor(
    @Inject(TRAINING_CONFIG) private readonly config: TrainingServiceConfig,
    private readonly jobs: JobsService,
    private readonly models: ModelsService,
  ) {}

  /** Validates and queues a job (admin token when configured). */
  @GrpcMethod('TrainingService', 'SubmitJob')
  async submitJob(req: SubmitJobRequest, md: Metadata): Promise<{ job_id: string; job: JobMessage }> {
    checkAdminToken(md, this.config.adminToken, 'SubmitJob');
    const job = await this.jobs.submit({ family: req.family, dataset: req.dataset, name: req.model_name, hyperparameters: structToJson(req.hyperparameters) });
    return { job_id: job.job_id, job };
  }

  /** One job. */
  @GrpcMethod('TrainingService', 'GetJob')
  getJob(req: { job_id: string }): Promise<JobMessage> {
    return this.jobs.get(req.job_id);
  }

  /** The job as it changes, until a terminal state. */
  @GrpcMethod('TrainingService', 'WatchJob')
  watchJob(req: { job_id: string }): Observable<JobMessage> {
    return this.jobs.watch(req.job_id);
  }

  /** Cancels a job (admin token when configured). */
  @GrpcMethod('TrainingService', 'CancelJob')
  async cancelJob(req: { job_id: string }, md: Metadata): Promise<JobMessage> {
    checkAdminToken(md, this.config.adminToken, 'CancelJob');
    return this.jobs.cancel(req.job_id);
  }

  /** Jobs, newest first. */
  @GrpcMethod('TrainingService', 'ListJobs')
  async listJobs(req: { states?: JobStateName[]; limit?: number }): Promise<{ jobs: JobMessage[] }> {
    return { jobs: await this.jobs.list(req.states ?? [], req.limit ?? 0) };
  }

  /** Registry models. */
  @GrpcMethod('TrainingService', 'ListModels')
  listModels(): { models: ModelSummaryMessage[] } {
    return { models: this.models.list() };
  }

  /** One model version. */
  @GrpcMethod('TrainingService', 'GetModel')
  getModel(req: { name: string; version?: number }): ModelVersionMessage {
    return this.models.get(req.name, req.version ?? 0);
  }
}
