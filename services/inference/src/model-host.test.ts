/**
 * The host interface carries what the next families need, end to end through the real server: a BYTES input
 * (SMILES-like), two outputs (NPN-like mean and variance) and per-stream state over ModelStreamInfer sequences
 * (Phased-LSTM-like), with BYTES both raw (4-byte length prefixes) and typed, and over REST.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Rng } from '../../../libs/core/src/random';
import { unary } from './client/inference-client';
import { registerFamilyHost } from './hosts/family-hosts';
import { encodeRaw } from './tensors/raw';
import { STREAM_STATS_FAMILY, STREAM_STATS_SIGNATURE, createStreamStatsHost } from './testing/stream-stats.host';
import { TestServer, startTestServer, tempRegistry, testSeed } from './testing/test-server';

interface InferResponse {
  outputs: Array<{ name: string; datatype: string; shape: string[] }>;
  raw_output_contents: Buffer[];
}
const f32 = (b: Buffer) => Array.from(new Float32Array(new Uint8Array(b).buffer));
const i32 = (b: Buffer) => Array.from(new Int32Array(new Uint8Array(b).buffer));

function stats(values: number[]): { mean: number[]; variance: number[] } {
  const mean: number[] = [];
  const variance: number[] = [];
  let s = 0;
  let q = 0;
  values.forEach((v, i) => {
    s += Math.fround(v);
    q += Math.fround(v) * Math.fround(v);
    mean.push(Math.fround(s / (i + 1)));
    variance.push(Math.fround(q / (i + 1) - (s / (i + 1)) ** 2));
  });
  return { mean, variance };
}

describe('inference: the host interface fits stateful, BYTES and two-output families', () => {
  const rng = new Rng(testSeed('inference.model-host'));
  let t: TestServer;

  before(async () => {
    registerFamilyHost(STREAM_STATS_FAMILY, createStreamStatsHost);
    const registry = tempRegistry();
    registry.save({ name: 'stats', family: STREAM_STATS_FAMILY, signature: STREAM_STATS_SIGNATURE, config: {} }, {});
    t = await startTestServer(registry, { backend: 'ts' });
  });
  after(async () => t.close());

  const smiles = () => ['CCO', 'c1ccccc1', 'CC(=O)Oc1ccccc1C(=O)O', 'N#N', 'C[C@H](N)C(=O)O'][rng.int(5)] + 'C'.repeat(rng.int(4));
  const request = (values: number[], labels: string[], raw: boolean) =>
    raw
      ? {
          model_name: 'stats',
          inputs: [{ name: 'value', datatype: 'FP32', shape: [values.length, 1] }, { name: 'label', datatype: 'BYTES', shape: [labels.length] }],
          raw_input_contents: [Buffer.from(Float32Array.from(values).buffer), encodeRaw(labels.map((l) => Buffer.from(l)))],
        }
      : {
          model_name: 'stats',
          inputs: [
            { name: 'value', datatype: 'FP32', shape: [values.length, 1], contents: { fp32_contents: values } },
            { name: 'label', datatype: 'BYTES', shape: [labels.length], contents: { bytes_contents: labels.map((l) => Buffer.from(l)) } },
          ],
        };

  it('ModelInfer: BYTES raw and typed give the same answers; two FP32 outputs and an INT32 one', async () => {
    const values = Array.from({ length: 5 }, () => rng.normal());
    const labels = values.map(smiles);
    const want = stats(values);
    for (const raw of [true, false]) {
      const r = await unary<InferResponse>(t.client, 'ModelInfer', request(values, labels, raw));
      assert.deepEqual(r.outputs.map((o) => [o.name, o.datatype, o.shape]), [['mean', 'FP32', ['5']], ['variance', 'FP32', ['5']], ['label_bytes', 'INT32', ['5']]]);
      assert.deepEqual(f32(r.raw_output_contents[0]), want.mean);
      f32(r.raw_output_contents[1]).forEach((v, i) => assert.ok(Math.abs(v - want.variance[i]) < 1e-5));
      assert.deepEqual(i32(r.raw_output_contents[2]), labels.map((l) => Buffer.byteLength(l)));
    }
    await assert.rejects(
      unary(t.client, 'ModelInfer', { model_name: 'stats', inputs: [{ name: 'value', datatype: 'FP32', shape: [1, 1] }, { name: 'label', datatype: 'BYTES', shape: [1] }], raw_input_contents: [Buffer.alloc(4), Buffer.from([9, 0, 0, 0, 65])] }),
      (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /BYTES element 0 declares 9 bytes but only 1 remain/.test(e.details),
    );
  });

  it('ModelStreamInfer keeps state per sequence_id across requests; sequence_start resets it', async () => {
    const call = (t.client as unknown as { ModelStreamInfer(): grpc.ClientDuplexStream<object, { error_message: string; infer_response: InferResponse }> }).ModelStreamInfer();
    const got: Array<{ error_message: string; infer_response: InferResponse }> = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('data', (m) => got.push(m));
      call.on('end', resolve);
      call.on('error', reject);
    });
    const a = [rng.normal(), rng.normal(), rng.normal()];
    const b = [rng.normal(), rng.normal()];
    const seq = (id: string, extra: Record<string, object> = {}) => ({ sequence_id: { string_param: id }, ...extra });
    call.write({ ...request([a[0]], ['C'], true), parameters: seq('a') });
    call.write({ ...request([b[0]], ['CC'], false), parameters: seq('b') });
    call.write({ ...request([a[1], a[2]], ['CCC', 'N'], true), parameters: seq('a') });
    call.write({ ...request([b[1]], ['O'], true), parameters: seq('b', { sequence_start: { bool_param: true } }) });
    call.end();
    await ended;
    assert.deepEqual(got.map((m) => m.error_message), ['', '', '', '']);
    const means = got.map((m) => f32(m.infer_response.raw_output_contents[0]));
    assert.deepEqual(means[0], stats([a[0]]).mean);
    assert.deepEqual(means[1], stats([b[0]]).mean);
    assert.deepEqual(means[2], stats(a).mean.slice(1), 'sequence a continued from its first request');
    assert.deepEqual(means[3], stats([b[1]]).mean, 'sequence_start reset sequence b');
  });

  it('REST carries BYTES as strings', async () => {
    const labels = [smiles(), smiles()];
    const r = await fetch(`${t.httpUrl}/v2/models/stats/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'value', shape: [2, 1], datatype: 'FP32', data: [1.5, 2.5] }, { name: 'label', shape: [2], datatype: 'BYTES', data: labels }] }),
    });
    const body = (await r.json()) as { outputs: Array<{ name: string; data: number[] }> };
    assert.equal(r.status, 200, JSON.stringify(body));
    assert.deepEqual(body.outputs.find((o) => o.name === 'mean')!.data, [1.5, 2]);
    assert.deepEqual(body.outputs.find((o) => o.name === 'label_bytes')!.data, labels.map((l) => Buffer.byteLength(l)));
  });
});
