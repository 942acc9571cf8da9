/**
 * Reads the deploy/ files the way their tools do, for the deploy tests: the Kubernetes manifests a kustomization
 * names (multi-document YAML, following `resources:` into other kustomizations) and the compose file (YAML merge
 * keys on, as Compose reads it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';

/** A Kubernetes object as parsed, with the file it came from. */
export interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Manifests are free-form YAML: the tests walk them by path.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [key: string]: any;
}

/** A kustomization.yaml as parsed. */
export interface Kustomization {
  dir: string;
  namespace?: string;
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

/** Parses every YAML document in a file (empty documents skipped). */
export function readYamlDocuments(file: string): unknown[] {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'), { merge: true });
  for (const d of docs) if (d.errors.length) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
  return docs.map((d) => d.toJS({ maxAliasCount: -1 }) as unknown).filter((d) => d !== null && d !== undefined);
}

/** Reads the kustomization.yaml in `dir`. */
export function readKustomization(dir: string): Kustomization {
  const file = path.join(dir, 'kustomization.yaml');
  const [doc] = readYamlDocuments(file) as Partial<Kustomization>[];
  if (!doc || !Array.isArray(doc.resources)) throw new Error(`${file}: no resources list`);
  return { ...doc, dir, resources: doc.resources };
}

/** Every object a kustomization renders (before kustomize's transformations), following nested kustomizations. */
export function loadKustomization(dir: string): Manifest[] {
  const k = readKustomization(dir);
  const out: Manifest[] = [];
  for (const r of k.resources) {
    const p = path.resolve(dir, r);
    if (fs.existsSync(p) && fs.statSync(p).isDirectory()) out.push(...loadKustomization(p));
    else {
      if (!fs.existsSync(p)) throw new Error(`${path.join(dir, 'kustomization.yaml')}: resource ${r} does not exist`);
      for (const d of readYamlDocuments(p)) out.push({ ...(d as Manifest), file: p });
    }
  }
  return out;
}

/** The compose file as Compose sees it before interpolation. */
export function readCompose(file: string): {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  services: Record<string, any>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
} {
  const [doc] = readYamlDocuments(file) as { services: Record<string, unknown> }[];
  if (!doc || typeof doc.services !== 'object') throw new Error(`${file}: no services`);
  return doc;
}
