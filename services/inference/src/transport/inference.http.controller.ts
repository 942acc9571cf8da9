/** The Open Inference Protocol over HTTP/REST (KServe V2 JSON), on its own port, for users with curl. */
import { Body, Controller, Get, HttpException, Inject, Param, Post, Headers, HttpCode, Req } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { checkAdminToken } from '../../../common/src/admin-token';
import { CallAbortedError } from '../../../common/src/call-signal';
import { grpcStatusOf, rpcError } from '../../../common/src/grpc-errors';
import { SERVER_EXTENSIONS, SERVER_NAME, SERVER_VERSION } from '../server-info';
import { INFERENCE_RUNTIME, InferenceRuntime } from '../runtime';
import { modelMetadata } from './model-metadata';
import { checkRestBody, decodeRestRequest, encodeRestResponse } from './rest-codec';

const HTTP_STATUS: Partial<Record<GrpcStatus, number>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.FAILED_PRECONDITION]: 400,
  [GrpcStatus.UNAUTHENTICATED]: 401,
  [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
  [GrpcStatus.CANCELLED]: 499,
};

/** Runs `fn`, turning any error into the KServe error body `{"error": "..."}` with a matching HTTP status. */
async function rest<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof HttpException) throw e;
    const s = grpcStatusOf(e);
    throw new HttpException({ error: s.message }, HTTP_STATUS[s.code] ?? 500);
  }
}

/** KServe V2 REST endpoints. */
@Controller('v2')
export class InferenceHttpController {
  private inFlight = 0;

  constructor(@Inject(INFERENCE_RUNTIME) private readonly rt: InferenceRuntime) {}

  /** Server metadata. */
  @Get()
  serverMetadata(): object {
    return { name: SERVER_NAME, version: SERVER_VERSION, extensions: SERVER_EXTENSIONS };
  }

  /** Liveness. */
  @Get('health/live')
  live(): object {
    return { live: true };
  }

  /** Readiness (503 when not ready). */
  @Get('health/ready')
  ready(): object {
    if (!this.rt.isReady()) throw new HttpException({ ready: false }, 503);
    return { ready: true };
  }

  /** Model metadata (newest ready version). */
  @Get('models/:name')
  model(@Param('name') name: string): Promise<object> {
    return rest(() => modelMetadata(this.rt.engine.repository, name));
  }

  /** Model metadata of a version. */
  @Get('models/:name/versions/:version')
  modelVersion(@Param('name') name: string, @Param('version') version: string): Promise<object> {
    return rest(() => modelMetadata(this.rt.engine.repository, name, version));
  }

  /** Model readiness (400 when not ready, as Triton answers). */
  @Get('models/:name/ready')
  modelReady(@Param('name') name: string): Promise<object> {
    return this.readyOf(name);
  }

  /** Model version readiness. */
  @Get('models/:name/versions/:version/ready')
  modelVersionReady(@Param('name') name: string, @Param('version') version: string): Promise<object> {
    return this.readyOf(name, version);
  }

  private readyOf(name: string, version?: string): Promise<object> {
    return rest(() => {
      const ready = this.rt.engine.repository.isReady(name, version);
      if (!ready) throw new HttpException({ name, ...(version ? { version } : {}), ready: false }, 400);
      return { name, ...(version ? { version } : {}), ready };
    });
  }

  /** Inference (newest ready version). */
  @Post('models/:name/infer')
  @HttpCode(200)
  infer(@Param('name') name: string, @Body() body: unknown, @Req() req: IncomingMessage): Promise<object> {
    return this.inferOn(name, undefined, body, req);
  }

  /** Inference on a pinned version. */
  @Post('models/:name/versions/:version/infer')
  @HttpCode(200)
  inferVersion(@Param('name') name: string, @Param('version') version: string, @Body() body: unknown, @Req() req: IncomingMessage): Promise<object> {
    return this.inferOn(name, version, body, req);
  }

  private inferOn(name: string, version: string | undefined, body: unknown, req: IncomingMessage): Promise<object> {
    // A client that closed its connection no longer wants the answer: its queued work is dropped.
    const abandoned = (): Error | undefined => (req.socket.destroyed ? new CallAbortedError(GrpcStatus.CANCELLED, 'the HTTP client closed the connection') : undefined);
    return rest(async () => {
      if (this.inFlight >= this.rt.maxInFlight) {
        throw rpcError(GrpcStatus.RESOURCE_EXHAUSTED, `server busy: ${this.inFlight} REST requests in flight (limit ${this.rt.maxInFlight})`);
      }
      this.inFlight++;
      try {
        const request = checkRestBody(name, body);
        const r = await this.rt.engine.run(name, version, 'rest', (host) => decodeRestRequest(request, host), abandoned);
        return encodeRestResponse(r.host, request.id, r.outputs, r.selected);
      } finally {
        this.inFlight--;
      }
    });
  }

  /** Repository index (Triton's REST model-repository extension). */
  @Post('repository/index')
  @HttpCode(200)
  index(@Body() body: { ready?: boolean } | undefined): object {
    return this.rt.engine.repository.index(Boolean(body?.ready));
  }

  /** Load a model (admin token when set). */
  @Post('repository/models/:name/load')
  @HttpCode(200)
  load(@Param('name') name: string, @Headers('authorization') auth: string | undefined): Promise<object> {
    return rest(async () => {
      checkAdminToken(metadataOf(auth), this.rt.adminToken, 'model load');
      await this.rt.engine.repository.load(name);
      return {};
    });
  }

  /** Unload a model (admin token when set). */
  @Post('repository/models/:name/unload')
  @HttpCode(200)
  unload(@Param('name') name: string, @Headers('authorization') auth: string | undefined): Promise<object> {
    return rest(async () => {
      checkAdminToken(metadataOf(auth), this.rt.adminToken, 'model unload');
      await this.rt.engine.repository.unload(name);
      return {};
    });
  }
}

function metadataOf(authorization: string | undefined): Metadata {
  const md = new Metadata();
  if (authorization) md.set('authorization', authorization);
  return md;
}
