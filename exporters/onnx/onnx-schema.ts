/**
 * The ONNX IR schema (exporters/onnx/onnx.proto, ONNX 1.12 / IR version 8) loaded with protobufjs, plus TypeScript
 * shapes of the messages the exporters write and read. Field names keep ONNX's snake_case (keepCase), so objects
 * read exactly like the ONNX documentation.
 */
import * as protobuf from 'protobufjs';
import { fromRoot } from '../../libs/core/src/paths';
import { InvalidArgumentError } from '../../libs/core/src/errors';

/** IR version written into every model (the schema's IR_VERSION; onnxruntime 1.22 reads up to 10). */
export const ONNX_IR_VERSION = 8;

/** TensorProto.DataType values (element types). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;
/** One TensorProto.DataType value. */
export type DataTypeValue = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;

/** A tensor (initializer or attribute value); the exporters always fill raw_data (little-endian). */
export interface TensorProto {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  doc_string?: string;
}

/** A node attribute. */
export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** One dimension: a fixed size or a symbolic name (a free dimension). */
export interface DimensionProto {
  dim_value?: number;
  dim_param?: string;
}

/** A value's type (only tensor types are used here). */
export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: { dim?: DimensionProto[] } };
}

/** A named, typed value (graph input, output or intermediate). */
export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  doc_string?: string;
}

/** One operator application. */
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
}

/** A key / value pair. */
export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

/** Quantization annotation of one tensor (QONNX / FINN put `finn_datatype` here). */
export interface TensorAnnotation {
  tensor_name?: string;
  quant_parameter_tensor_names?: StringStringEntryProto[];
}

/** A computation graph. */
export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  doc_string?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
  quantization_annotation?: TensorAnnotation[];
}

/** An operator set a model imports. */
export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}

/** A whole ONNX model. */
export interface ModelProto {
  ir_version?: number;
  opset_import?: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: StringStringEntryProto[];
}

let root: protobuf.Root | undefined;

/** The loaded schema (parsed once, from the package root, never relative to the compiled file). */
export function onnxSchema(): protobuf.Root {
  if (!root) root = new protobuf.Root().loadSync(fromRoot('exporters', 'onnx', 'onnx.proto'), { keepCase: true });
  return root;
}

/** The protobufjs type of one ONNX message, e.g. 'ModelProto'. */
export function onnxType(message: string): protobuf.Type {
  return onnxSchema().lookupType(`onnx.${message}`);
}

/** Serialises a model. protobufjs writes fields in schema order and repeated fields in array order: same object, same bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  const t = onnxType('ModelProto');
  const err = t.verify(model);
  if (err) throw new InvalidArgumentError(`invalid ONNX model: ${err}`);
  return t.encode(t.fromObject(model)).finish();
}

/** Parses model bytes into plain objects (int64 as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const t = onnxType('ModelProto');
  let msg: protobuf.Message;
  try {
    msg = t.decode(bytes);
  } catch (e) {
    throw new InvalidArgumentError(`not an ONNX model: ${(e as Error).message}`);
  }
  return t.toObject(msg, { longs: Number, arrays: true, defaults: false }) as ModelProto;
}
