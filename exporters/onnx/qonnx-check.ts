/**
 * Structural check of a `qonnx` export: every node's domain, op type, inputs and attributes, every initializer the
 * ops read, and every tensor's finn_datatype annotation, against what the bnn-mlp should produce. Returns the list of
 * problems (empty when the model is as expected), each naming the node or tensor.
 */
import { BnnMlpModel } from '../../libs/models/bnn-mlp/model';
import { OUTPUT_ACC } from './bitplane-graph';
import { AttributeType, DataType, ModelProto, NodeProto } from './onnx-schema';
import { floatInitializer } from './qonnx-interpreter';
import { QONNX_DOMAIN, qonnxAnnotations } from './qonnx-graph';

interface ExpectedNode {
  op: string;
  domain: string;
  inputs: string[];
  output: string;
}

function expectedNodes(m: BnnMlpModel): ExpectedNode[] {
  const out: ExpectedNode[] = [];
  const layers = m.hidden.length + 1;
  let act = 'input';
  for (let i = 0; i < layers; i++) {
    const p = `layer${i}`;
    const last = i === layers - 1;
    out.push({ op: 'BipolarQuant', domain: QONNX_DOMAIN, inputs: [`${p}.weights`, 'bipolar.scale'], output: `${p}.weights_q` });
    out.push({ op: 'MatMul', domain: '', inputs: [act, `${p}.weights_q`], output: last ? OUTPUT_ACC : `${p}.acc` });
    if (!last) {
      out.push({ op: 'MultiThreshold', domain: QONNX_DOMAIN, inputs: [`${p}.acc`, `${p}.thresholds`], output: `${p}.out` });
      act = `${p}.out`;
    }
  }
  out.push({ op: 'Mul', domain: '', inputs: [OUTPUT_ACC, 'output.scale'], output: 'output.scaled' });
  out.push({ op: 'Add', domain: '', inputs: ['output.scaled', 'output.bias'], output: 'logits' });
  return out;
}

function dims(vi: { type?: { tensor_type?: { elem_type?: number; shape?: { dim?: Array<{ dim_value?: number; dim_param?: string }> } } } } | undefined): string {
  const t = vi?.type?.tensor_type;
  return `${t?.elem_type}:[${(t?.shape?.dim ?? []).map((d) => d.dim_param ?? String(d.dim_value)).join(',')}]`;
}

