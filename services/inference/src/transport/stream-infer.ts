/**
 * ModelStreamInfer: a bidirectional call carrying many ModelInferRequests. Each request starts at once (so
 * pipelined requests can merge in the batcher) and its ModelStreamInferResponse is written in request order;
 * a failed request answers with error_message and the stream goes on. Stateful models get one session per
 * (model, version, sequence_id parameter), fed in order, closed by the `sequence_end` parameter or the stream's end.
 */
import { ServerDuplexStream } from '@grpc/grpc-js';
import { grpcStatusOf } from '../../../common/src/grpc-errors';
import { InferenceEngine } from '../inference-engine';
import { ModelHost, ModelSession } from '../hosts/model-host';
import { Tensor } from '../tensors/tensor';
import { decodeInferRequest, encodeInferResponse } from './grpc-codec';
import { InferParameter, ModelInferRequest, ModelStreamInferResponse } from './wire';

function paramValue(p: InferParameter | undefined): string | boolean | undefined {
  if (!p) return undefined;
  const k = p.parameter_choice;
  return k ? (p[k] as string | boolean) : undefined;
}

/** Serves one ModelStreamInfer call; `done` resolves when the call is over. */
export class StreamInferHandler {
  readonly done: Promise<void>;
  private order: Promise<void> = Promise.resolve();
  private readonly sessions = new Map<string, { session: ModelSession; queue: Promise<unknown> }>();
  private over = false;
  private ended = false;

  constructor(
    private readonly engine: InferenceEngine,
    private readonly call: ServerDuplexStream<ModelInferRequest, unknown>,
    draining: AbortSignal,
  ) {
    this.done = new Promise<void>((resolve) => {
      const finish = (): void => {
        if (this.ended) return;
        this.ended = true;
        void this.order.then(() => {
          this.closeSessions();
          if (!this.over) call.end();
          resolve();
        });
      };
      call.on('data', (req: ModelInferRequest) => {
        if (!this.ended) this.accept(req);
      });
      call.on('end', finish);
      const abort = (): void => {
        this.over = true;
        finish();
      };
      call.on('cancelled', abort);
      call.on('error', abort);
      // Draining: answer what was accepted, then end the stream so the server can finish.
      if (draining.aborted) finish();
      else draining.addEventListener('abort', finish, { once: true });
    });
  }

  private accept(req: ModelInferRequest): void {
    const pending = this.process(req);
    this.order = this.order.then(async () => {
      const msg = await pending;
      if (!this.over) this.call.write(msg);
    });
  }

  private async process(req: ModelInferRequest): Promise<ModelStreamInferResponse> {
    try {
      const r = await this.engine.run(
        req.model_name,
        req.model_version,
        'grpc-stream',
        (host) => decodeInferRequest(req, host),
        () => (this.over ? new Error('stream cancelled') : undefined),
        (host, decoded) => this.runInSession(host, req, decoded.inputs),
      );
      return { error_message: '', infer_response: encodeInferResponse(r.host, req.id ?? '', r.outputs, r.selected) };
    } catch (e) {
      return { error_message: grpcStatusOf(e).message, infer_response: null };
    }
  }

  /** Stateful hosts: route to the sequence's session, one request at a time. */
  private runInSession(host: ModelHost, req: ModelInferRequest, inputs: Map<string, Tensor>): Promise<Tensor[]> {
    const seq = String(paramValue(req.parameters?.sequence_id) ?? '0');
    const key = `${host.name}:${host.version}:${seq}`;
    let s = this.sessions.get(key);
    if (!s || paramValue(req.parameters?.sequence_start) === true) {
      s?.session.close();
      s = { session: host.openSession!(), queue: Promise.resolve() };
      this.sessions.set(key, s);
    }
    const entry = s;
    const result = entry.queue.then(() => entry.session.infer(inputs));
    entry.queue = result.catch(() => undefined);
    if (paramValue(req.parameters?.sequence_end) === true) {
      void entry.queue.then(() => entry.session.close());
      this.sessions.delete(key);
    }
    return result;
  }

  private closeSessions(): void {
    for (const s of this.sessions.values()) s.session.close();
    this.sessions.clear();
  }
}
