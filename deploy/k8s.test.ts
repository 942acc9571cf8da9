/**
 * deploy/k8s: every core manifest validates against the Kubernetes schemas that kubernetes-models carries (no
 * network), the KEDA and KServe objects against the schemas in deploy/schemas (written from their published CRD
 * documentation), each kustomization names exactly the files beside it, the references between objects resolve,
 * and image, ports, environment and paths agree with deploy/compose.yaml, the Dockerfile and the health check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { ValidateFunction } from 'ajv';
import YAML from 'yaml';
import { ConfigMap, Container, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { fromRoot } from '../libs/core/src/paths';
import { DEFAULT_TRAINING_PORT, TRAINING_QUEUE } from '../services/training/src/training.constants';
import { ROLE_GRPC_PORTS } from './healthcheck';
import { loadKustomization, Manifest, readCompose, readKustomization } from './manifests';

const K8S = fromRoot('deploy', 'k8s');
const HAS_KUBECTL = spawnSync('kubectl', ['version', '--client'], { timeout: 20000 }).status === 0;
const BASE = path.join(K8S, 'base');
const KUSTOMIZATIONS = [K8S, BASE, path.join(K8S, 'keda'), path.join(K8S, 'kserve')];

/** Core kinds and the kubernetes-models class that validates each. */
const CORE: Record<string, { validate(): void } & (new (data: never) => { validate(): void })> = {
  'v1/Namespace': Namespace as never,
  'v1/ConfigMap': ConfigMap as never,
  'v1/Secret': Secret as never,
  'v1/Service': Service as never,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as never,
  'apps/v1/Deployment': Deployment as never,
  'apps/v1/StatefulSet': StatefulSet as never,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as never,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as never,
};

/** Custom resources and the schema file (deploy/schemas) that checks each. */
const CUSTOM: Record<string, string> = {
  'keda.sh/v1alpha1/ScaledObject': 'keda-scaledobject.schema.json',
  'serving.kserve.io/v1alpha1/ServingRuntime': 'kserve-servingruntime.schema.json',
  'serving.kserve.io/v1beta1/InferenceService': 'kserve-inferenceservice.schema.json',
};

// strict, except that anyOf branches may require properties declared beside them (the redis address alternatives).
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const customValidators = new Map<string, ValidateFunction>();
function customValidator(key: string): ValidateFunction {
  let v = customValidators.get(key);
  if (!v) {
    v = ajv.compile(JSON.parse(fs.readFileSync(fromRoot('deploy', 'schemas', CUSTOM[key]), 'utf8')) as object);
    customValidators.set(key, v);
  }
  return v;
}

function strip(m: Manifest): Record<string, unknown> {
  const { file: _file, ...obj } = m;
  return obj;
}

