/** The Verilog export target (discovered by exporters/index.ts). */
import { ExportTarget } from '../target';
import { checkFamily } from '../index';
import { exportVerilogArtifact } from './verilog-exporter';

const verilog: ExportTarget = {
  name: 'verilog',
  description: 'streaming FPGA accelerator (Verilog RTL, ROM files, self-checking testbench with golden vectors)',
  families: ['bnn-mlp'],
  async export(artifact, outDir, options) {
    checkFamily(verilog, artifact.manifest.family);
    return exportVerilogArtifact(artifact, outDir, options);
  },
};

/** Targets of this folder. */
export const targets: ExportTarget[] = [verilog];
