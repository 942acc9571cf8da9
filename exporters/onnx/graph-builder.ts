/**
 * A small builder for ONNX graphs: initializers from typed arrays, nodes with plain attribute values, typed inputs and
 * outputs, opset imports and quantization annotations. Everything is kept in insertion order and node names come from
 * a per-op counter, so the same calls always serialise to the same bytes.
 */
import { TypedArray } from '../../libs/core/src/dtypes';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import {
  AttributeProto,
  AttributeType,
  DataType,
  DataTypeValue,
  GraphProto,
  ModelProto,
  NodeProto,
  ONNX_IR_VERSION,
  TensorAnnotation,
  TensorProto,
  ValueInfoProto,
  encodeModel,
} from './onnx-schema';

/** A plain attribute value: number (int when `Number.isInteger` and not forced float), string, number list, or a tensor. */
export type AttributeValue = number | string | number[] | string[] | { float: number } | { floats: number[] } | TensorProto;

/** A dimension: a size, or -1 / a name for a free (batch) dimension. */
export type Dim = number | string;

/** Bytes of a typed array as a fresh Uint8Array (little-endian on every platform Node runs on here). */
function bytesOf(data: TypedArray | Float64Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** The ONNX element type matching a typed array. */
export function dataTypeOf(data: TypedArray | BigInt64Array): DataTypeValue {
  if (data instanceof Float32Array) return DataType.FLOAT;
  if (data instanceof Int32Array) return DataType.INT32;
  if (data instanceof Int8Array) return DataType.INT8;
  if (data instanceof Uint8Array) return DataType.UINT8;
  if (data instanceof Uint32Array) return DataType.UINT32;
  if (data instanceof BigInt64Array) return DataType.INT64;
  throw new InvalidArgumentError('unsupported typed array for an ONNX tensor');
}

/** A TensorProto holding `data` with shape `dims` (raw_data, little-endian). */
export function tensorProto(name: string, data: TypedArray | BigInt64Array, dims: number[], dataType: DataTypeValue = dataTypeOf(data)): TensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new InvalidArgumentError(`tensor '${name}': ${data.length} values for shape [${dims.join(', ')}] (${n})`);
  return { name, dims: [...dims], data_type: dataType, raw_data: bytesOf(data) };
}

/** A boolean tensor (one byte per element, 0 or 1). */
export function boolTensorProto(name: string, values: ArrayLike<boolean | number>, dims: number[]): TensorProto {
  return tensorProto(name, Uint8Array.from(values, (v) => (v ? 1 : 0)), dims, DataType.BOOL);
}

/** An int64 tensor (shapes, axes, pads). */
export function int64TensorProto(name: string, values: number[], dims: number[] = [values.length]): TensorProto {
  return tensorProto(name, BigInt64Array.from(values, (v) => BigInt(v)), dims);
}

function attribute(name: string, v: AttributeValue): AttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return { name, type: AttributeType.FLOAT, f: v };
    return { name, type: AttributeType.INT, i: v };
  }
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return { name, type: AttributeType.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    const nums = v as number[];
    if (nums.every((x) => Number.isInteger(x))) return { name, type: AttributeType.INTS, ints: [...nums] };
    return { name, type: AttributeType.FLOATS, floats: [...nums] };
  }
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: [...v.floats] };
  return { name, type: AttributeType.TENSOR, t: v };
}

/** A typed tensor value (graph input / output / value_info). */
export function valueInfo(name: string, elemType: DataTypeValue, shape: Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: shape.map((d) => (typeof d === 'string' ? { dim_param: d } : d < 0 ? { dim_param: 'batch' } : { dim_value: d })) },
      },
    },
  };
}

/** Options of `GraphBuilder.node`. */
export interface NodeOptions {
  domain?: string;
  name?: string;
  doc?: string;
}

