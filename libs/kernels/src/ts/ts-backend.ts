/** The reference backend: plain TypeScript, written for obviousness. Every other backend is tested against it. */
import { PackedMatrix, POPCOUNT8, rowBytes } from '../../../core/src/bitplanes';
import { BackendName, KernelBackend } from '../backend';
import { checkFloatInput, checkPackedPair, checkSgemm, checkThresholds, checkUint8Input, outputArray } from '../validate';

/** Packs threshold decisions of an N x M accumulator matrix into an N x M packed matrix. */
export function thresholdPack(acc: Int32Array, n: number, m: number, thresholds: Int32Array, directions: Int8Array, out?: Uint8Array): PackedMatrix {
  const rb = rowBytes(m);
  const data = outputArray(out, Uint8Array, n * rb);
  data.fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const v = acc[i * m + j];
      const on = directions[j] > 0 ? v >= thresholds[j] : v <= thresholds[j];
      if (on) data[i * rb + (j >> 3)] |= 1 << (j & 7);
    }
  }
  return { data, rows: n, cols: m };
}

export class TsBackend implements KernelBackend {
  readonly name: BackendName = 'ts';
  readonly threads = 1;

  describe(): string {
    return 'ts: TypeScript reference, 1 thread';
  }

  setThreads(): void {
    // Single-threaded by design.
  }

  xnorGemm(a: PackedMatrix, w: PackedMatrix, out?: Int32Array): Int32Array {
    const [n, m, k, rb] = checkPackedPair(a, w);
    const res = outputArray(out, Int32Array, n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let pop = 0;
        for (let byte = 0; byte < rb; byte++) pop += POPCOUNT8[a.data[i * rb + byte] ^ w.data[j * rb + byte]];
        // Padding bits are 0 in both operands, so they never count as a difference.
        res[i * m + j] = k - 2 * pop;
      }
    }
    return res;
  }

  bitplaneGemm(x: Uint8Array, n: number, w: PackedMatrix, out?: Int32Array): Int32Array {
    const [, m, k] = checkUint8Input(x, n, w);
    const rb = rowBytes(k);
    const res = outputArray(out, Int32Array, n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let acc = 0;
        for (let kk = 0; kk < k; kk++) {
          const bit = (w.data[j * rb + (kk >> 3)] >> (kk & 7)) & 1;
          acc += bit ? x[i * k + kk] : -x[i * k + kk];
        }
        res[i * m + j] = acc;
      }
    }
    return res;
  }

  xnorGemmThreshold(a: PackedMatrix, w: PackedMatrix, thresholds: Int32Array, directions: Int8Array, out?: Uint8Array): PackedMatrix {
    const [n, m] = checkPackedPair(a, w);
    checkThresholds(thresholds, directions, m);
    const rb = rowBytes(m);
    if (out) outputArray(out, Uint8Array, n * rb);
    return thresholdPack(this.xnorGemm(a, w), n, m, thresholds, directions, out);
  }

  bitplaneGemmThreshold(x: Uint8Array, n: number, w: PackedMatrix, thresholds: Int32Array, directions: Int8Array, out?: Uint8Array): PackedMatrix {
    const [, m] = checkUint8Input(x, n, w);
    checkThresholds(thresholds, directions, m);
    if (out) outputArray(out, Uint8Array, n * rowBytes(m));
    return thresholdPack(this.bitplaneGemm(x, n, w), n, m, thresholds, directions, out);
  }

  binaryWeightGemm(x: Float32Array, n: number, w: PackedMatrix, out?: Float32Array): Float32Array {
    const [, m, k] = checkFloatInput(x, n, w);
    const rb = rowBytes(k);
    const res = outputArray(out, Float32Array, n * m);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let acc = 0;
        for (let kk = 0; kk < k; kk++) {
          const bit = (w.data[j * rb + (kk >> 3)] >> (kk & 7)) & 1;
          acc += bit ? x[i * k + kk] : -x[i * k + kk];
        }
        res[i * m + j] = acc;
      }
    }
    return res;
  }

  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): Float32Array {
    checkSgemm(m, n, k, alpha, a, b, beta, c);
    const row = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < k; p++) {
        const av = transA ? a[p * m + i] : a[i * k + p];
        if (transB) for (let j = 0; j < n; j++) row[j] += av * b[j * k + p];
        else for (let j = 0; j < n; j++) row[j] += av * b[p * n + j];
      }
      for (let j = 0; j < n; j++) c[i * n + j] = alpha * row[j] + (beta === 0 ? 0 : beta * c[i * n + j]);
    }
    return c;
  }
}
