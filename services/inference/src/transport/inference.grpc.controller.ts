/** The gRPC GRPCInferenceService (package `inference`): Open Inference Protocol handlers over the engine. */
import { Controller, Inject, UseFilters } from '@nestjs/common';
import { GrpcMethod, GrpcStreamCall } from '@nestjs/microservices';
import { Metadata, ServerDuplexStream, ServerUnaryCall, status as GrpcStatus } from '@grpc/grpc-js';
import { CallAbortedError, abortSignalForCall, callDeadlineMs } from '../../../common/src/call-signal';
import { checkAdminToken } from '../../../common/src/admin-token';
import { GrpcExceptionFilter } from '../../../common/src/grpc-errors';
import { InferenceEngine } from '../inference-engine';
import { SERVER_EXTENSIONS, SERVER_NAME, SERVER_VERSION } from '../server-info';
import { INFERENCE_RUNTIME, InferenceRuntime } from '../runtime';
import { decodeInferRequest, encodeInferResponse } from './grpc-codec';
import { modelMetadata } from './model-metadata';
import { StreamInferHandler } from './stream-infer';
import { ModelInferRequest, ModelInferResponse } from './wire';

const SERVICE = 'GRPCInferenceService';

/** Open Inference Protocol over gRPC. */
@Controller()
@UseFilters(new GrpcExceptionFilter())
export class InferenceGrpcController {
  private readonly engine: InferenceEngine;

  constructor(@Inject(INFERENCE_RUNTIME) private readonly rt: InferenceRuntime) {
    this.engine = rt.engine;
  }

  /** ServerLive: the process answers. */
  @GrpcMethod(SERVICE, 'ServerLive')
  serverLive(): { live: boolean } {
    return { live: true };
  }

  /** ServerReady: initial load done and not draining. */
  @GrpcMethod(SERVICE, 'ServerReady')
  serverReady(): { ready: boolean } {
    return { ready: this.rt.isReady() };
  }

  /** ModelReady: that version (or the newest) is loaded. */
  @GrpcMethod(SERVICE, 'ModelReady')
  modelReady(req: { name: string; version: string }): { ready: boolean } {
    return { ready: this.engine.repository.isReady(req.name, req.version) };
  }

  /** ServerMetadata: name, version, extensions. */
  @GrpcMethod(SERVICE, 'ServerMetadata')
  serverMetadata(): { name: string; version: string; extensions: string[] } {
    return { name: SERVER_NAME, version: SERVER_VERSION, extensions: [...SERVER_EXTENSIONS] };
  }

  /** ModelMetadata: versions, platform, signature. */
  @GrpcMethod(SERVICE, 'ModelMetadata')
  modelMetadata(req: { name: string; version: string }) {
    return modelMetadata(this.engine.repository, req.name, req.version);
  }

  /** ModelInfer: one request; cancellation and deadline drop it from the queue. */
  @GrpcMethod(SERVICE, 'ModelInfer')
  async modelInfer(req: ModelInferRequest, _md: Metadata, call: ServerUnaryCall<ModelInferRequest, ModelInferResponse>): Promise<ModelInferResponse> {
    const { signal, dispose } = abortSignalForCall(call);
    const deadline = callDeadlineMs(call);
    // The deadline is also compared directly: the timer cannot fire while a model call holds the event loop.
    const abandoned = (): Error | undefined =>
      signal.aborted ? (signal.reason as Error) : Date.now() >= deadline ? new CallAbortedError(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded') : undefined;
    try {
      const r = await this.engine.run(req.model_name, req.model_version, 'grpc', (host) => decodeInferRequest(req, host), abandoned);
      return encodeInferResponse(r.host, req.id ?? '', r.outputs, r.selected);
    } finally {
      dispose();
    }
  }

  /** ModelStreamInfer: many requests on one call, answered in order; errors go in error_message. */
  @GrpcStreamCall(SERVICE, 'ModelStreamInfer')
  modelStreamInfer(call: ServerDuplexStream<ModelInferRequest, unknown>): Promise<void> {
    return new StreamInferHandler(this.engine, call, this.rt.draining).done;
  }

  /** RepositoryIndex: every version on disk and its state. */
  @GrpcMethod(SERVICE, 'RepositoryIndex')
  repositoryIndex(req: { ready: boolean }) {
    return { models: this.engine.repository.index(req.ready) };
  }

  /** RepositoryModelLoad: (re)load a model's latest version; needs the admin token when one is set. */
  @GrpcMethod(SERVICE, 'RepositoryModelLoad')
  async repositoryModelLoad(req: { model_name: string }, md: Metadata): Promise<object> {
    checkAdminToken(md, this.rt.adminToken, 'RepositoryModelLoad');
    await this.engine.repository.load(req.model_name);
    return {};
  }

  /** RepositoryModelUnload: stop serving a model; needs the admin token when one is set. */
  @GrpcMethod(SERVICE, 'RepositoryModelUnload')
  async repositoryModelUnload(req: { model_name: string }, md: Metadata): Promise<object> {
    checkAdminToken(md, this.rt.adminToken, 'RepositoryModelUnload');
    await this.engine.repository.unload(req.model_name);
    return {};
  }
}

