/**
 * The Open Inference Protocol messages as @grpc/proto-loader hands them over with INFERENCE_PROTO_LOADER_OPTIONS
 * (keepCase, 64-bit integers as strings, defaults filled in, bytes as Buffer).
 */

/** The inference proto, relative to proto/ (clients load it without loading the server). */
export const INFERENCE_PROTO = 'inference/grpc_service.proto';

/** Options every loader of proto/inference uses: 64-bit integers travel as strings so large values survive. */
export const INFERENCE_PROTO_LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

/** InferParameter: one of bool / int64 (string) / string / double / uint64 (string). */
export interface InferParameter {
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
  bool_param?: boolean;
  int64_param?: string;
  string_param?: string;
  double_param?: number;
  uint64_param?: string;
}

/** InferTensorContents. */
export interface InferTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Array<string | number>;
  uint_contents?: number[];
  uint64_contents?: Array<string | number>;
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

/** ModelInferRequest.InferInputTensor. */
export interface InferInputTensor {
  name: string;
  datatype: string;
  shape: Array<string | number>;
  parameters?: Record<string, InferParameter>;
  contents?: InferTensorContents | null;
}

/** ModelInferRequest. */
export interface ModelInferRequest {
  model_name: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, InferParameter>;
  inputs: InferInputTensor[];
  outputs?: Array<{ name: string; parameters?: Record<string, InferParameter> }>;
  raw_input_contents?: Uint8Array[];
}

/** ModelInferResponse.InferOutputTensor. */
export interface InferOutputTensor {
  name: string;
  datatype: string;
  shape: string[];
  parameters?: Record<string, InferParameter>;
  contents?: InferTensorContents | null;
}

/** ModelInferResponse. */
export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters?: Record<string, InferParameter>;
  outputs: InferOutputTensor[];
  raw_output_contents: Buffer[];
}

/** ModelStreamInferResponse. */
export interface ModelStreamInferResponse {
  error_message: string;
  infer_response: ModelInferResponse | null;
}

/** ModelMetadataResponse.TensorMetadata. */
export interface TensorMetadata {
  name: string;
  datatype: string;
  shape: string[];
}

/** ModelMetadataResponse. */
export interface ModelMetadataResponse {
  name: string;
  versions: string[];
  platform: string;
  inputs: TensorMetadata[];
  outputs: TensorMetadata[];
}

/** RepositoryIndexResponse.ModelIndex. */
export interface ModelIndexEntry {
  name: string;
  version: string;
  state: string;
  reason: string;
}
