/** The HLS C++ export target (discovered by exporters/index.ts). */
import { ExportTarget } from '../target';
import { checkFamily } from '../index';
import { exportHlsArtifact } from './hls-exporter';

const hls: ExportTarget = {
  name: 'hls',
  description: 'synthesizable Vitis-HLS-style C++ (one function per layer) with a C testbench and golden vectors',
  families: ['bnn-mlp'],
  async export(artifact, outDir, options) {
    checkFamily(hls, artifact.manifest.family);
    return exportHlsArtifact(artifact, outDir, options);
  },
};

/** Targets of this folder. */
export const targets: ExportTarget[] = [hls];
