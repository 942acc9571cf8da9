/** README.md of each ONNX target's output folder: what is in it, how the graph computes, how to run its check. */
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { GoldenSpec } from './export-folder';
import { OnnxTargetName } from './onnx-models';

const GRAPH: Record<OnnxTargetName, string> = {
  onnx: [
    'Bit-plane graph, standard ONNX operators only (opset 18), runs unchanged in onnxruntime.',
    'The weights stay packed: each `layer{i}.weights` is a UINT8 initializer holding the artifact\'s bit-plane bytes',
    '(one row per unit, LSB first, rows padded with zero bits to 64). Layer 0 splits the 8-bit input into 8 bit-planes',
    '(BitShift, BitwiseAnd), packs them into bytes and computes `acc = sum_n 2^n (2 popcount(b_n AND w) - popcount(b_n))`;',
    'later layers compute `acc = K - 2 popcount(a XOR w)`. popcount is a Gather from a 256-entry int32 table (bytes cast',
    'to int32 as indices) followed by an int32 ReduceSum. Hidden units output +1 iff `acc >= tau` (direction +1) or',
    '`acc <= tau` (direction -1) through GreaterOrEqual / LessOrEqual / Where, and are re-packed into bytes for the next',
    'layer. Logits are `f32(f32(scale * acc) + bias)` (Cast, Mul, Add).',
  ].join('\n'),
  'onnx-float': [
    'Float-equivalent graph (opset 17) for tools that do not take bit operations: +-1 float32 weights and MatMul.',
    'A hidden unit computes `y = d * acc - d * tau` (d its direction) and binarizes with',
    '`Where(GreaterOrEqual(y, 0), 1, -1)` (ONNX Sign(0) is 0; bitplane binarizes 0 to +1). All accumulators are integers',
    'below 2^24, so float32 MatMul is exact and the logits equal the bit-plane forward pass.',
  ].join('\n'),
  qonnx: [
    'QONNX / FINN dialect: custom ops in domain `qonnx.custom_op.general` (opset import version 1), float32 containers,',
    'data types in `finn_datatype` quantization annotations. Conventions followed: FINN v0.10 (built on qonnx >= 0.2):',
    'BipolarQuant(X, scale) = X >= 0 ? +scale : -scale; MultiThreshold(x, T) = out_scale * #{t in T[c] : x >= t} + out_bias',
    'with `out_dtype`, `out_scale`, `out_bias` attributes, thresholds shaped [channels, steps].',
    '',
    '- Per layer: `layer{i}.weights` (float +-1, [in, out], annotated BIPOLAR) -> BipolarQuant(scale 1) ->',
    '  `layer{i}.weights_q` (BIPOLAR) -> MatMul -> `layer{i}.acc` (INT32).',
    '- Hidden layers: MultiThreshold(out_dtype BIPOLAR, out_scale 2, out_bias -1), one threshold per unit: the folded',
    '  batch norm + sign, as FINN\'s own ConvertSignToThres writes it. MultiThreshold only counts `x >= t`, so a unit with',
    '  direction -1 has its weight column negated and threshold `-tau` (`acc <= tau` iff `-acc >= -tau`).',
    '- Input `input`: FLOAT container annotated UINT8 (raw pixel values 0..255). Output `logits`: FLOAT32,',
    '  `Add(Mul(output.acc, scale), bias)`.',
    '',
    'onnxruntime cannot run QONNX custom ops; the check runs the graph through bitplane\'s own interpreter of the ops used',
    '(MatMul, BipolarQuant, MultiThreshold, Mul, Add) and a structural check of every node and annotation lives in',
    'bitplane\'s tests (`exporters/onnx/qonnx-check.ts`). With qonnx installed, `qonnx.core.onnx_exec.execute_onnx` on',
    '`golden-input.bin` (as float32) should reproduce `golden-logits.bin`; that path was not run here.',
  ].join('\n'),
};

const FLOAT_FAMILY_GRAPH = [
  'Float graph (opset 17) of a float-activation model: input normalisation `(x - input.offset) * input.scale`, then',
  'per layer MatMul with float32 weights (a binaryconnect-mlp\'s packed weights as +-1), the folded batch norm',
  '`z * scale + bias`, ReLU on hidden layers; the last layer gives the logits. Float sums may round differently from',
  "bitplane's kernels in the last bits: the check allows the stated tolerance.",
].join('\n');

/** The README text of one folder. */
export function onnxReadme(target: OnnxTargetName, artifact: LoadedArtifact, modelBytes: number, spec: GoldenSpec): string {
  const m = artifact.manifest;
  const runner = target === 'qonnx' ? "bitplane's QONNX interpreter" : 'onnxruntime-node';
  return `# ${m.name}:${m.version} as \`${target}\`

Exported by \`bitplane export ${m.name}:${m.version} --target ${target}\` from the ${m.family} artifact whose tensors.bin
has sha256 \`${m.sha256}\`. The same artifact always exports to these exact bytes.

## Files

| file | what |
| --- | --- |
| \`model.onnx\` | the model (${modelBytes} bytes) |
| \`golden-input.bin\` | ${spec.rows} rows x ${spec.inputSize} ${spec.inputDatatype === 'FP32' ? 'float32' : 'UINT8'} inputs, row-major (seeded from the artifact's sha256) |
| \`golden-logits.bin\` | float32 [${spec.rows}, ${spec.classes}], little-endian: bitplane's forward pass on those inputs |
${spec.accumulators ? `| \`golden-acc.bin\` | int32 [${spec.rows}, ${spec.classes}]: the output layer's accumulators (tensor \`output.acc\` inside the graph) |\n` : ''}| \`golden.json\` | sizes and file names for the check |
| \`check.js\` | runs model.onnx on the golden inputs and compares |

Signature: input \`input\` [batch, ${spec.inputSize}]${target === 'qonnx' ? ' (FLOAT container, UINT8 values)' : ` ${spec.inputDatatype}`}, output \`logits\` FP32 [batch, ${spec.classes}]; the predicted
class is the argmax of the logits (ties to the lowest index).

## Graph

${spec.family === 'bnn-mlp' ? GRAPH[target] : FLOAT_FAMILY_GRAPH}

## Check

From a bitplane checkout, after \`npm run build\`:

    node ${'<this folder>'}/check.js

It runs \`model.onnx\` with ${runner} on the golden inputs${spec.accumulators ? ', compares the integer accumulators exactly' : ''}, the logits within
${spec.tolerance} and the predictions exactly, prints the counts and exits non-zero on any mismatch. The full check
against the whole Fashion-MNIST test set is \`node dist/exporters/onnx/verify-cli.js ${m.name}:${m.version}\` (also run by
\`npm run bench:export\`; see docs/notes/onnx.md).
`;
}
