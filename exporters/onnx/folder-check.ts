/** The check an exported ONNX folder runs (its check.js calls `main`): model.onnx against the golden vectors. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { Comparison, compareOutputs, comparisonPassed } from './compare';
import { GoldenSpec } from './export-folder';
import { runTarget } from './run-target';

function read(dir: string, name: string, expectBytes: number): Uint8Array {
  const b = fs.readFileSync(path.join(dir, name));
  if (b.byteLength !== expectBytes) throw new InvalidArgumentError(`${name} has ${b.byteLength} bytes, expected ${expectBytes}`);
  return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Runs the folder's model on its golden inputs and compares with the golden outputs. */
export async function checkOnnxFolder(dir: string): Promise<{ spec: GoldenSpec; comparison: Comparison }> {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'golden.json'), 'utf8')) as GoldenSpec;
  const { rows, inputSize, classes } = spec;
  const raw = read(dir, spec.input, rows * inputSize * (spec.inputDatatype === 'FP32' ? 4 : 1));
  const x = spec.inputDatatype === 'FP32' ? new Float32Array(raw.buffer) : raw;
  const logits = new Float32Array(read(dir, spec.logits, rows * classes * 4).buffer);
  const acc = spec.accumulators ? new Int32Array(read(dir, spec.accumulators, rows * classes * 4).buffer) : undefined;
  const model = new Uint8Array(fs.readFileSync(path.join(dir, spec.model)));
  const got = await runTarget(spec.target, model, x, rows, inputSize, classes, acc !== undefined);
  return { spec, comparison: compareOutputs({ logits, acc }, got, rows, classes, spec.tolerance) };
}

/** CLI entry: prints the result and sets the exit code (1 on any mismatch or error). */
export function main(dir: string): void {
  checkOnnxFolder(dir).then(
    ({ spec, comparison: c }) => {
      const ok = comparisonPassed(c);
      console.log(
        `${spec.target} ${spec.source}: ${c.rows} golden rows; accumulator mismatches ${c.accMismatches ?? 'n/a'}, ` +
          `logit mismatches (> ${spec.tolerance}) ${c.logitMismatches}, prediction mismatches ${c.predictionMismatches}, ` +
          `max |logit diff| ${c.maxAbsLogitDiff}: ${ok ? 'PASS' : 'FAIL'}`,
      );
      process.exitCode = ok ? 0 : 1;
    },
    (e: Error) => {
      console.error(`check failed: ${e.message}`);
      process.exitCode = 1;
    },
  );
}
