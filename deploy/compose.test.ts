/**
 * deploy/compose.yaml: the topology it promises (Redis with persistence, training service, N workers, inference,
 * one shared registry volume), and that the real Compose implementations accept it: Debian's docker-compose 1.29
 * (`docker-compose config`) and, where a Docker CLI with the compose plugin exists, Compose v2.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { fromRoot } from '../libs/core/src/paths';
import { readCompose } from './manifests';

const COMPOSE_FILE = fromRoot('deploy', 'compose.yaml');
const BITPLANE_SERVICES = ['training', 'worker', 'inference'] as const;

/** Every key path in a parsed YAML value, e.g. services.worker.healthcheck.start_interval. */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

function binaryAnswers(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 20000 });
  return r.status === 0;
}

const HAS_COMPOSE_V1 = binaryAnswers('docker-compose', ['version']);
const HAS_COMPOSE_V2 = binaryAnswers('docker', ['compose', 'version']);

function composeConfig(cmd: string[], file: string, env: NodeJS.ProcessEnv = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync(cmd[0], [...cmd.slice(1), '-f', file, 'config'], {
    encoding: 'utf8',
    timeout: 60000,
    // No ambient BITPLANE_* from the developer's shell: defaults are what is checked.
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? os.tmpdir(), ...env },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe('deploy/compose.yaml topology', () => {
  const compose = readCompose(COMPOSE_FILE);
  const svc = compose.services;

  it('uses nothing docker-compose 1.29 rejects: no top-level name, no start_interval', () => {
    assert.equal('name' in compose, false, 'top-level name: is Compose v2 only');
    const bad = keyPaths(compose).filter((p) => p.endsWith('.start_interval'));
    assert.deepEqual(bad, [], 'start_interval is Compose v2.20+ only');
  });

  it('has redis, training, worker and inference, the bitplane ones from one image built from deploy/Dockerfile', () => {
    assert.deepEqual(Object.keys(svc).sort(), ['inference', 'redis', 'training', 'worker']);
    const images = new Set(BITPLANE_SERVICES.map((s) => svc[s].image));
    assert.equal(images.size, 1, `one image for every role, got ${[...images].join(', ')}`);
    for (const s of BITPLANE_SERVICES) {
      assert.equal(svc[s].build?.dockerfile, 'deploy/Dockerfile', s);
      assert.equal(path.resolve(path.dirname(COMPOSE_FILE), svc[s].build.context), fromRoot(), `${s} builds from the repository root`);
      assert.equal(svc[s].command[0], s, `${s} starts the image's '${s}' role`);
    }
  });

  it('keeps Redis on a volume with an append-only file and noeviction (BullMQ loses nothing)', () => {
    const redis = svc.redis;
    assert.ok(redis.volumes.some((v: string) => /^redis-data:\/data(:rw)?$/.test(v)), 'redis data volume at /data');
    assert.ok('redis-data' in (compose.volumes ?? {}), 'redis-data is a named volume');
    const args: string[] = redis.command;
    assert.equal(args[args.indexOf('--appendonly') + 1], 'yes');
    assert.equal(args[args.indexOf('--maxmemory-policy') + 1], 'noeviction');
    assert.deepEqual(redis.healthcheck.test, ['CMD', 'redis-cli', 'ping']);
  });

  it('shares one registry volume: workers write it, inference reads it, every service sees the same path', () => {
    assert.ok('registry' in (compose.volumes ?? {}));
    const mount = (s: string) => (svc[s].volumes as string[]).find((v) => v.startsWith('registry:'));
    assert.equal(mount('worker'), 'registry:/models');
    assert.equal(mount('training'), 'registry:/models');
    assert.equal(mount('inference'), 'registry:/models:ro');
    for (const s of BITPLANE_SERVICES) {
      assert.equal(svc[s].environment.BITPLANE_REGISTRY, '/models', s);
      assert.equal(svc[s].environment.REDIS_URL, 'redis://redis:6379', s);
    }
  });

  it('runs N workers (deploy.replicas, and --scale works since workers publish no ports)', () => {
    assert.ok(svc.worker.deploy?.replicas !== undefined, 'worker deploy.replicas');
    assert.equal(svc.worker.ports, undefined);
    assert.equal(svc.worker.container_name, undefined, 'a container_name would forbid more than one worker');
  });

  it('publishes the documented ports: inference 8000-8002, training 8011-8012, Redis none', () => {
    const published = (s: string) => ((svc[s].ports ?? []) as string[]).map((p) => p.split(':').map(Number));
    assert.deepEqual(published('inference'), [[8000, 8000], [8001, 8001], [8002, 8002]]);
    assert.deepEqual(published('training'), [[8011, 8011], [8012, 8012]]);
    assert.deepEqual(published('redis'), []);
    // The header comment documents each published port.
    const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
    for (const p of [8000, 8001, 8002, 8011, 8012]) assert.match(text, new RegExp(`^#\\s+${p}\\s+\\w+`, 'm'), `port ${p} documented`);
  });

  it('health-checks every bitplane service with the image\'s grpc.health.v1 script for its role', () => {
    for (const s of BITPLANE_SERVICES) {
      assert.deepEqual(svc[s].healthcheck.test, ['CMD', 'node', '/app/dist/deploy/healthcheck.js', s], s);
    }
    // The queue's users wait for a healthy Redis; inference does not use Redis at all.
    for (const s of ['training', 'worker']) assert.equal(svc[s].depends_on?.redis?.condition, 'service_healthy', s);
    assert.equal(svc.inference.depends_on, undefined);
  });
});

describe('deploy/compose.yaml accepted by Compose', () => {
  it('docker-compose 1.29 (Debian) accepts it: `docker-compose config`', { skip: HAS_COMPOSE_V1 ? false : "no docker-compose binary (Debian: apt-get install docker-compose)" }, () => {
    const r = composeConfig(['docker-compose'], COMPOSE_FILE);
    assert.equal(r.status, 0, r.err);
    const resolved = YAML.parse(r.out) as { services: Record<string, { deploy?: { replicas?: number }; environment?: Record<string, string | null> }> };
    assert.equal(resolved.services.worker.deploy?.replicas, 2, 'BITPLANE_WORKERS defaults to 2');
    assert.equal(resolved.services.inference.environment?.BITPLANE_ADMIN_TOKEN, '', 'no token = open control RPCs');
  });

  it('docker-compose 1.29 interpolates BITPLANE_WORKERS and BITPLANE_ADMIN_TOKEN from the environment', { skip: HAS_COMPOSE_V1 ? false : 'no docker-compose binary' }, () => {
    const r = composeConfig(['docker-compose'], COMPOSE_FILE, { BITPLANE_WORKERS: '5', BITPLANE_ADMIN_TOKEN: 's3cret' });
    assert.equal(r.status, 0, r.err);
    const resolved = YAML.parse(r.out) as { services: Record<string, { deploy?: { replicas?: number }; environment?: Record<string, string> }> };
    assert.equal(resolved.services.worker.deploy?.replicas, 5);
    for (const s of BITPLANE_SERVICES) assert.equal(resolved.services[s].environment?.BITPLANE_ADMIN_TOKEN, 's3cret', s);
  });

  it('the check has teeth: docker-compose 1.29 rejects start_interval and a top-level name', { skip: HAS_COMPOSE_V1 ? false : 'no docker-compose binary' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-compose-'));
    try {
      const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
      const withInterval = path.join(dir, 'interval.yaml');
      fs.writeFileSync(withInterval, text.replace(/^(\s+)start_period: 30s$/m, '$1start_period: 30s\n$1start_interval: 2s'));
      const a = composeConfig(['docker-compose'], withInterval);
      assert.notEqual(a.status, 0);
      assert.match(a.err, /start_interval/);
      const withName = path.join(dir, 'name.yaml');
      fs.writeFileSync(withName, `name: bitplane\n${text}`);
      const b = composeConfig(['docker-compose'], withName);
      assert.notEqual(b.status, 0);
      assert.match(b.err, /'name'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Compose v2 accepts it: `docker compose config`', { skip: HAS_COMPOSE_V2 ? false : 'no Docker CLI with the compose plugin here' }, () => {
    const r = composeConfig(['docker', 'compose'], COMPOSE_FILE);
    assert.equal(r.status, 0, r.err);
    const resolved = YAML.parse(r.out) as { services: Record<string, unknown> };
    assert.deepEqual(Object.keys(resolved.services).sort(), ['inference', 'redis', 'training', 'worker']);
  });
});
