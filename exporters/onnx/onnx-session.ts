/** Runs a serialised ONNX model with onnxruntime-node on one UINT8 or FP32 input (batched to bound memory). */
import * as ort from 'onnxruntime-node';
import { InvalidArgumentError } from '../../libs/core/src/errors';

/** Outputs of a run, each concatenated over batches. */
export type OnnxOutputs = Record<string, Float32Array | Int32Array>;

/** A loaded model; `run` feeds `input` ([n, k] row-major) and returns the named outputs for all n rows. */
export class OnnxSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** Loads model bytes (one thread each for intra- and inter-op: checks share the machine). */
  static async create(model: Uint8Array, threads = 1): Promise<OnnxSession> {
    return new OnnxSession(await ort.InferenceSession.create(model, { intraOpNumThreads: threads, interOpNumThreads: 1 }));
  }

  /** Graph input names. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** Graph output names. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs n rows of k values through the model, `batch` rows at a time. */
  async run(input: Uint8Array | Float32Array, n: number, k: number, outputs: string[], batch = 64): Promise<OnnxOutputs> {
    if (input.length !== n * k) throw new InvalidArgumentError(`input has ${input.length} values, expected ${n} x ${k}`);
    const inputName = this.session.inputNames[0];
    const parts: Record<string, Array<Float32Array | Int32Array>> = Object.fromEntries(outputs.map((o) => [o, []]));
    for (let start = 0; start < n; start += batch) {
      const rows = Math.min(batch, n - start);
      const slice = input.subarray(start * k, (start + rows) * k);
      const tensor = slice instanceof Uint8Array ? new ort.Tensor('uint8', slice, [rows, k]) : new ort.Tensor('float32', slice, [rows, k]);
      const res = await this.session.run({ [inputName]: tensor }, outputs);
      for (const o of outputs) parts[o].push(res[o].data as Float32Array | Int32Array);
    }
    const out: OnnxOutputs = {};
    for (const o of outputs) {
      const chunks = parts[o];
      const total = chunks.reduce((s, c) => s + c.length, 0);
      const merged = chunks[0] instanceof Int32Array ? new Int32Array(total) : new Float32Array(total);
      let off = 0;
      for (const c of chunks) {
        merged.set(c, off);
        off += c.length;
      }
      out[o] = merged;
    }
    return out;
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    await this.session.release();
  }
}
