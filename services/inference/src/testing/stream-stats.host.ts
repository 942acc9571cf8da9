/**
 * A test-only family that exercises what the next real families need from the host interface, with trivially
 * checkable math: a BYTES input (like a fingerprint model's SMILES string), two outputs `mean` and `variance`
 * (like an NPN), and per-stream state kept across the requests of a ModelStreamInfer sequence (like a Phased
 * LSTM). Per row it returns the running mean and population variance of every `value` the session has seen, and
 * the byte length of `label`.
 */
import { LoadedArtifact } from '../../../../libs/core/src/artifact';
import { HostInputs, ModelHost, ModelSession } from '../hosts/model-host';
import { Tensor } from '../tensors/tensor';

export const STREAM_STATS_FAMILY = 'test-stream-stats';

/** The family's signature. */
export const STREAM_STATS_SIGNATURE = {
  inputs: [
    { name: 'value', datatype: 'FP32' as const, shape: [-1, 1] },
    { name: 'label', datatype: 'BYTES' as const, shape: [-1] },
  ],
  outputs: [
    { name: 'mean', datatype: 'FP32' as const, shape: [-1] },
    { name: 'variance', datatype: 'FP32' as const, shape: [-1] },
    { name: 'label_bytes', datatype: 'INT32' as const, shape: [-1] },
  ],
};

function session(): ModelSession {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  return {
    infer(inputs: HostInputs): Tensor[] {
      const v = inputs.get('value')!.data as Float32Array;
      const labels = inputs.get('label')!.data as Uint8Array[];
      const rows = v.length;
      const mean = new Float32Array(rows);
      const variance = new Float32Array(rows);
      for (let i = 0; i < rows; i++) {
        n++;
        sum += v[i];
        sumSq += v[i] * v[i];
        mean[i] = sum / n;
        variance[i] = sumSq / n - (sum / n) ** 2;
      }
      return [
        { name: 'mean', datatype: 'FP32', shape: [rows], data: mean },
        { name: 'variance', datatype: 'FP32', shape: [rows], data: variance },
        { name: 'label_bytes', datatype: 'INT32', shape: [rows], data: Int32Array.from(labels, (l) => l.byteLength) },
      ];
    },
    close() {},
  };
}

/** The test family's factory: stateless calls use a fresh session each time; streams keep one per sequence. */
export function createStreamStatsHost(artifact: LoadedArtifact): ModelHost {
  const { manifest } = artifact;
  return {
    name: manifest.name,
    version: manifest.version,
    family: STREAM_STATS_FAMILY,
    platform: `bitplane_${STREAM_STATS_FAMILY}`,
    signature: manifest.signature,
    device: 'ts',
    batchable: false,
    infer: (inputs) => session().infer(inputs),
    openSession: session,
    dispose() {},
  };
}
