/** ListModels / GetModel over the model registry the workers write to. */
import { Inject, Injectable } from '@nestjs/common';
import { Manifest } from '../../../libs/core/src/artifact';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { jsonToStruct, StructMessage, TimestampMessage, toTimestamp } from '../../common/src/protobuf-wkt';
import { TRAINING_CONFIG, TrainingServiceConfig } from './training.config';

/** proto ModelSummary. */
export interface ModelSummaryMessage {
  name: string;
  versions: number[];
  latest_version: number;
  family: string;
}

/** proto TensorSignature. */
interface TensorSignatureMessage {
  name: string;
  datatype: string;
  shape: string[];
}

/** proto ModelVersion. */
export interface ModelVersionMessage {
  name: string;
  version: number;
  family: string;
  created_at?: TimestampMessage;
  config: StructMessage;
  inputs: TensorSignatureMessage[];
  outputs: TensorSignatureMessage[];
  dataset: string;
  metrics: Record<string, number>;
  history: Array<{ values: Record<string, number> }>;
  sha256: string;
  path: string;
}

function numbers(m: Record<string, unknown> | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m ?? {})) if (typeof v === 'number') out[k] = v;
  return out;
}

/** Registry reads for the gRPC controller. */
@Injectable()
export class ModelsService {
  private readonly registry: ModelRegistry;

  constructor(@Inject(TRAINING_CONFIG) config: TrainingServiceConfig) {
    this.registry = new ModelRegistry(config.registryDir);
  }

  /** Every model with its versions; a version whose manifest cannot be read shows family ''. */
  list(): ModelSummaryMessage[] {
    return this.registry.listModels().map((name) => {
      const versions = this.registry.listVersions(name);
      const latest = versions[versions.length - 1];
      let family = '';
      try {
        family = this.registry.manifest(name, latest).family;
      } catch {
        // A corrupt manifest must not hide the other models; GetModel reports the error.
      }
      return { name, versions, latest_version: latest, family };
    });
  }

  /** One version's manifest (latest when version is 0); NotFoundError / InvalidArgumentError / CorruptArtifactError map via the table. */
  get(name: string, version: number): ModelVersionMessage {
    const v = this.registry.resolve(name, version > 0 ? version : undefined);
    const m: Manifest = this.registry.manifest(name, v);
    const sig = (t: { name: string; datatype: string; shape: number[] }): TensorSignatureMessage => ({ name: t.name, datatype: t.datatype, shape: t.shape.map(String) });
    return {
      name: m.name,
      version: m.version,
      family: m.family,
      created_at: toTimestamp(Date.parse(m.createdAt)),
      config: jsonToStruct(m.config),
      inputs: m.signature.inputs.map(sig),
      outputs: m.signature.outputs.map(sig),
      dataset: typeof m.training?.dataset === 'string' ? m.training.dataset : '',
      metrics: numbers(m.training?.metrics),
      history: (m.training?.history ?? []).map((h) => ({ values: numbers(h) })),
      sha256: m.sha256,
      path: this.registry.path(name, v),
    };
  }
}
