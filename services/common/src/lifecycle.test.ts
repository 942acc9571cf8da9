/** services/common: call signals (client cancel, deadline) on a real grpc-js server; the graceful-shutdown sequence. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { abortSignalForCall, CallAbortedError } from './call-signal';
import { installGracefulShutdown } from './graceful-shutdown';
import { ServiceHealth } from './health';
import { createLogger } from './logger';

const json = { serialize: (x: unknown) => Buffer.from(JSON.stringify(x)), deserialize: (b: Buffer) => JSON.parse(b.toString()) as unknown };
const def: grpc.ServiceDefinition = {
  Wait: { path: '/t.T/Wait', requestStream: false, responseStream: false, requestSerialize: json.serialize, requestDeserialize: json.deserialize, responseSerialize: json.serialize, responseDeserialize: json.deserialize },
};

test('abortSignalForCall aborts with DEADLINE_EXCEEDED when the deadline passes and CANCELLED when the client cancels', async () => {
  const reasons: Array<CallAbortedError | undefined> = [];
  let arrived!: () => void;
  let handled = new Promise<void>((r) => (arrived = r));
  const server = new grpc.Server();
  server.addService(def, {
    Wait: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      const { signal, dispose } = abortSignalForCall(call);
      arrived();
      // Long work that only stops when the call's signal fires.
      const t = setTimeout(() => cb(null, { done: true }), 10000);
      signal.addEventListener('abort', () => {
        clearTimeout(t);
        reasons.push(signal.reason as CallAbortedError);
        dispose();
        cb({ code: (signal.reason as CallAbortedError).code, details: (signal.reason as Error).message });
      });
    },
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  const Client = grpc.makeGenericClientConstructor(def, 'T');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Wait(req: unknown, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null) => void): grpc.ClientUnaryCall;
  };
  try {
    const t0 = Date.now();
    const e1 = await new Promise<grpc.ServiceError | null>((r) => client.Wait({}, { deadline: Date.now() + 300 }, r));
    assert.equal(e1?.code, grpc.status.DEADLINE_EXCEEDED);
    for (let i = 0; i < 100 && reasons.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(reasons[0]?.code, grpc.status.DEADLINE_EXCEEDED, 'the handler saw the deadline');
    assert.ok(Date.now() - t0 < 5000);
    handled = new Promise<void>((r) => (arrived = r));
    const e2 = new Promise<grpc.ServiceError | null>((r) => {
      const call = client.Wait({}, {}, r);
      void handled.then(() => call.cancel());
    });
    assert.equal((await e2)?.code, grpc.status.CANCELLED);
    for (let i = 0; i < 100 && reasons.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(reasons[1]?.code, grpc.status.CANCELLED, 'the handler saw the client cancel');
  } finally {
    client.close();
    server.forceShutdown();
  }
});

test('graceful shutdown: NOT_SERVING, stream signal aborted, close awaited, exit 0; an overrun is forced and still exits 0', async () => {
  const log = createLogger('test', 'silent');
  const health = new ServiceHealth(['svc.A']);
  const order: string[] = [];
  const exits: number[] = [];
  const g = installGracefulShutdown({
    logger: log,
    health,
    signals: [],
    exit: (c) => exits.push(c),
    close: async () => {
      order.push(`close sees signal aborted=${g.signal.aborted}`);
      await new Promise((r) => setTimeout(r, 50));
      order.push('closed');
    },
  });
  await Promise.all([g.shutdown('test'), g.shutdown('again')]);
  assert.deepEqual(order, ['close sees signal aborted=true', 'closed']);
  assert.deepEqual(exits, [0]);
  const statuses = Object.fromEntries((health.implementation as unknown as { statusMap: Map<string, string> }).statusMap);
  assert.deepEqual(statuses, { '': 'NOT_SERVING', 'svc.A': 'NOT_SERVING' });

  let forced = false;
  const slow = installGracefulShutdown({ logger: log, signals: [], timeoutMs: 100, exit: (c) => exits.push(c), close: () => new Promise(() => undefined), force: () => (forced = true) });
  await slow.shutdown('test');
  assert.ok(forced);
  assert.deepEqual(exits, [0, 0]);
});
