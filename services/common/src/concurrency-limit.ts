/** A grpc-js server interceptor capping calls in flight: over the cap a call fails at once with RESOURCE_EXHAUSTED. */
import { Metadata, ServerInterceptingCall, ServerInterceptor, status as GrpcStatus } from '@grpc/grpc-js';

/** Paths never counted (health checks and reflection must answer even under load). */
export const UNCOUNTED_PATH_PREFIXES: readonly string[] = ['/grpc.health.v1.Health/', '/grpc.reflection.'];

/** The interceptor and a live view of its count. */
export interface ConcurrencyLimit {
  interceptor: ServerInterceptor;
  inFlight(): number;
}

/** Counts calls from metadata received until status sent or cancel; refuses the (max+1)-th. */
export function concurrencyLimit(maxInFlight: number, uncounted: readonly string[] = UNCOUNTED_PATH_PREFIXES): ConcurrencyLimit {
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new RangeError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  let inFlight = 0;
  const interceptor: ServerInterceptor = (method, call) => {
    if (uncounted.some((p) => method.path.startsWith(p))) return new ServerInterceptingCall(call);
    let counted = false;
    const release = (): void => {
      if (counted) {
        counted = false;
        inFlight--;
      }
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (md: Metadata, mdNext: (md: Metadata) => void) => {
            if (inFlight >= maxInFlight) {
              call.sendStatus({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: `server busy: ${inFlight} calls in flight (limit ${maxInFlight})` });
              return;
            }
            inFlight++;
            counted = true;
            mdNext(md);
          },
          onCancel: release,
        }),
      sendStatus: (st, next) => {
        release();
        next(st);
      },
    });
  };
  return { interceptor, inFlight: () => inFlight };
}
