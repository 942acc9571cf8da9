/**
 * The ONE table mapping domain errors (libs/core/src/errors.ts) to gRPC status codes, and the NestJS exception
 * filter that applies it, so that nothing reaches a client as UNKNOWN.
 */
import { ArgumentsHost, Catch, RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Observable, throwError } from 'rxjs';
import { CorruptArtifactError, InvalidArgumentError, NotFoundError } from '../../../libs/core/src/errors';

/** A gRPC status as grpc-js reads it from a handler's error ({code, message}; details = message). */
export interface GrpcErrorStatus {
  code: GrpcStatus;
  message: string;
}

/** Domain error class -> gRPC status code. First match wins; extend this table, never add a second one. */
export const DOMAIN_ERROR_STATUS: ReadonlyArray<readonly [new (...args: never[]) => Error, GrpcStatus]> = [
  [InvalidArgumentError, GrpcStatus.INVALID_ARGUMENT],
  [NotFoundError, GrpcStatus.NOT_FOUND],
  // The request was fine; the server's stored artifact is not usable.
  [CorruptArtifactError, GrpcStatus.FAILED_PRECONDITION],
  [RangeError, GrpcStatus.INVALID_ARGUMENT],
];

/** Thrown to end a call with a chosen status; same shape RpcException carries. */
export function rpcError(code: GrpcStatus, message: string): RpcException {
  return new RpcException({ code, message } satisfies GrpcErrorStatus);
}

function isGrpcErrorStatus(x: unknown): x is GrpcErrorStatus {
  return typeof x === 'object' && x !== null && typeof (x as GrpcErrorStatus).code === 'number' && typeof (x as GrpcErrorStatus).message === 'string';
}

/** The gRPC status for any thrown value: RpcException as given, domain errors by the table, the rest INTERNAL. */
export function grpcStatusOf(err: unknown): GrpcErrorStatus {
  if (err instanceof RpcException) {
    const e = err.getError();
    if (isGrpcErrorStatus(e)) return { code: e.code, message: e.message };
    return { code: GrpcStatus.INTERNAL, message: typeof e === 'string' ? e : JSON.stringify(e) };
  }
  if (isGrpcErrorStatus(err)) return { code: err.code, message: err.message };
  for (const [cls, code] of DOMAIN_ERROR_STATUS) if (err instanceof cls) return { code, message: err.message };
  return { code: GrpcStatus.INTERNAL, message: err instanceof Error ? err.message : String(err) };
}

/** Converts any thrown value into an RpcException with a real status code. */
export function toRpcException(err: unknown): RpcException {
  const s = grpcStatusOf(err);
  return rpcError(s.code, s.message);
}

/** Global NestJS filter (app.useGlobalFilters(new GrpcExceptionFilter(log))) applying the table to every handler. */
@Catch()
export class GrpcExceptionFilter implements RpcExceptionFilter<unknown> {
  constructor(private readonly onInternal?: (err: unknown) => void) {}

  /** Turns the exception into the {code, message} grpc-js sends as the call's status. */
  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    void host;
    const s = grpcStatusOf(exception);
    if (s.code === GrpcStatus.INTERNAL) this.onInternal?.(exception);
    return throwError(() => s);
  }
}
