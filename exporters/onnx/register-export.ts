/** `bitplane export --register <name>`: stores an export folder's model.onnx as a registry version of family `onnx`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoadedArtifact } from '../../libs/core/src/artifact';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { ModelRegistry } from '../../libs/core/src/registry';
import { ONNX_FILE, registerOnnxModel } from './register';

/** Registers `<outDir>/model.onnx` as the next version of `name` (training record copied from `source`); returns a one-line summary. */
export async function registerExportedOnnx(registryDir: string | undefined, name: string, outDir: string, source?: LoadedArtifact): Promise<string> {
  const file = path.join(outDir, ONNX_FILE);
  if (!fs.existsSync(file)) throw new InvalidArgumentError(`${file} does not exist: --register needs an export that writes ${ONNX_FILE}`);
  const registry = new ModelRegistry(registryDir);
  const { manifest, dir } = await registerOnnxModel(registry, name, new Uint8Array(fs.readFileSync(file)), source?.manifest.training);
  return `registered ${manifest.name}:${manifest.version} (family ${manifest.family}) -> ${dir}`;
}
