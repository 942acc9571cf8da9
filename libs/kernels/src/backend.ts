/**
 * The compute backend interface. Every backend (ts reference, cpu native addon, cuda) implements exactly these
 * operations, and every binary operation must agree with the `ts` reference bit for bit.
 *
 * Conventions shared by all operations:
 * - Binary matrices are `PackedMatrix` values in the bit-plane layout of ARCHITECTURE.md (rows padded to 64 bits,
 *   LSB first, bit 1 = +1, padding bits 0). Operands of one call must have the same logical K (`cols`).
 * - "a" operands are activations (N rows), "w"/"b" operands are weights (M rows); results are row-major N x M.
 * - Operations are synchronous and may use the backend's own thread pool; they never create threads per call.
 * - Invalid arguments (mismatched K, short or long buffers, zero sizes, wrong array types) throw an
 *   InvalidArgumentError naming the argument; nothing reads or writes out of bounds.
 * - Output buffers are optional; when given they must have exactly the result's length.
 *
 * Not covered here: convolutions (callers lower them to GEMMs), training-time autodiff (tfjs does it, calling
 * `sgemm`), and anything non-deterministic. Float results (`binaryWeightGemm`, `sgemm`) may differ between
 * backends by summation order only.
 */
import { PackedMatrix } from '../../core/src/bitplanes';

export type BackendName = 'ts' | 'cpu' | 'cuda';

/** Whether a backend can run here, and if not, why. */
export interface BackendStatus {
  name: BackendName;
  available: boolean;
  /** Why the backend is unavailable ("unavailable: no CUDA device"), or what it runs on when available. */
  detail: string;
}

export interface KernelBackend {
  readonly name: BackendName;
  /** Human-readable description: ISA path chosen, thread count, device name. */
  describe(): string;
  /** Threads used by later calls (>= 1). Backends without threads accept and ignore it. */
  setThreads(threads: number): void;
  readonly threads: number;

  /** out[n][m] = K - 2 popcount(a_n XOR w_m): the {-1,+1} dot product of activations a (N x K) and weights w (M x K). */
  xnorGemm(a: PackedMatrix, w: PackedMatrix, out?: Int32Array): Int32Array;

  /**
   * Exact int32 dot products of 8-bit unsigned inputs x (N x K, row-major) with binary weights w (M x K):
   * out[n][m] = sum_k x[n][k] * w[m][k], w in {-1,+1}. Computed through bit-planes (first layer of a BNN).
   */
  bitplaneGemm(x: Uint8Array, n: number, w: PackedMatrix, out?: Int32Array): Int32Array;

  /**
   * The fused hidden layer: acc = xnorGemm(a, w); output bit [n][m] = 1 (+1) iff acc >= thresholds[m] when
   * directions[m] = +1, iff acc <= thresholds[m] when directions[m] = -1. Returns the N x M result packed
   * (the hidden activations never leave the packed form).
   */
  xnorGemmThreshold(a: PackedMatrix, w: PackedMatrix, thresholds: Int32Array, directions: Int8Array, out?: Uint8Array): PackedMatrix;

  /**
   * The fused first layer: the bitplaneGemm accumulators compared with thresholds / directions exactly as in
   * xnorGemmThreshold, returned packed (N x M).
   */
  bitplaneGemmThreshold(x: Uint8Array, n: number, w: PackedMatrix, thresholds: Int32Array, directions: Int8Array, out?: Uint8Array): PackedMatrix;

  /** Float activations x (N x K) times binary weights w (M x K), transposed: out[n][m] = sum_k x[n][k] * w[m][k], w in {-1,+1}. */
  binaryWeightGemm(x: Float32Array, n: number, w: PackedMatrix, out?: Float32Array): Float32Array;

  /**
   * Row-major float32 GEMM: C = alpha * op(A) * op(B) + beta * C, op(A) M x K, op(B) K x N, C M x N.
   * A is stored M x K (or K x M when transA), B is K x N (or N x K when transB), all densely (no leading dims).
   */
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number, a: Float32Array, b: Float32Array, beta: number, c: Float32Array): Float32Array;
}
