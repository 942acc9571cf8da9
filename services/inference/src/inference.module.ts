/** The NestJS module of the inference service: the gRPC and REST controllers over one shared runtime. */
import { DynamicModule, Module } from '@nestjs/common';
import { INFERENCE_RUNTIME, InferenceRuntime } from './runtime';
import { InferenceGrpcController } from './transport/inference.grpc.controller';
import { InferenceHttpController } from './transport/inference.http.controller';

/** Built per server with its runtime. */
@Module({})
export class InferenceModule {
  /** The module bound to one running server's runtime. */
  static forRuntime(runtime: InferenceRuntime): DynamicModule {
    return {
      module: InferenceModule,
      controllers: [InferenceGrpcController, InferenceHttpController],
      providers: [{ provide: INFERENCE_RUNTIME, useValue: runtime }],
    };
  }
}