/** Problems found in a qonnx model exported from `m` (empty array: structurally as expected). */
export function checkQonnxStructure(model: ModelProto, m: BnnMlpModel): string[] {
  const problems: string[] = [];
  const g = model.graph ?? {};
  const opsets = new Map((model.opset_import ?? []).map((o) => [o.domain ?? '', o.version]));
  if (!opsets.has('')) problems.push('no default-domain opset import');
  if (opsets.get(QONNX_DOMAIN) !== 1) problems.push(`opset import of ${QONNX_DOMAIN} is ${opsets.get(QONNX_DOMAIN)}, expected 1`);
  const sizes = [m.inputSize, ...m.hiddenSizes, m.outputSize];
  if ((g.input ?? []).length !== 1 || dims(g.input![0]) !== `${DataType.FLOAT}:[batch,${m.inputSize}]` || g.input![0].name !== 'input') {
    problems.push(`graph input must be 'input' FLOAT [batch, ${m.inputSize}], got ${(g.input ?? []).map((i) => `${i.name} ${dims(i)}`).join('; ')}`);
  }
  if ((g.output ?? []).length !== 1 || g.output![0].name !== 'logits' || dims(g.output![0]) !== `${DataType.FLOAT}:[batch,${m.outputSize}]`) {
    problems.push(`graph output must be 'logits' FLOAT [batch, ${m.outputSize}]`);
  }
  const want = expectedNodes(m);
  const nodes: NodeProto[] = g.node ?? [];
  if (nodes.length !== want.length) problems.push(`graph has ${nodes.length} nodes, expected ${want.length}`);
  nodes.forEach((n, i) => {
    const w = want[i];
    if (!w) return;
    const label = `node ${i} ('${n.name}')`;
    if (n.op_type !== w.op) problems.push(`${label}: op ${n.op_type}, expected ${w.op}`);
    if ((n.domain ?? '') !== w.domain) problems.push(`${label} (${n.op_type}): domain '${n.domain ?? ''}', expected '${w.domain}'`);
    if (JSON.stringify(n.input ?? []) !== JSON.stringify(w.inputs)) problems.push(`${label} (${n.op_type}): inputs ${JSON.stringify(n.input)}, expected ${JSON.stringify(w.inputs)}`);
    if (JSON.stringify(n.output ?? []) !== JSON.stringify([w.output])) problems.push(`${label} (${n.op_type}): outputs ${JSON.stringify(n.output)}, expected ["${w.output}"]`);
    const attrs = new Map((n.attribute ?? []).map((a) => [a.name, a]));
    if (w.op === 'MultiThreshold') {
      const dt = attrs.get('out_dtype');
      if (dt?.type !== AttributeType.STRING || new TextDecoder().decode(dt.s) !== 'BIPOLAR') problems.push(`${label}: out_dtype must be the string BIPOLAR`);
      if (attrs.get('out_scale')?.type !== AttributeType.FLOAT || attrs.get('out_scale')?.f !== 2) problems.push(`${label}: out_scale must be float 2`);
      if (attrs.get('out_bias')?.type !== AttributeType.FLOAT || attrs.get('out_bias')?.f !== -1) problems.push(`${label}: out_bias must be float -1`);
      if (attrs.size !== 3) problems.push(`${label}: unexpected attributes ${[...attrs.keys()].join(', ')}`);
    } else if (attrs.size) {
      problems.push(`${label} (${n.op_type}): unexpected attributes ${[...attrs.keys()].join(', ')}`);
    }
  });
  const inits = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const init = (name: string) => {
    const t = inits.get(name);
    if (!t) {
      problems.push(`initializer '${name}' is missing`);
      return undefined;
    }
    try {
      return floatInitializer(t);
    } catch (e) {
      problems.push((e as Error).message);
      return undefined;
    }
  };
  const scale = init('bipolar.scale');
  if (scale && (scale.data.length !== 1 || scale.data[0] !== 1)) problems.push('bipolar.scale must be the scalar 1');
  for (let i = 0; i < sizes.length - 1; i++) {
    const w = init(`layer${i}.weights`);
    if (w && (w.dims.join() !== `${sizes[i]},${sizes[i + 1]}` || w.data.some((v) => v !== 1 && v !== -1))) problems.push(`layer${i}.weights must be +-1 of shape [${sizes[i]}, ${sizes[i + 1]}]`);
    if (i < sizes.length - 2) {
      const t = init(`layer${i}.thresholds`);
      if (t && (t.dims.join() !== `${sizes[i + 1]},1` || t.data.some((v) => !Number.isInteger(v)))) problems.push(`layer${i}.thresholds must be integers of shape [${sizes[i + 1]}, 1]`);
    }
  }
  for (const name of ['output.scale', 'output.bias']) {
    const t = init(name);
    if (t && t.dims.join() !== String(m.outputSize)) problems.push(`${name} must have shape [${m.outputSize}]`);
  }
  const annotations = new Map<string, string>();
  for (const a of g.quantization_annotation ?? []) {
    const entries = a.quant_parameter_tensor_names ?? [];
    const dt = entries.find((e) => e.key === 'finn_datatype');
    if (!dt || entries.length !== 1) problems.push(`annotation of '${a.tensor_name}' must hold exactly one finn_datatype entry`);
    if (annotations.has(a.tensor_name!)) problems.push(`tensor '${a.tensor_name}' is annotated twice`);
    annotations.set(a.tensor_name!, dt?.value ?? '');
  }
  const known = new Set<string>(['input', ...inits.keys(), ...nodes.flatMap((n) => n.output ?? [])]);
  for (const [tensor, dt] of Object.entries(qonnxAnnotations(m))) {
    if (annotations.get(tensor) !== dt) problems.push(`tensor '${tensor}' should be annotated finn_datatype ${dt}, found ${annotations.get(tensor) ?? 'none'}`);
  }
  for (const tensor of annotations.keys()) if (!known.has(tensor)) problems.push(`annotation names '${tensor}', which no input, initializer or node defines`);
  return problems;
}
