/**
 * Writes one ONNX target's output folder: model.onnx, golden vectors from our forward pass, a check script and a
 * README. Everything is a function of the artifact alone (golden inputs come from a seed derived from its sha256),
 * so the same artifact always yields byte-identical files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { Rng } from '../../libs/core/src/random';
import { TsBackend } from '../../libs/kernels/src/ts/ts-backend';
import { ExportResult } from '../target';
import { OnnxTargetName, onnxModelBytes, referenceForward } from './onnx-models';
import { onnxReadme } from './readme';

/** Rows of golden vectors written beside each model. */
export const GOLDEN_ROWS = 16;

/** golden.json: what check.js needs to check model.onnx against the golden vectors. */
export interface GoldenSpec {
  target: OnnxTargetName;
  model: string;
  source: string;
  family: string;
  rows: number;
  /** Element type of golden-input.bin: UINT8, or FP32 for float-input models. */
  inputDatatype: 'UINT8' | 'FP32';
  inputSize: number;
  classes: number;
  input: string;
  logits: string;
  accumulators?: string;
  tolerance: number;
}

/** Golden inputs, seeded from the artifact's sha256: uniform bytes (never all zeros), or standard normals for FP32 inputs. */
export function goldenInputs(artifact: LoadedArtifact, rows: number, inputSize: number): Uint8Array | Float32Array {
  const rng = new Rng(parseInt(artifact.manifest.sha256.slice(0, 8), 16));
  if (artifact.manifest.signature.inputs[0].datatype === 'FP32') return Float32Array.from({ length: rows * inputSize }, () => rng.normal());
  return rng.bytes(rows * inputSize);
}

function sizes(artifact: LoadedArtifact): { inputSize: number; classes: number } {
  const sig = artifact.manifest.signature;
  return { inputSize: sig.inputs[0].shape[1], classes: sig.outputs[0].shape[1] };
}

const CHECK_JS = `#!/usr/bin/env node
// Checks model.onnx in this folder against golden.json (vectors written by bitplane's forward pass).
// Run it from a bitplane checkout after \`npm run build\`: node <this folder>/check.js   (BITPLANE_DIST picks another build)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const dist = path.resolve(process.env.BITPLANE_DIST || 'dist');
const check = path.join(dist, 'exporters', 'onnx', 'folder-check.js');
if (!fs.existsSync(check)) {
  console.error(\`bitplane is not built at \${dist} (no \${check}): run this from a bitplane checkout after 'npm run build', or set BITPLANE_DIST\`);
  process.exit(1);
}
require(check).main(__dirname);
`;

function bytes(a: Float32Array | Int32Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Writes the folder of `target` for `artifact` into outDir (created if needed). */
export function writeOnnxFolder(target: OnnxTargetName, artifact: LoadedArtifact, outDir: string): ExportResult {
  const model = onnxModelBytes(target, artifact);
  const { inputSize, classes } = sizes(artifact);
  const x = goldenInputs(artifact, GOLDEN_ROWS, inputSize);
  const ref = referenceForward(artifact, new TsBackend(), x, GOLDEN_ROWS);
  const spec: GoldenSpec = {
    target,
    model: 'model.onnx',
    source: `${artifact.manifest.name}:${artifact.manifest.version}`,
    family: artifact.manifest.family,
    rows: GOLDEN_ROWS,
    inputDatatype: x instanceof Float32Array ? 'FP32' : 'UINT8',
    inputSize,
    classes,
    input: 'golden-input.bin',
    logits: 'golden-logits.bin',
    ...(ref.acc ? { accumulators: 'golden-acc.bin' } : {}),
    tolerance: 1e-5,
  };
  fs.mkdirSync(outDir, { recursive: true });
  const files: Record<string, Uint8Array | string> = {
    'model.onnx': model,
    'golden-input.bin': bytes(x),
    'golden-logits.bin': bytes(ref.logits),
    ...(ref.acc ? { 'golden-acc.bin': bytes(ref.acc) } : {}),
    'golden.json': JSON.stringify(spec, null, 2) + '\n',
    'check.js': CHECK_JS,
    'README.md': onnxReadme(target, artifact, model.byteLength, spec),
  };
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(outDir, name), data);
  return {
    target,
    outDir,
    files: Object.keys(files).sort(),
    summary: `model.onnx ${model.byteLength} bytes (${artifact.manifest.family} ${spec.source}), ${GOLDEN_ROWS} golden rows; check: node ${path.join(outDir, 'check.js')}`,
  };
}
