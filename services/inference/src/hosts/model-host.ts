/**
 * The model-host interface: what the inference service needs from one loaded model version, whatever its family.
 *
 * Designed so that the next families fit without changing it (docs/notes/inference.md, "Model hosts"):
 * - any number of named inputs and outputs of any KServe datatype, BYTES included (a SMILES string is a BYTES
 *   input; an NPN returns two outputs, `mean` and `variance`);
 * - `batchable` tells the dynamic batcher whether rows of different requests may be merged along dimension 0;
 * - a stateful family (Phased LSTM) implements `openSession`: ModelStreamInfer opens one session per stream and
 *   sequence and feeds it the stream's requests in order, bypassing the batcher.
 */
import { Signature } from '../../../../libs/core/src/artifact';
import { Tensor } from '../tensors/tensor';

/** Inputs of one call, by name, already checked against the signature (datatype, shape, byte length, finiteness). */
export type HostInputs = ReadonlyMap<string, Tensor>;

/** One loaded model version. */
export interface ModelHost {
  readonly name: string;
  readonly version: number;
  /** The artifact's family (bnn-mlp, mlp, onnx, ...). */
  readonly family: string;
  /** What ModelMetadata reports as platform ("bitplane_bnn-mlp", "onnxruntime_onnx"). */
  readonly platform: string;
  /** Inputs and outputs, from the manifest. */
  readonly signature: Signature;
  /** Where the compute runs, for logs and metrics ("ts", "cpu", "onnxruntime"). */
  readonly device: string;
  /**
   * True when every input and output has a free dimension 0 of rows and output row i depends only on input
   * row i, so that the batcher may run several requests as one call.
   */
  readonly batchable: boolean;
  /** Runs the model; returns every output of the signature, in signature order. Sync or async. */
  infer(inputs: HostInputs): Tensor[] | Promise<Tensor[]>;
  /** Stateful families only: a session that keeps state across the requests of one stream. */
  openSession?(): ModelSession;
  /** Releases what the host holds (native sessions). */
  dispose(): Promise<void> | void;
}

/** Per-stream state of a stateful model (for example a Phased LSTM's cell and hidden state and last event time). */
export interface ModelSession {
  /** Runs one step (or one chunk of events) of the stream, updating the session's state. */
  infer(inputs: HostInputs): Tensor[] | Promise<Tensor[]>;
  /** Drops the state. */
  close(): void;
}
