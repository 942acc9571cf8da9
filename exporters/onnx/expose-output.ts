/** Declares an intermediate tensor of a serialised model as an extra graph output, so a check can read it. */
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { Dim, valueInfo } from './graph-builder';
import { DataTypeValue, decodeModel, encodeModel } from './onnx-schema';

/** The same model with `name` (produced by some node) also declared as a graph output. */
export function exposeOutput(bytes: Uint8Array, name: string, elemType: DataTypeValue, shape: Dim[]): Uint8Array {
  const model = decodeModel(bytes);
  const graph = model.graph ?? {};
  if (!(graph.node ?? []).some((n) => (n.output ?? []).includes(name))) throw new InvalidArgumentError(`no node of the model produces '${name}'`);
  graph.output = [...(graph.output ?? []), valueInfo(name, elemType, shape)];
  return encodeModel(model);
}
