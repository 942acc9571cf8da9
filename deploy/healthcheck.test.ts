/**
 * The container health check, run as the image runs it (a separate node process) against a real grpc-js server
 * carrying grpc.health.v1 and against a real Redis.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { startRedis, TestRedis } from '../libs/testing/redis';
import { roleFromCommandLine } from './healthcheck';

// The compiled script beside this compiled test (whatever outDir the build used).
const SCRIPT = path.join(__dirname, 'healthcheck.js');

interface Run {
  code: number | null;
  out: string;
}

function runCheck(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('deploy/healthcheck (grpc.health.v1 client used by the image HEALTHCHECK)', () => {
  const health = new HealthImplementation({ '': 'SERVING', 'inference.GRPCInferenceService': 'NOT_SERVING' });
  const server = new grpc.Server();
  let address = '';

  before(async () => {
    health.addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    address = `127.0.0.1:${port}`;
  });
  after(() => server.forceShutdown());

  it('exits 0 when the server reports SERVING', async () => {
    const r = await runCheck([address]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /healthy: .*SERVING/);
  });

  it('exits 1 naming the status when a service is NOT_SERVING', async () => {
    const r = await runCheck([address, '--service', 'inference.GRPCInferenceService']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /unhealthy: .*NOT_SERVING/);
  });

  it('follows status changes (a draining server turns unhealthy)', async () => {
    health.setStatus('', 'NOT_SERVING');
    try {
      const r = await runCheck([address]);
      assert.equal(r.code, 1, r.out);
    } finally {
      health.setStatus('', 'SERVING');
    }
    assert.equal((await runCheck([address])).code, 0);
  });

  it('exits 1 with NOT_FOUND for a service name the server does not know', async () => {
    const r = await runCheck([address, '--service', 'no.such.Service']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /NOT_FOUND/);
  });

  it('finds a role\'s address from $BITPLANE_HEALTH_ADDRESS', async () => {
    const r = await runCheck(['inference'], { BITPLANE_HEALTH_ADDRESS: address });
    assert.equal(r.code, 0, r.out);
  });

  it('exits 1 with UNAVAILABLE when nothing listens', async () => {
    // Bind and release a port so that nothing is listening on it.
    const probe = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      probe.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    probe.forceShutdown();
    const r = await runCheck([`127.0.0.1:${port}`, '--timeout-ms', '2000']);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /UNAVAILABLE|DEADLINE_EXCEEDED/);
  });

  it('rejects a target that is neither a role nor HOST:PORT, and bad options', async () => {
    assert.equal((await runCheck(['nonsense'])).code, 2);
    const r = await runCheck([address, '--timeout-ms', 'soon']);
    assert.equal(r.code, 2);
    assert.match(r.out, /--timeout-ms/);
  });

  it('reads the role from PID 1\'s command line as tini starts the entrypoint', () => {
    assert.equal(roleFromCommandLine('/usr/bin/tini\0--\0/app/deploy/docker-entrypoint.sh\0worker\0'), 'worker');
    assert.equal(roleFromCommandLine(['/usr/bin/tini', '--', '/app/deploy/docker-entrypoint.sh', 'inference', '--port', '9001', ''].join('\0')), 'inference');
    assert.equal(roleFromCommandLine('node\0server.js\0'), undefined);
  });
});

describe('deploy/healthcheck worker role (Redis PING)', () => {
  let redis: TestRedis | undefined;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('exits 0 while Redis answers and 1 once it is gone', async () => {
    assert.ok(redis);
    const ok = await runCheck(['worker'], { REDIS_URL: redis.url });
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /PONG/);
    await redis.stop();
    const gone = await runCheck(['worker', '--timeout-ms', '2000'], { REDIS_URL: redis.url });
    redis = undefined;
    assert.equal(gone.code, 1, gone.out);
  });
});

describe('deploy/healthcheck over TLS', () => {
  const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-hc-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const server = new grpc.Server();
  let address = '';

  before(async () => {
    if (!hasOpenssl) return;
    // A self-signed certificate for a name that is not the loopback address the check connects to.
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=inference.bitplane.svc'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    new HealthImplementation({ '': 'SERVING' }).addToServer(server);
    const creds = grpc.ServerCredentials.createSsl(null, [{ cert_chain: fs.readFileSync(cert), private_key: fs.readFileSync(key) }], false);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p))));
    address = `127.0.0.1:${port}`;
  });
  after(() => {
    server.forceShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('speaks TLS when the container\'s service has a certificate ($BITPLANE_TLS_CERT), and plaintext then fails', { skip: hasOpenssl ? false : 'openssl not installed: cannot make a test certificate' }, async () => {
    const tls = await runCheck(['training'], { BITPLANE_HEALTH_ADDRESS: address, BITPLANE_TLS_CERT: cert });
    assert.equal(tls.code, 0, tls.out);
    const ca = await runCheck([address, '--ca', cert]);
    assert.equal(ca.code, 0, ca.out);
    const plain = await runCheck([address, '--timeout-ms', '2000']);
    assert.equal(plain.code, 1, plain.out);
    const missing = await runCheck([address, '--ca', path.join(dir, 'nope.pem')]);
    assert.equal(missing.code, 2);
    assert.match(missing.out, /not found/);
  });
});
