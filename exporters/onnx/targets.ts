/** The ONNX export targets: `onnx` (bit-plane graph), `onnx-float` (float-equivalent graph), `qonnx` (QONNX / FINN). */
import { ExportTarget } from '../target';
import { writeOnnxFolder } from './export-folder';
import { ONNX_TARGET_FAMILIES, OnnxTargetName } from './onnx-models';

function target(name: OnnxTargetName, description: string): ExportTarget {
  return {
    name,
    description,
    families: ONNX_TARGET_FAMILIES[name],
    export: async (artifact, outDir) => writeOnnxFolder(name, artifact, outDir),
  };
}

export const targets: ExportTarget[] = [
  target('onnx', 'ONNX with packed UINT8 bit-plane weights and bitwise ops (opset 18); runs in onnxruntime'),
  target('onnx-float', 'float-equivalent ONNX (+-1 float weights, MatMul, thresholds; opset 17)'),
  target('qonnx', 'QONNX / FINN dialect (BipolarQuant, MultiThreshold, finn_datatype annotations)'),
];
