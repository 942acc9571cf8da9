/**
 * End-to-end verification of the ONNX targets on real inputs (what `bench/export.bench.ts` calls): builds each
 * target's model.onnx exactly as the export does, runs `onnx` and `onnx-float` with onnxruntime-node and `qonnx` with
 * our interpreter, and compares every row with bnnMlpForward: output accumulators exactly, logits within a tolerance,
 * predictions exactly. Also reports file sizes, including the float32 ONNX of the same network (the onnx-float file).
 */
import { performance } from 'node:perf_hooks';
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { rowBytes } from '../../libs/core/src/bitplanes';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { KernelBackend } from '../../libs/kernels/src/backend';
import { TsBackend } from '../../libs/kernels/src/ts/ts-backend';
import { Comparison, LOGIT_TOLERANCE, compareOutputs, comparisonPassed } from './compare';
import { ONNX_TARGET_FAMILIES, OnnxTargetName, onnxModelBytes, referenceForward } from './onnx-models';
import { runTarget } from './run-target';

/** Options of verifyOnnxExports. */
export interface OnnxVerifyOptions {
  /** Backend of the reference forward pass (default: the `ts` reference backend). */
  backend?: KernelBackend;
  /** Targets to run (default: every ONNX target that exports the artifact's family). */
  targets?: OnnxTargetName[];
  /** Tolerance on float logits (default 1e-5). */
  tolerance?: number;
  /** Rows per onnxruntime call (default: as many as keep the bit-plane graph's layer-0 intermediates near 16 M elements, at most 256). */
  batch?: number;
}

/** One target's result. */
export interface OnnxTargetVerification {
  target: OnnxTargetName;
  /** Size of the target's model.onnx in bytes. */
  fileBytes: number;
  runner: 'onnxruntime-node' | 'qonnx-interpreter';
  comparison: Comparison;
  passed: boolean;
  /** Wall time of the run (informational; not a benchmark). */
  seconds: number;
}

/** The whole report. */
export interface OnnxVerifyReport {
  model: string;
  family: string;
  images: number;
  targets: OnnxTargetVerification[];
  /** Bytes of a float32 ONNX of the same network (the onnx-float model: +-1 weights as float32). */
  float32OnnxBytes: number;
  passed: boolean;
}

/** Rows per call such that layer 0's [rows, 8, units, bytes] tensors of the bit-plane graph stay near 16 M elements. */
function defaultBatch(artifact: LoadedArtifact): number {
  const w = artifact.manifest.tensors['layer0.weights'];
  if (!w || w.layout !== 'bitplanes') return 256;
  const perRow = 8 * w.shape[0] * rowBytes(w.shape[1]);
  return Math.max(1, Math.min(256, Math.floor(16_000_000 / perRow)));
}

/**
 * Verifies every ONNX target of `artifact` on `n` rows of inputs (`images`, row-major [n, inputSize]; UINT8, or
 * Float32Array for float-input mlp / binaryconnect-mlp models).
 * Throws only on unusable arguments; mismatches are reported, never thrown.
 */
export async function verifyOnnxExports(artifact: LoadedArtifact, images: Uint8Array | Float32Array, n: number, options: OnnxVerifyOptions = {}): Promise<OnnxVerifyReport> {
  const family = artifact.manifest.family;
  const inputSize = artifact.manifest.signature.inputs[0].shape[1];
  const classes = artifact.manifest.signature.outputs[0].shape[1];
  if (!Number.isInteger(n) || n < 1 || images.length !== n * inputSize) throw new InvalidArgumentError(`images has ${images.length} values, expected ${n} x ${inputSize}`);
  const targets = options.targets ?? (Object.keys(ONNX_TARGET_FAMILIES) as OnnxTargetName[]).filter((t) => ONNX_TARGET_FAMILIES[t].includes(family));
  if (!targets.length) throw new InvalidArgumentError(`no ONNX target exports family '${family}'`);
  const want = referenceForward(artifact, options.backend ?? new TsBackend(), images, n);
  const batch = options.batch ?? defaultBatch(artifact);
  const results: OnnxTargetVerification[] = [];
  for (const target of targets) {
    const bytes = onnxModelBytes(target, artifact);
    const t0 = performance.now();
    const got = await runTarget(target, bytes, images, n, inputSize, classes, want.acc !== undefined, batch);
    const seconds = (performance.now() - t0) / 1000;
    const comparison = compareOutputs(want, got, n, classes, options.tolerance ?? LOGIT_TOLERANCE);
    results.push({ target, fileBytes: bytes.byteLength, runner: target === 'qonnx' ? 'qonnx-interpreter' : 'onnxruntime-node', comparison, passed: comparisonPassed(comparison), seconds });
  }
  const floatRun = results.find((r) => r.target === 'onnx-float');
  // For float families the onnx-float file is the float32 ONNX itself.
  return {
    model: `${artifact.manifest.name}:${artifact.manifest.version}`,
    family,
    images: n,
    targets: results,
    float32OnnxBytes: floatRun ? floatRun.fileBytes : onnxModelBytes('onnx-float', artifact).byteLength,
    passed: results.every((r) => r.passed),
  };
}
