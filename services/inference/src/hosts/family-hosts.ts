/** Family name -> host factory. A new family adds one line here and one host file; nothing else changes. */
import { BNN_MLP_FAMILY } from '../../../../libs/models/bnn-mlp/model';
import { BINARYCONNECT_MLP_FAMILY } from '../../../../libs/models/binaryconnect-mlp/model';
import { MLP_FAMILY } from '../../../../libs/models/mlp/model';
import { createBnnMlpHost } from './bnn-mlp.host';
import { createBinaryConnectMlpHost, createMlpHost } from './float-mlp.host';
import { HostFactory } from './host-context';
import { ONNX_FAMILY, createOnnxHost } from './onnx.host';

/** The families this build serves. */
export const FAMILY_HOSTS: Readonly<Record<string, HostFactory>> = {
  [BNN_MLP_FAMILY]: createBnnMlpHost,
  [BINARYCONNECT_MLP_FAMILY]: createBinaryConnectMlpHost,
  [MLP_FAMILY]: createMlpHost,
  [ONNX_FAMILY]: (artifact) => createOnnxHost(artifact),
};
