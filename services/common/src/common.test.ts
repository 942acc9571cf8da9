/** services/common: error table, admin token, metrics endpoint, in-flight cap on a real grpc-js server over loopback. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { Counter } from 'prom-client';
import { CorruptArtifactError, InvalidArgumentError, NotFoundError } from '../../../libs/core/src/errors';
import { Rng } from '../../../libs/core/src/random';
import { checkAdminToken } from './admin-token';
import { concurrencyLimit } from './concurrency-limit';
import { grpcStatusOf, rpcError } from './grpc-errors';
import { createMetricsRegistry, startMetricsServer } from './metrics-server';

test('domain errors map to their gRPC codes; unknown errors to INTERNAL, never UNKNOWN', () => {
  assert.deepEqual(grpcStatusOf(new InvalidArgumentError('bad x')), { code: grpc.status.INVALID_ARGUMENT, message: 'bad x' });
  assert.equal(grpcStatusOf(new NotFoundError('no m')).code, grpc.status.NOT_FOUND);
  assert.equal(grpcStatusOf(new CorruptArtifactError('sha')).code, grpc.status.FAILED_PRECONDITION);
  assert.deepEqual(grpcStatusOf(rpcError(grpc.status.UNAUTHENTICATED, 'who')), { code: grpc.status.UNAUTHENTICATED, message: 'who' });
  assert.equal(grpcStatusOf(new RpcException('plain text')).code, grpc.status.INTERNAL);
  assert.deepEqual(grpcStatusOf(new Error('boom')), { code: grpc.status.INTERNAL, message: 'boom' });
});

test('admin token: open when unset, UNAUTHENTICATED when missing or wrong', () => {
  const seed = Date.now() >>> 0;
  console.log(`seed ${seed}`);
  const rng = new Rng(seed);
  const token = Array.from({ length: 24 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[rng.int(36)]).join('');
  const md = (v?: string): grpc.Metadata => {
    const m = new grpc.Metadata();
    if (v !== undefined) m.set('authorization', v);
    return m;
  };
  checkAdminToken(md(), undefined);
  checkAdminToken(md(`Bearer ${token}`), token);
  for (const bad of [undefined, token, `Bearer ${token}x`, `Bearer ${token.slice(1)}`, 'Basic abc']) {
    assert.throws(
      () => checkAdminToken(md(bad), token),
      (e: unknown) => grpcStatusOf(e).code === grpc.status.UNAUTHENTICATED,
      `'${bad}' must be refused`,
    );
  }
});

test('metrics server answers /metrics with the registry and 404 elsewhere', async () => {
  const registry = createMetricsRegistry('bitplane_test_');
  const c = new Counter({ name: 'bitplane_test_things_total', help: 'things', registers: [registry] });
  c.inc(3);
  const srv = await startMetricsServer(registry, 0, '127.0.0.1');
  try {
    const body = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text();
    assert.match(body, /^bitplane_test_things_total 3$/m);
    assert.match(body, /bitplane_test_process_cpu_user_seconds_total/);
    assert.equal((await fetch(`http://127.0.0.1:${srv.port}/other`)).status, 404);
  } finally {
    await srv.close();
  }
});

test('in-flight cap refuses the call over the limit with RESOURCE_EXHAUSTED and frees slots when calls end', async () => {
  const json = { serialize: (x: unknown) => Buffer.from(JSON.stringify(x)), deserialize: (b: Buffer) => JSON.parse(b.toString()) as unknown };
  const def: grpc.ServiceDefinition = {
    Slow: { path: '/t.T/Slow', requestStream: false, responseStream: false, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize },
  };
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const limit = concurrencyLimit(2);
  const server = new grpc.Server({ interceptors: [limit.interceptor] });
  server.addService(def, { Slow: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => void gate.then(() => cb(null, { ok: call.request })) });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  const Client = grpc.makeGenericClientConstructor(def, 'T');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, (req: unknown, cb: (e: grpc.ServiceError | null, r?: unknown) => void) => void>;
  const call = (i: number): Promise<{ err: grpc.ServiceError | null; res?: unknown }> => new Promise((r) => client.Slow(i, (err, res) => r({ err, res })));
  try {
    const first = [call(1), call(2)];
    for (let i = 0; i < 100 && limit.inFlight() < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(limit.inFlight(), 2);
    const third = await call(3);
    assert.equal(third.err?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(third.err?.details ?? '', /limit 2/);
    release();
    const done = await Promise.all(first);
    assert.deepEqual(done.map((d) => d.res), [{ ok: 1 }, { ok: 2 }]);
    assert.equal(limit.inFlight(), 0);
    assert.deepEqual((await call(4)).res, { ok: 4 });
  } finally {
    (client as unknown as grpc.Client).close();
    server.forceShutdown();
  }
});
