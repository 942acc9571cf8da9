/** An AbortSignal for a server call: aborted when the client cancels or its deadline passes (grpc-js does not stop handlers). */
import { ServerUnaryCall, status as GrpcStatus } from '@grpc/grpc-js';

/** What every server call (unary or streaming) offers: cancel events and a deadline. */
export type ServerSurfaceCall = Pick<ServerUnaryCall<unknown, unknown>, 'getDeadline' | 'cancelled' | 'on' | 'off'>;

/** Why a call's signal aborted: the gRPC code to report (CANCELLED or DEADLINE_EXCEEDED). */
export class CallAbortedError extends Error {
  constructor(readonly code: GrpcStatus.CANCELLED | GrpcStatus.DEADLINE_EXCEEDED, message: string) {
    super(message);
    this.name = 'CallAbortedError';
  }
}

/** A cancel this close to the deadline is the deadline: the client cancels at its own deadline, which reaches the server with transit jitter. */
const DEADLINE_SLACK_MS = 250;

/** The call's deadline in ms since the epoch, or Infinity. */
export function callDeadlineMs(call: Pick<ServerSurfaceCall, 'getDeadline'>): number {
  const d = call.getDeadline();
  const ms = d instanceof Date ? d.getTime() : Number(d);
  return Number.isFinite(ms) ? ms : Infinity;
}

/** Signal aborted with a CallAbortedError on client cancel or deadline; `dispose()` clears the timer when the call ends. */
export function abortSignalForCall(call: ServerSurfaceCall): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const deadline = callDeadlineMs(call);
  const fire = (): void => ac.abort(new CallAbortedError(GrpcStatus.DEADLINE_EXCEEDED, 'deadline exceeded'));
  // grpc-js ends a call whose deadline passed and reports it as 'cancelled' too: tell the two apart by the clock.
  const onCancel = (): void => (Date.now() >= deadline - DEADLINE_SLACK_MS ? fire() : ac.abort(new CallAbortedError(GrpcStatus.CANCELLED, 'call cancelled by the client')));
  call.on('cancelled', onCancel);
  if (call.cancelled) onCancel();
  let timer: NodeJS.Timeout | undefined;
  if (deadline !== Infinity) {
    const left = deadline - Date.now();
    if (left <= 0) fire();
    else timer = setTimeout(fire, left);
  }
  return {
    signal: ac.signal,
    dispose: () => {
      if (timer) clearTimeout(timer);
      call.off('cancelled', onCancel);
    },
  };
}