/** Builds one graph and the model around it. */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly valueInfos: ValueInfoProto[] = [];
  private readonly annotations: TensorAnnotation[] = [];
  private readonly opsets = new Map<string, number>();
  private readonly names = new Set<string>();
  private readonly opCounts = new Map<string, number>();

  constructor(readonly name: string, opset = 18) {
    this.opsets.set('', opset);
  }

  /** Imports an operator set (domain '' is the default ONNX domain). */
  opset(domain: string, version: number): this {
    this.opsets.set(domain, version);
    return this;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new InvalidArgumentError(`ONNX graph '${this.name}': value '${name}' is defined twice`);
    this.names.add(name);
    return name;
  }

  /** Declares a graph input. */
  input(name: string, elemType: DataTypeValue, shape: Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), elemType, shape));
    return name;
  }

  /** Declares a graph output (an existing value, or one a later node produces). */
  output(name: string, elemType: DataTypeValue, shape: Dim[]): string {
    this.outputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  /** Records the type of an intermediate value (optional in ONNX; QONNX tools read it). */
  valueInfo(name: string, elemType: DataTypeValue, shape: Dim[]): this {
    this.valueInfos.push(valueInfo(name, elemType, shape));
    return this;
  }

  /** Adds an initializer (a constant) from a typed array; returns its name. */
  initializer(name: string, data: TypedArray | BigInt64Array, dims: number[], dataType?: DataTypeValue): string {
    this.initializers.push(tensorProto(this.claim(name), data, dims, dataType));
    return name;
  }

  /** Adds a ready-made TensorProto (e.g. a BOOL tensor) as an initializer. */
  initializerProto(t: TensorProto): string {
    if (!t.name) throw new InvalidArgumentError('an initializer needs a name');
    this.initializers.push({ ...t, name: this.claim(t.name) });
    return t.name;
  }

  /** Adds an int64 initializer (shapes, axes, pads). */
  int64(name: string, values: number[], dims?: number[]): string {
    return this.initializerProto(int64TensorProto(name, values, dims));
  }

  /** Adds a node; `outputs` are new value names. Returns the first output's name. */
  node(opType: string, inputs: string[], outputs: string[], attributes: Record<string, AttributeValue> = {}, options: NodeOptions = {}): string {
    if (!outputs.length) throw new InvalidArgumentError(`node ${opType} has no outputs`);
    for (const o of outputs) this.claim(o);
    const count = this.opCounts.get(opType) ?? 0;
    this.opCounts.set(opType, count + 1);
    const n: NodeProto = {
      input: [...inputs],
      output: [...outputs],
      name: options.name ?? `${opType}_${count}`,
      op_type: opType,
    };
    if (options.domain) n.domain = options.domain;
    // Attributes sorted by name: the same set always serialises identically.
    const attrs = Object.keys(attributes).sort().map((k) => attribute(k, attributes[k]));
    if (attrs.length) n.attribute = attrs;
    if (options.doc) n.doc_string = options.doc;
    this.nodes.push(n);
    return outputs[0];
  }

  /** Adds a quantization annotation, e.g. `{ finn_datatype: 'BIPOLAR' }` for QONNX / FINN. */
  annotate(tensor: string, entries: Record<string, string>): this {
    this.annotations.push({
      tensor_name: tensor,
      quant_parameter_tensor_names: Object.keys(entries).sort().map((key) => ({ key, value: entries[key] })),
    });
    return this;
  }

  /** The graph as a GraphProto object. */
  graph(doc?: string): GraphProto {
    const g: GraphProto = {
      node: this.nodes,
      name: this.name,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
    };
    if (doc) g.doc_string = doc;
    if (this.valueInfos.length) g.value_info = this.valueInfos;
    if (this.annotations.length) g.quantization_annotation = this.annotations;
    return g;
  }

  /** The model (IR version 8, the imported opsets sorted by domain). */
  model(info: { producer?: string; doc?: string; metadata?: Record<string, string> } = {}): ModelProto {
    const m: ModelProto = {
      ir_version: ONNX_IR_VERSION,
      opset_import: [...this.opsets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([domain, version]) => ({ domain, version })),
      producer_name: info.producer ?? 'bitplane',
      graph: this.graph(info.doc),
    };
    if (info.metadata) m.metadata_props = Object.keys(info.metadata).sort().map((key) => ({ key, value: info.metadata![key] }));
    return m;
  }

  /** The serialised model. */
  encode(info: { producer?: string; doc?: string; metadata?: Record<string, string> } = {}): Uint8Array {
    return encodeModel(this.model(info));
  }
}
