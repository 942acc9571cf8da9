/**
 * The `qonnx` target's graph: a bnn-mlp in the QONNX / FINN dialect (custom ops in domain `qonnx.custom_op.general`,
 * float32 containers, data types carried by `finn_datatype` quantization annotations).
 *
 * Per layer i: `layer{i}.weights` (float +-1, [in, out]) -> BipolarQuant(scale 1) -> `layer{i}.weights_q` (BIPOLAR)
 * -> MatMul with the layer input -> `layer{i}.acc` (INT32). A hidden layer then applies
 * MultiThreshold(out_dtype BIPOLAR, out_scale 2, out_bias -1) with one threshold per unit: FINN's form of a folded
 * batch norm + sign (its ConvertSignToThres writes the same node). MultiThreshold only counts x >= t, so a unit with
 * direction -1 gets its weight column negated and threshold -tau (acc <= tau iff -acc >= -tau). The output layer's
 * accumulator goes through Mul(scale) and Add(bias) in float32: the same f32(f32(scale * acc) + bias) as bnnMlpLogits.
 */
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { BnnMlpModel, validateBnnMlp } from '../../libs/models/bnn-mlp/model';
import { transposedSigns } from './float-graph';
import { GraphBuilder } from './graph-builder';
import { DataType } from './onnx-schema';
import { OUTPUT_ACC } from './bitplane-graph';

/** The QONNX custom-op domain. */
export const QONNX_DOMAIN = 'qonnx.custom_op.general';
/** Default-domain opset of the qonnx graph (FINN's own models import 11; every op used here exists there). */
export const QONNX_ONNX_OPSET = 11;

/** The finn_datatype of every annotated tensor of a qonnx bnn-mlp graph, in graph order (what the structural check expects). */
export function qonnxAnnotations(m: BnnMlpModel): Record<string, string> {
  const a: Record<string, string> = { input: 'UINT8' };
  const layers = m.hidden.length + 1;
  for (let i = 0; i < layers; i++) {
    a[`layer${i}.weights`] = 'BIPOLAR';
    a[`layer${i}.weights_q`] = 'BIPOLAR';
    if (i < layers - 1) {
      a[`layer${i}.acc`] = 'INT32';
      a[`layer${i}.out`] = 'BIPOLAR';
    }
  }
  a[OUTPUT_ACC] = 'INT32';
  a.logits = 'FLOAT32';
  return a;
}

/** The QONNX graph of a bnn-mlp (not yet serialised). */
export function bnnMlpQonnxGraph(m: BnnMlpModel, name = 'bnn_mlp_qonnx'): GraphBuilder {
  validateBnnMlp(m);
  const g = new GraphBuilder(name, QONNX_ONNX_OPSET).opset(QONNX_DOMAIN, 1);
  const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
  g.input('input', DataType.FLOAT, [-1, m.inputSize]);
  const scale = g.initializer('bipolar.scale', Float32Array.of(1), []);
  let act = 'input';
  const layers = [...m.hidden.map((h) => h.weights), m.output.weights];
  layers.forEach((w, i) => {
    const p = `layer${i}`;
    const last = i === layers.length - 1;
    const wt = transposedSigns(w); // [in, out]
    const out = sizes[i + 1];
    if (!last) {
      const h = m.hidden[i];
      for (let j = 0; j < out; j++) if (h.directions[j] === -1) for (let k = 0; k < sizes[i]; k++) wt[k * out + j] = -wt[k * out + j];
    }
    g.initializer(`${p}.weights`, wt, [sizes[i], out]);
    g.node('BipolarQuant', [`${p}.weights`, scale], [`${p}.weights_q`], {}, { domain: QONNX_DOMAIN });
    const acc = g.node('MatMul', [act, `${p}.weights_q`], [last ? OUTPUT_ACC : `${p}.acc`]);
    if (last) return;
    const h = m.hidden[i];
    const t = Float32Array.from(h.thresholds, (tau, j) => {
      const v = h.directions[j] === 1 ? tau : -tau;
      if (Math.abs(v) >= 2 ** 24) throw new InvalidArgumentError(`layer${i}.thresholds[${j}] = ${tau} does not fit a float32 exactly`);
      return v;
    });
    const thr = g.initializer(`${p}.thresholds`, t, [out, 1]);
    act = g.node('MultiThreshold', [acc, thr], [`${p}.out`], { out_dtype: 'BIPOLAR', out_scale: { float: 2 }, out_bias: { float: -1 } }, { domain: QONNX_DOMAIN });
  });
  const scaled = g.node('Mul', [OUTPUT_ACC, g.initializer('output.scale', m.output.scale, [m.outputSize])], ['output.scaled']);
  g.node('Add', [scaled, g.initializer('output.bias', m.output.bias, [m.outputSize])], ['logits']);
  g.output('logits', DataType.FLOAT, [-1, m.outputSize]);
  for (const [tensor, dt] of Object.entries(qonnxAnnotations(m))) g.annotate(tensor, { finn_datatype: dt });
  return g;
}
