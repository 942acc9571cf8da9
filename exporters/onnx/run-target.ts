/**
 * Runs an exported model the way its target is meant to run: onnxruntime-node for `onnx` and `onnx-float`, our QONNX
 * interpreter for `qonnx` (onnxruntime has no QONNX custom ops). With `accumulators`, the output-layer accumulator
 * tensor is exposed as an extra graph output, so integer results can be compared exactly.
 */
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { OUTPUT_ACC } from './bitplane-graph';
import { exposeOutput } from './expose-output';
import { OnnxTargetName } from './onnx-models';
import { DataType, decodeModel } from './onnx-schema';
import { OnnxSession } from './onnx-session';
import { runQonnx } from './qonnx-interpreter';

/** Logits [n, classes], and the output accumulators [n, classes] when asked for. */
export interface TargetRun {
  logits: Float32Array;
  acc?: Int32Array;
}

/** Float values that must be integers, as int32 (a non-integer is reported, never rounded away). */
function asInt32(v: Float32Array | Int32Array, what: string): Int32Array {
  if (v instanceof Int32Array) return v;
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i])) throw new InvalidArgumentError(`${what}[${i}] = ${v[i]} is not an integer`);
    out[i] = v[i];
  }
  return out;
}

/** Runs `bytes` (a model.onnx of `target`) on n rows of k inputs (8-bit, or float32 for float-input models). */
export async function runTarget(target: OnnxTargetName, bytes: Uint8Array, x: Uint8Array | Float32Array, n: number, k: number, classes: number, accumulators = false, batch = 64): Promise<TargetRun> {
  if (target === 'qonnx') {
    const values = runQonnx(decodeModel(bytes), { input: { dims: [n, k], data: Float32Array.from(x) } });
    const logits = values.get('logits');
    if (!logits) throw new InvalidArgumentError("the qonnx model computed no 'logits'");
    return { logits: logits.data, acc: accumulators ? asInt32(values.get(OUTPUT_ACC)!.data, OUTPUT_ACC) : undefined };
  }
  const model = accumulators ? exposeOutput(bytes, OUTPUT_ACC, target === 'onnx' ? DataType.INT32 : DataType.FLOAT, [-1, classes]) : bytes;
  const session = await OnnxSession.create(model);
  try {
    const out = await session.run(x, n, k, accumulators ? ['logits', OUTPUT_ACC] : ['logits'], batch);
    return { logits: out.logits as Float32Array, acc: accumulators ? asInt32(out[OUTPUT_ACC], OUTPUT_ACC) : undefined };
  } finally {
    await session.release();
  }
}
