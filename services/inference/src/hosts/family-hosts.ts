/** Family name -> host factory. A new family adds one line here and one host file; nothing else changes. */
import { BNN_MLP_FAMILY } from '../../../../libs/models/bnn-mlp/model';
import { createBnnMlpHost } from './bnn-mlp.host';
import { HostFactory } from './host-context';
import { ONNX_FAMILY, createOnnxHost } from './onnx.host';

/** The families this build serves. */
export const FAMILY_HOSTS: Readonly<Record<string, HostFactory>> = {
  [BNN_MLP_FAMILY]: createBnnMlpHost,
  [ONNX_FAMILY]: (artifact) => createOnnxHost(artifact),
};
