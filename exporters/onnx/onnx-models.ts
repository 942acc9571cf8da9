/**
 * Which graph each ONNX target writes for each model family, and the reference forward pass its checks compare with.
 * The one place that maps (target, family) to bytes: the targets, the verification and the registry code all call it.
 */
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { KernelBackend } from '../../libs/kernels/src/backend';
import { BNN_MLP_FAMILY, bnnMlpForward, loadBnnMlp } from '../../libs/models/bnn-mlp/model';
import { bnnMlpBitplaneGraph } from './bitplane-graph';
import { bnnMlpFloatGraph } from './float-graph';
import { bnnMlpQonnxGraph } from './qonnx-graph';
import { FLOAT_FAMILIES, floatFamilyGraph, floatFamilyReference } from './float-family-graph';

/** The ONNX targets. */
export type OnnxTargetName = 'onnx' | 'onnx-float' | 'qonnx';

/** Families each ONNX target exports. */
export const ONNX_TARGET_FAMILIES: Record<OnnxTargetName, string[]> = {
  onnx: [BNN_MLP_FAMILY],
  'onnx-float': [BNN_MLP_FAMILY, ...FLOAT_FAMILIES],
  qonnx: [BNN_MLP_FAMILY],
};

/** Reference output of a model: float32 logits, plus the int32 output accumulators for binary-output families. */
export interface ReferenceOutput {
  logits: Float32Array;
  acc?: Int32Array;
}

/** The graph name written into a model: the artifact's name and version, so the file says where it came from. */
function graphName(artifact: LoadedArtifact, target: OnnxTargetName): string {
  return `${artifact.manifest.name}_v${artifact.manifest.version}_${target.replace('-', '_')}`;
}

function refuse(target: OnnxTargetName, family: string): never {
  const can = (Object.keys(ONNX_TARGET_FAMILIES) as OnnxTargetName[]).filter((t) => ONNX_TARGET_FAMILIES[t].includes(family));
  throw new InvalidArgumentError(
    `target '${target}' cannot export family '${family}' (it exports ${ONNX_TARGET_FAMILIES[target].join(', ')}); ` +
      (can.length ? `ONNX targets that can: ${can.join(', ')}` : 'no ONNX target exports it'),
  );
}

/** The serialised model.onnx of `target` for `artifact` (byte-identical for the same artifact). */
export function onnxModelBytes(target: OnnxTargetName, artifact: LoadedArtifact): Uint8Array {
  const family = artifact.manifest.family;
  if (!ONNX_TARGET_FAMILIES[target]?.includes(family)) refuse(target, family);
  const name = graphName(artifact, target);
  const doc = `${family} ${artifact.manifest.name}:${artifact.manifest.version} (tensors sha256 ${artifact.manifest.sha256}), exported by bitplane target '${target}'`;
  const meta = { 'bitplane.family': family, 'bitplane.model': `${artifact.manifest.name}:${artifact.manifest.version}`, 'bitplane.sha256': artifact.manifest.sha256, 'bitplane.target': target };
  if (family !== BNN_MLP_FAMILY) return floatFamilyGraph(artifact, name).encode({ doc, metadata: meta });
  const m = loadBnnMlp(artifact);
  const g = target === 'onnx' ? bnnMlpBitplaneGraph(m, name) : target === 'onnx-float' ? bnnMlpFloatGraph(m, name) : bnnMlpQonnxGraph(m, name);
  return g.encode({ doc, metadata: meta });
}

/** Our forward pass on n rows of 8-bit (or float, for float-input families) inputs. */
export function referenceForward(artifact: LoadedArtifact, backend: KernelBackend, x: Uint8Array | Float32Array, n: number): ReferenceOutput {
  const family = artifact.manifest.family;
  if (FLOAT_FAMILIES.includes(family)) return { logits: floatFamilyReference(artifact, backend, x, n) };
  if (family !== BNN_MLP_FAMILY) throw new InvalidArgumentError(`no reference forward pass for family '${family}' in the ONNX checks`);
  if (!(x instanceof Uint8Array)) throw new InvalidArgumentError('bnn-mlp takes UINT8 input');
  return bnnMlpForward(loadBnnMlp(artifact), backend, x, n);
}
