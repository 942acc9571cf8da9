/** Argument checks shared by every backend, so each error names the argument the same way everywhere. */
import { PackedMatrix, checkPacked, rowBytes } from '../../core/src/bitplanes';
import { InvalidArgumentError } from '../../core/src/errors';

/** Checks a positive integer dimension. */
export function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got ${v}`);
}

/** Checks that a and w are packed matrices with the same K; returns [N, M, K, rowBytes]. */
export function checkPackedPair(a: PackedMatrix, w: PackedMatrix, aName = 'a', wName = 'w'): [number, number, number, number] {
  checkPacked(aName, a);
  checkPacked(wName, w);
  if (a.cols !== w.cols) throw new InvalidArgumentError(`${aName} has K = ${a.cols} but ${wName} has K = ${w.cols}; they must agree`);
  return [a.rows, w.rows, a.cols, rowBytes(a.cols)];
}

/** Checks an 8-bit input matrix of n rows with w's K; returns [N, M, K]. */
export function checkUint8Input(x: Uint8Array, n: number, w: PackedMatrix): [number, number, number] {
  checkPacked('w', w);
  checkDim('n', n);
  if (!(x instanceof Uint8Array)) throw new InvalidArgumentError('x must be a Uint8Array of 8-bit inputs');
  if (x.length !== n * w.cols) throw new InvalidArgumentError(`x has ${x.length} elements, expected n x K = ${n} x ${w.cols} = ${n * w.cols}`);
  return [n, w.rows, w.cols];
}

/** Checks a float input matrix of n rows with w's K (finite values only). */
export function checkFloatInput(x: Float32Array, n: number, w: PackedMatrix): [number, number, number] {
  checkPacked('w', w);
  checkDim('n', n);
  if (!(x instanceof Float32Array)) throw new InvalidArgumentError('x must be a Float32Array');
  if (x.length !== n * w.cols) throw new InvalidArgumentError(`x has ${x.length} elements, expected n x K = ${n} x ${w.cols} = ${n * w.cols}`);
  return [n, w.rows, w.cols];
}

/** Checks thresholds and directions for m output units. */
export function checkThresholds(thresholds: Int32Array, directions: Int8Array, m: number): void {
  if (!(thresholds instanceof Int32Array) || thresholds.length !== m) {
    throw new InvalidArgumentError(`thresholds must be an Int32Array of ${m} elements (one per output unit), got ${thresholds?.length}`);
  }
  if (!(directions instanceof Int8Array) || directions.length !== m) {
    throw new InvalidArgumentError(`directions must be an Int8Array of ${m} elements, got ${directions?.length}`);
  }
  for (let i = 0; i < m; i++) {
    if (directions[i] !== 1 && directions[i] !== -1) throw new InvalidArgumentError(`directions[${i}] is ${directions[i]}; directions are +1 or -1`);
  }
}

/** Returns `out` if given and of the right type and length, else a new array. */
export function outputArray<T extends Int32Array | Float32Array | Uint8Array>(
  out: T | undefined,
  ctor: { new (n: number): T; name: string },
  length: number,
): T {
  if (out === undefined) return new ctor(length);
  if (!(out instanceof ctor) || out.length !== length) {
    throw new InvalidArgumentError(`out must be a ${ctor.name} of ${length} elements, got ${out?.constructor?.name} of ${out?.length}`);
  }
  return out;
}

/** Checks sgemm arguments. */
export function checkSgemm(m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): void {
  checkDim('m', m);
  checkDim('n', n);
  checkDim('k', k);
  if (!Number.isFinite(alpha)) throw new InvalidArgumentError(`alpha must be finite, got ${alpha}`);
  if (!Number.isFinite(beta)) throw new InvalidArgumentError(`beta must be finite, got ${beta}`);
  const arrays: Array<[string, Float32Array, number]> = [['a', a, m * k], ['b', b, k * n], ['c', c, m * n]];
  for (const [name, arr, len] of arrays) {
    if (!(arr instanceof Float32Array)) throw new InvalidArgumentError(`${name} must be a Float32Array`);
    if (arr.length !== len) throw new InvalidArgumentError(`${name} has ${arr.length} elements, expected ${len}`);
  }
}
