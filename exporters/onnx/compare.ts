/** Compares a target's outputs with our forward pass, row by row (the counts every ONNX check reports). */
import { argmaxRows } from '../../libs/models/bnn-mlp/model';
import { ReferenceOutput } from './onnx-models';
import { TargetRun } from './run-target';

/** Default tolerance on float logits. */
export const LOGIT_TOLERANCE = 1e-5;

/** Mismatch counts over n rows (0 everywhere means the target agrees with the reference). */
export interface Comparison {
  rows: number;
  /** Rows whose int32 output accumulators differ from the reference (undefined when not compared). */
  accMismatches?: number;
  /** Rows with a logit further than the tolerance from the reference. */
  logitMismatches: number;
  /** Rows whose float32 logits are not bit-identical to the reference (informational). */
  logitRowsNotBitExact: number;
  /** Rows whose predicted class (argmax, ties to the lowest index) differs. */
  predictionMismatches: number;
  maxAbsLogitDiff: number;
  /** First mismatching row, for error messages. */
  firstMismatch?: number;
}

/** Compares `got` with `want` over n rows of `classes` values. */
export function compareOutputs(want: ReferenceOutput, got: TargetRun, n: number, classes: number, tolerance = LOGIT_TOLERANCE): Comparison {
  const c: Comparison = { rows: n, logitMismatches: 0, logitRowsNotBitExact: 0, predictionMismatches: 0, maxAbsLogitDiff: 0 };
  const compareAcc = want.acc !== undefined && got.acc !== undefined;
  if (compareAcc) c.accMismatches = 0;
  const pw = argmaxRows(want.logits, n, classes);
  const pg = argmaxRows(got.logits, n, classes);
  const bad = (i: number) => {
    if (c.firstMismatch === undefined) c.firstMismatch = i;
  };
  for (let i = 0; i < n; i++) {
    let accBad = false;
    let far = false;
    let inexact = false;
    for (let j = 0; j < classes; j++) {
      const a = want.logits[i * classes + j];
      const b = got.logits[i * classes + j];
      const d = Math.abs(a - b);
      if (!(d <= tolerance)) far = true; // NaN counts as far
      if (!Object.is(a, b)) inexact = true;
      if (d > c.maxAbsLogitDiff || Number.isNaN(d)) c.maxAbsLogitDiff = Number.isNaN(d) ? Infinity : d;
      if (compareAcc && want.acc![i * classes + j] !== got.acc![i * classes + j]) accBad = true;
    }
    if (accBad) c.accMismatches!++;
    if (far) c.logitMismatches++;
    if (inexact) c.logitRowsNotBitExact++;
    if (pw[i] !== pg[i]) c.predictionMismatches++;
    if (accBad || far || pw[i] !== pg[i]) bad(i);
  }
  return c;
}

/** True when nothing that must match differs. */
export function comparisonPassed(c: Comparison): boolean {
  return (c.accMismatches ?? 0) === 0 && c.logitMismatches === 0 && c.predictionMismatches === 0;
}
