/** The live objects the controllers share (one per server), provided to NestJS under INFERENCE_RUNTIME. */
import { InferenceEngine } from './inference-engine';

export const INFERENCE_RUNTIME = Symbol('INFERENCE_RUNTIME');

/** Shared state of one running server. */
export interface InferenceRuntime {
  engine: InferenceEngine;
  /** The admin token model-control RPCs require, or undefined when they are open. */
  adminToken: string | undefined;
  /** Aborted when the server starts draining: streams finish what they hold and end. */
  draining: AbortSignal;
  /** Ready: initial load done and not draining. */
  isReady(): boolean;
  /** REST calls in flight, capped like gRPC's. */
  maxInFlight: number;
}
