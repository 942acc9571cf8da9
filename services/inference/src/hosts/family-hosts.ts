/** Family name -> host factory. A new family adds one line here and one host file; nothing else changes. */
import { BNN_MLP_FAMILY } from '../../../../libs/models/bnn-mlp/model';
import { BINARYCONNECT_MLP_FAMILY } from '../../../../libs/models/binaryconnect-mlp/model';
import { MLP_FAMILY } from '../../../../libs/models/mlp/model';
import { createBnnMlpHost } from './bnn-mlp.host';
import { createBinaryConnectMlpHost, createMlpHost } from './float-mlp.host';
import { HostFactory } from './host-context';
import { ONNX_FAMILY, createOnnxHost } from './onnx.host';

const FAMILY_HOSTS = new Map<string, HostFactory>([
  [BNN_MLP_FAMILY, createBnnMlpHost],
  [BINARYCONNECT_MLP_FAMILY, createBinaryConnectMlpHost],
  [MLP_FAMILY, createMlpHost],
  [ONNX_FAMILY, (artifact) => createOnnxHost(artifact)],
]);

/** The factory serving a family, or undefined. */
export function hostFactory(family: string): HostFactory | undefined {
  return FAMILY_HOSTS.get(family);
}

/** Families this process serves. */
export function servedFamilies(): string[] {
  return [...FAMILY_HOSTS.keys()];
}

/** Adds (or replaces) the factory of a family, e.g. a family under development or a test family. */
export function registerFamilyHost(family: string, factory: HostFactory): void {
  FAMILY_HOSTS.set(family, factory);
}
