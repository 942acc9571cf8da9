/** Checks that a manifest's signature is the one a family's forward pass computes (a mismatch is a corrupt artifact). */
import { Manifest } from '../../../../libs/core/src/artifact';
import { KServeDatatype } from '../../../../libs/core/src/dtypes';
import { CorruptArtifactError } from '../../../../libs/core/src/errors';

/** [name, datatype, columns]: a tensor of shape [-1, columns]. */
export type RowTensorSpec = [string, KServeDatatype, number];

/** Throws a CorruptArtifactError unless the signature lists exactly these row-major [-1, columns] tensors. */
export function checkSignature(manifest: Manifest, inputs: RowTensorSpec[], outputs: RowTensorSpec[]): void {
  const check = (kind: string, got: Manifest['signature']['inputs'], want: RowTensorSpec[]) => {
    const fmt = (s: { name: string; datatype: string; shape: number[] }) => `${s.name} ${s.datatype} [${s.shape.join(',')}]`;
    const wanted = want.map(([name, datatype, cols]) => ({ name, datatype, shape: [-1, cols] }));
    const same = got.length === wanted.length && got.every((g, i) => fmt(g) === fmt(wanted[i]));
    if (!same) {
      throw new CorruptArtifactError(
        `artifact ${manifest.name}:${manifest.version} (${manifest.family}): signature ${kind} are ${got.map(fmt).join('; ') || 'none'}, expected ${wanted.map(fmt).join('; ')}`,
      );
    }
  };
  check('inputs', manifest.signature.inputs, inputs);
  check('outputs', manifest.signature.outputs, outputs);
}