/** Validates one object; returns the errors as text ('' when valid). */
function validateManifest(m: Manifest): string {
  const key = `${m.apiVersion}/${m.kind}`;
  if (CORE[key]) {
    try {
      new CORE[key](strip(m) as never).validate();
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (CUSTOM[key]) {
    const v = customValidator(key);
    return v(strip(m)) ? '' : ajv.errorsText(v.errors);
  }
  return `no schema for ${key}`;
}

const all = (): Manifest[] => KUSTOMIZATIONS.flatMap((d) => loadKustomization(d));
const base = loadKustomization(BASE);
const keda = loadKustomization(path.join(K8S, 'keda'));
const kserve = loadKustomization(path.join(K8S, 'kserve'));

function find(list: Manifest[], kind: string, name: string): Manifest {
  const m = list.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(m, `${kind}/${name} is in the manifests`);
  return m;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

const workloads = (list: Manifest[]) => list.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');
const containersOf = (w: Manifest): Obj[] => w.spec.template.spec.containers;

describe('deploy/k8s kustomizations', () => {
  for (const dir of KUSTOMIZATIONS) {
    it(`${path.relative(fromRoot(), dir)}/kustomization.yaml lists exactly the manifests beside it`, () => {
      const k = readKustomization(dir);
      const onDisk = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort();
      const listed = k.resources.filter((r) => !fs.statSync(path.resolve(dir, r)).isDirectory()).sort();
      assert.deepEqual(listed, onDisk);
      if (listed.length) assert.equal(k.namespace, 'bitplane');
    });
  }

  it('every folder under deploy/k8s is a kustomization', () => {
    for (const d of fs.readdirSync(K8S, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      assert.ok(fs.existsSync(path.join(K8S, d.name, 'kustomization.yaml')), d.name);
    }
  });

  for (const dir of KUSTOMIZATIONS) {
    const rel = path.relative(fromRoot(), dir);
    it(`kustomize renders ${rel}: the same objects, all in namespace bitplane, each still valid`, { skip: HAS_KUBECTL ? false : 'no kubectl (its built-in kustomize renders the manifests offline)' }, () => {
      const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60000 });
      assert.equal(r.status, 0, r.stderr);
      const rendered = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS() as Manifest);
      const ids = (list: Manifest[]) => list.map((m) => `${m.kind}/${m.metadata.name}`).sort();
      assert.deepEqual(ids(rendered), ids(loadKustomization(dir)));
      for (const m of rendered) {
        if (m.kind !== 'Namespace') assert.equal(m.metadata.namespace, 'bitplane', `${m.kind}/${m.metadata.name}`);
        assert.equal(validateManifest({ ...m, file: 'rendered' }), '', `rendered ${m.kind}/${m.metadata.name}`);
      }
    });
  }

  it('deploy/k8s is the base, so `kubectl apply -k deploy/k8s` applies it', () => {
    assert.deepEqual(readKustomization(K8S).resources, ['base']);
  });

  it('the keda overlay is the base plus the ScaledObject', () => {
    assert.deepEqual(keda.map((m) => `${m.kind}/${m.metadata.name}`).sort(), [...base, find(keda, 'ScaledObject', 'worker')].map((m) => `${m.kind}/${m.metadata.name}`).sort());
  });
});

describe('deploy/k8s schemas', () => {
  it('every object validates (core kinds: kubernetes-models; KEDA, KServe: deploy/schemas)', () => {
    const seen = new Set<string>();
    for (const m of all()) {
      const key = `${m.apiVersion}/${m.kind}`;
      if (seen.has(`${key}/${m.metadata?.name}`)) continue;
      seen.add(`${key}/${m.metadata?.name}`);
      assert.equal(validateManifest(m), '', `${path.relative(fromRoot(), m.file)}: ${key} ${m.metadata?.name}`);
    }
    for (const k of [...Object.keys(CORE), ...Object.keys(CUSTOM)]) assert.ok([...seen].some((s) => s.startsWith(`${k}/`)), `a ${k} is present`);
  });

  it('the containers of the KServe ServingRuntime validate as Kubernetes containers', () => {
    for (const c of find(kserve, 'ServingRuntime', 'bitplane').spec.containers as Obj[]) {
      new Container(c).validate();
    }
  });

  it('the validation has teeth: type errors, unknown KEDA/KServe fields and bad scaler metadata are reported', () => {
    const dep = structuredClone(find(base, 'Deployment', 'inference'));
    dep.spec.template.spec.containers[0].readinessProbe.grpc.port = '8001';
    assert.match(validateManifest(dep), /port must be integer/);
    const so = structuredClone(find(keda, 'ScaledObject', 'worker'));
    so.spec.triggers[0].metadata.listLength = 1;
    assert.match(validateManifest(so), /must be string/);
    const so2 = structuredClone(find(keda, 'ScaledObject', 'worker'));
    so2.spec.minReplicas = 0;
    assert.match(validateManifest(so2), /additional properties/);
    const so3 = structuredClone(find(keda, 'ScaledObject', 'worker'));
    delete so3.spec.triggers[0].metadata.listName;
    assert.match(validateManifest(so3), /listName/);
    const isvc = structuredClone(find(kserve, 'InferenceService', 'bitplane-models'));
    isvc.spec.predictor.model.protocolVersion = 'grpc-v3';
    assert.match(validateManifest(isvc), /allowed values/);
    const sr = structuredClone(find(kserve, 'ServingRuntime', 'bitplane'));
    sr.spec.supportedModelFormat = sr.spec.supportedModelFormats;
    assert.match(validateManifest(sr), /additional properties/);
  });
});

describe('deploy/k8s references and probes', () => {
  it('every workload selects its own pod labels, and every Service selects exactly one workload', () => {
    for (const w of workloads(base)) {
      const labels = w.spec.template.metadata.labels as Record<string, string>;
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels as Record<string, string>)) assert.equal(labels[k], v, `${w.metadata.name} ${k}`);
    }
    for (const s of base.filter((m) => m.kind === 'Service')) {
      const sel = s.spec.selector as Record<string, string>;
      const matches = workloads(base).filter((w) => Object.entries(sel).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
      assert.equal(matches.length, 1, `Service ${s.metadata.name} selects ${matches.length} workloads`);
      const ports = containersOf(matches[0]).flatMap((c) => c.ports ?? []);
      for (const p of s.spec.ports as Obj[]) {
        const target = ports.find((cp: Obj) => cp.name === p.targetPort || cp.containerPort === p.targetPort);
        assert.ok(target, `Service ${s.metadata.name} port ${p.name} -> ${p.targetPort} exists on ${matches[0].metadata.name}`);
        assert.equal(target.containerPort, p.port, `Service ${s.metadata.name} keeps port numbers equal to the container's`);
      }
    }
  });

  it('gRPC services are probed natively on grpc.health.v1 at their declared gRPC port', () => {
    for (const name of ['inference', 'training'] as const) {
      const c = containersOf(find(base, 'Deployment', name))[0];
      const grpcPort = (c.ports as Obj[]).find((p) => p.name === 'grpc').containerPort;
      assert.equal(grpcPort, ROLE_GRPC_PORTS[name], `${name} gRPC port agrees with the health check's default`);
      if (name === 'training') assert.equal(grpcPort, DEFAULT_TRAINING_PORT, 'and with the training service default');
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        assert.deepEqual(c[probe]?.grpc, { port: grpcPort }, `${name} ${probe}`);
      }
    }
  });

  it('every container requests CPU and memory, runs as non-root and cannot escalate', () => {
    for (const w of workloads(base)) {
      const pod = w.spec.template.spec;
      assert.equal(pod.securityContext?.runAsNonRoot, true, w.metadata.name);
      for (const c of pod.containers as Obj[]) {
        assert.ok(c.resources?.requests?.cpu && c.resources?.requests?.memory, `${w.metadata.name}/${c.name} resource requests`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${w.metadata.name}/${c.name}`);
      }
    }
  });

  it('every ConfigMap, Secret and PersistentVolumeClaim a pod names exists', () => {
    const names = (kind: string) => new Set(base.filter((m) => m.kind === kind).map((m) => m.metadata.name));
    const cms = names('ConfigMap');
    const secrets = names('Secret');
    const pvcs = names('PersistentVolumeClaim');
    for (const w of workloads(base)) {
      const pod = w.spec.template.spec;
      for (const c of pod.containers as Obj[]) {
        for (const e of c.envFrom ?? []) {
          if (e.configMapRef) assert.ok(cms.has(e.configMapRef.name), `${w.metadata.name}: ConfigMap ${e.configMapRef.name}`);
          if (e.secretRef) assert.ok(secrets.has(e.secretRef.name), `${w.metadata.name}: Secret ${e.secretRef.name}`);
        }
        for (const vm of c.volumeMounts ?? []) {
          const fromPod = (pod.volumes ?? []).some((v: Obj) => v.name === vm.name);
          const fromTemplate = (w.spec.volumeClaimTemplates ?? []).some((t: Obj) => t.metadata.name === vm.name);
          assert.ok(fromPod || fromTemplate, `${w.metadata.name}: volume ${vm.name}`);
        }
      }
      for (const v of pod.volumes ?? []) if (v.persistentVolumeClaim) assert.ok(pvcs.has(v.persistentVolumeClaim.claimName), `${w.metadata.name}: PVC ${v.persistentVolumeClaim.claimName}`);
    }
    const isvc = find(kserve, 'InferenceService', 'bitplane-models');
    const pvc = /^pvc:\/\/([^/]+)/.exec(isvc.spec.predictor.model.storageUri)?.[1];
    assert.ok(pvc && pvcs.has(pvc), `InferenceService storageUri names the registry PVC (${pvc})`);
  });

  it('the registry PVC is ReadWriteMany (pods on several nodes share it); workers mount it writable, inference read-only', () => {
    assert.deepEqual(find(base, 'PersistentVolumeClaim', 'bitplane-registry').spec.accessModes, ['ReadWriteMany']);
    const mountOf = (name: string) => containersOf(find(base, 'Deployment', name))[0].volumeMounts.find((v: Obj) => v.name === 'registry');
    assert.equal(mountOf('worker').readOnly, undefined);
    assert.equal(mountOf('inference').readOnly, true);
    for (const name of ['worker', 'inference', 'training']) assert.equal(mountOf(name).mountPath, '/models', name);
  });

  it('the HPA scales the inference Deployment on CPU; the ScaledObject scales the worker Deployment', () => {
    const hpa = find(base, 'HorizontalPodAutoscaler', 'inference');
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'inference' });
    assert.ok(hpa.spec.minReplicas >= 2, 'at least two inference replicas for availability');
    const so = find(keda, 'ScaledObject', 'worker');
    find(base, 'Deployment', so.spec.scaleTargetRef.name);
    // The disruption budget covers exactly the inference pods and leaves one serving below the HPA minimum.
    const pdb = find(base, 'PodDisruptionBudget', 'inference');
    assert.deepEqual(pdb.spec.selector.matchLabels, find(base, 'Deployment', 'inference').spec.selector.matchLabels);
    assert.ok(pdb.spec.minAvailable >= 1 && pdb.spec.minAvailable < hpa.spec.minReplicas);
  });

  it('KEDA reads the BullMQ wait and active lists on the Redis the services use', () => {
    const so = find(keda, 'ScaledObject', 'worker');
    const cm = find(base, 'ConfigMap', 'bitplane-config');
    const url = new URL(cm.data.REDIS_URL as string);
    assert.equal(cm.data.REDIS_ADDRESS, `${url.hostname}:${url.port}`, 'REDIS_ADDRESS (for KEDA) is REDIS_URL as host:port');
    const worker = containersOf(find(base, 'Deployment', 'worker'))[0];
    assert.ok((worker.envFrom as Obj[]).some((e) => e.configMapRef?.name === 'bitplane-config'), 'the worker container carries REDIS_ADDRESS for addressFromEnv');
    const lists = (so.spec.triggers as Obj[]).map((t) => {
      assert.equal(t.type, 'redis');
      assert.equal(t.metadata.addressFromEnv, 'REDIS_ADDRESS');
      return t.metadata.listName as string;
    });
    // BullMQ's default key prefix is 'bull'; the queue is the training service's shared constant.
    assert.deepEqual(lists, [`bull:${TRAINING_QUEUE}:wait`, `bull:${TRAINING_QUEUE}:active`]);
    // Redis lives in the namespace that the Service DNS name in REDIS_URL names.
    assert.match(url.hostname, /^redis\.bitplane\.svc(\.cluster\.local)?$/);
  });

  it('the KServe example selects the bitplane runtime and speaks grpc-v2 on the port named h2c', () => {
    const sr = find(kserve, 'ServingRuntime', 'bitplane');
    const isvc = find(kserve, 'InferenceService', 'bitplane-models');
    const model = isvc.spec.predictor.model;
    assert.equal(model.runtime, sr.metadata.name);
    assert.ok((sr.spec.supportedModelFormats as Obj[]).some((f) => f.name === model.modelFormat.name && f.version === model.modelFormat.version));
    assert.ok((sr.spec.protocolVersions as string[]).includes(model.protocolVersion));
    const c = sr.spec.containers[0];
    assert.equal(c.name, 'kserve-container');
    assert.deepEqual(c.args, ['inference']);
    assert.deepEqual(c.ports, [{ name: 'h2c', containerPort: ROLE_GRPC_PORTS.inference, protocol: 'TCP' }]);
    assert.equal(c.env.find((e: Obj) => e.name === 'BITPLANE_REGISTRY').value, '/mnt/models', 'KServe mounts model storage at /mnt/models');
  });
});

describe('deploy: compose, Kubernetes and the Dockerfile agree', () => {
  const compose = readCompose(fromRoot('deploy', 'compose.yaml'));
  const dockerfile = fs.readFileSync(fromRoot('deploy', 'Dockerfile'), 'utf8');
  const composeImage = (compose.services.inference.image as string).replace(/^\$\{BITPLANE_IMAGE:-(.+)\}$/, '$1');

  it('one image tag everywhere: compose default, every Deployment, the ServingRuntime, the kustomization', () => {
    const [name, tag] = composeImage.split(':');
    for (const w of workloads(base).filter((x) => x.metadata.name !== 'redis')) assert.equal(containersOf(w)[0].image, composeImage, w.metadata.name);
    assert.equal(find(kserve, 'ServingRuntime', 'bitplane').spec.containers[0].image, composeImage);
    assert.deepEqual(readKustomization(BASE).images, [{ name, newTag: tag }]);
    assert.equal(tag, (JSON.parse(fs.readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version, 'image tag = package version');
  });

  it('each role runs the same entrypoint argument and container ports in compose and Kubernetes', () => {
    for (const role of ['inference', 'training', 'worker']) {
      const c = containersOf(find(base, 'Deployment', role))[0];
      assert.deepEqual(c.args, compose.services[role].command, role);
      const k8sPorts = ((c.ports ?? []) as Obj[]).map((p) => p.containerPort).sort();
      const composePorts = ((compose.services[role].ports ?? []) as string[]).map((p) => Number(p.split(':')[1])).sort();
      assert.deepEqual(k8sPorts, composePorts, `${role} ports`);
      for (const p of k8sPorts) assert.match(dockerfile, new RegExp(`^EXPOSE .*\\b${p}\\b`, 'm'), `Dockerfile exposes ${p}`);
    }
  });

  it('the same settings reach the containers: registry and datasets paths, backend, admin token, Redis', () => {
    const env = compose.services.training.environment as Record<string, string | null>;
    const cm = find(base, 'ConfigMap', 'bitplane-config').data as Record<string, string>;
    const secret = find(base, 'Secret', 'bitplane-admin').stringData as Record<string, string>;
    for (const k of Object.keys(env)) {
      if (k === 'BITPLANE_THREADS') continue; // optional pass-through in compose; defaults to all cores
      assert.ok(k in cm || k in secret, `${k} is set in Kubernetes too`);
    }
    for (const k of ['BITPLANE_REGISTRY', 'BITPLANE_DATASETS']) {
      assert.equal(cm[k], env[k], k);
      assert.match(dockerfile, new RegExp(`\\b${k}=${env[k]}\\b`), `Dockerfile ENV ${k}`);
    }
    assert.equal(cm.BITPLANE_BACKEND, (env.BITPLANE_BACKEND as string).replace(/^\$\{BITPLANE_BACKEND:-(.+)\}$/, '$1'));
    assert.ok('BITPLANE_ADMIN_TOKEN' in secret, 'the admin token is a Secret, not a ConfigMap entry');
    assert.equal('BITPLANE_ADMIN_TOKEN' in cm, false);
  });
});
