/**
 * Each bad-input case against the real server: the status code (never UNKNOWN) and a message that names the input,
 * the model and what was expected, in Triton's wording where Triton has one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { Rng } from '../../../libs/core/src/random';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { unary } from './client/inference-client';
import { TestServer, saveRandomBnnMlp, startTestServer, tempRegistry, testSeed } from './testing/test-server';

const K = 40;

describe('inference gRPC bad input', () => {
  const rng = new Rng(testSeed('inference.bad-input'));
  let registry: ModelRegistry;
  let t: TestServer;

  before(async () => {
    registry = tempRegistry();
    saveRandomBnnMlp(registry, 'bnn', rng, [K, [32], 5]);
    t = await startTestServer(registry, { backend: 'ts', maxMessageBytes: 64 * 1024 });
  });
  after(async () => t.close());

  const infer = (req: object) => unary(t.client, 'ModelInfer', { model_name: 'bnn', ...req });
  const rejects = (p: Promise<unknown>, code: grpc.status, re: RegExp) =>
    assert.rejects(p, (e: grpc.ServiceError) => {
      assert.equal(grpc.status[e.code], grpc.status[code], `code for: ${e.details}`);
      assert.match(e.details, re);
      return true;
    });
  const rawInput = (rows: number, bytes?: Buffer) => ({ inputs: [{ name: 'input', datatype: 'UINT8', shape: [rows, K] }], raw_input_contents: [bytes ?? Buffer.from(rng.bytes(rows * K))] });

  it('unknown model and unknown version: NOT_FOUND', async () => {
    await rejects(unary(t.client, 'ModelInfer', { model_name: 'ghost', ...rawInput(1) }), grpc.status.NOT_FOUND, /Request for unknown model: 'ghost' is not found/);
    await rejects(infer({ model_version: '9', ...rawInput(1) }), grpc.status.NOT_FOUND, /Request for unknown model: 'bnn' version 9 is not found/);
    await rejects(infer({ model_version: 'abc', ...rawInput(1) }), grpc.status.NOT_FOUND, /'bnn' version 'abc' is not found/);
    await rejects(unary(t.client, 'ModelMetadata', { name: 'ghost' }), grpc.status.NOT_FOUND, /'ghost' is not found/);
    await rejects(unary(t.client, 'ModelInfer', { model_name: '../etc', ...rawInput(1) }), grpc.status.NOT_FOUND, /'\.\.\/etc' is not found/);
    // Invented names stay out of the metric labels.
    const metrics = await (await fetch(t.metricsUrl)).text();
    assert.ok(!metrics.includes('model="ghost"'));
    assert.match(metrics, /bitplane_inference_failures_total\{model="_unknown",version="_unknown",protocol="grpc",code="NOT_FOUND"\} 4/);
  });

  it('wrong datatype: INVALID_ARGUMENT in Triton wording', async () => {
    await rejects(
      infer({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, K], contents: { fp32_contents: Array.from({ length: K }, () => rng.next()) } }] }),
      grpc.status.INVALID_ARGUMENT,
      /inference input 'input' data-type is 'FP32', but model 'bnn' expects 'UINT8'/,
    );
    await rejects(infer({ inputs: [{ name: 'input', datatype: 'FLOAT', shape: [1, K] }], raw_input_contents: [Buffer.alloc(K)] }), grpc.status.INVALID_ARGUMENT, /data-type is 'FLOAT', which is not a KServe datatype/);
  });

  it('wrong shape: INVALID_ARGUMENT naming expected and got', async () => {
    await rejects(infer({ inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, K + 1] }], raw_input_contents: [Buffer.alloc(K + 1)] }), grpc.status.INVALID_ARGUMENT, new RegExp(`unexpected shape for input 'input' for model 'bnn'. Expected \\[-1,${K}\\], got \\[1,${K + 1}\\]`));
    await rejects(infer({ inputs: [{ name: 'input', datatype: 'UINT8', shape: [K] }], raw_input_contents: [Buffer.alloc(K)] }), grpc.status.INVALID_ARGUMENT, /unexpected shape for input 'input'.*got \[40\]/);
  });

  it('raw byte length that disagrees with the shape: INVALID_ARGUMENT "input byte size mismatch"', async () => {
    await rejects(infer(rawInput(2, Buffer.from(rng.bytes(2 * K - 3)))), grpc.status.INVALID_ARGUMENT, new RegExp(`input byte size mismatch for input 'input' for model 'bnn'. Expected ${2 * K}, got ${2 * K - 3}`));
  });

  it('typed contents: wrong count or out-of-range values: INVALID_ARGUMENT', async () => {
    await rejects(infer({ inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, K], contents: { uint_contents: [1, 2, 3] } }] }), grpc.status.INVALID_ARGUMENT, new RegExp(`input 'input' for model 'bnn'. Expected ${K}, got 3 in contents.uint_contents`));
    const vals = Array.from(rng.bytes(K));
    vals[7] = 300;
    await rejects(infer({ inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, K], contents: { uint_contents: vals } }] }), grpc.status.INVALID_ARGUMENT, /element 7 of contents.uint_contents \(300\) is outside UINT8's range 0..255/);
  });

  it('contents and raw_input_contents together: INVALID_ARGUMENT', async () => {
    await rejects(
      infer({ inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, K], contents: { uint_contents: Array.from(rng.bytes(K)) } }], raw_input_contents: [Buffer.from(rng.bytes(K))] }),
      grpc.status.INVALID_ARGUMENT,
      /contents field must not be specified when using raw_input_contents for 'input' for model 'bnn'/,
    );
  });

  it('empty batch, missing input, unknown input, duplicated input: INVALID_ARGUMENT', async () => {
    await rejects(infer({ inputs: [{ name: 'input', datatype: 'UINT8', shape: [0, K] }], raw_input_contents: [Buffer.alloc(0)] }), grpc.status.INVALID_ARGUMENT, /input 'input' for model 'bnn' has an empty batch/);
    await rejects(infer({ inputs: [] }), grpc.status.INVALID_ARGUMENT, /expected 1 inputs but got 0 inputs for model 'bnn'/);
    await rejects(infer({ inputs: [{ name: 'pixels', datatype: 'UINT8', shape: [1, K] }], raw_input_contents: [Buffer.alloc(K)] }), grpc.status.INVALID_ARGUMENT, /unexpected inference input 'pixels' for model 'bnn'/);
    await rejects(
      infer({ inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, K] }, { name: 'input', datatype: 'UINT8', shape: [1, K] }], raw_input_contents: [Buffer.alloc(K), Buffer.alloc(K)] }),
      grpc.status.INVALID_ARGUMENT,
      /expected 1 inputs but got 2 inputs for model 'bnn'/,
    );
    await rejects(infer({ inputs: [{ name: 'input', datatype: 'UINT8', shape: [1, K] }], raw_input_contents: [Buffer.alloc(K), Buffer.alloc(K)] }), grpc.status.INVALID_ARGUMENT, /expected 1 raw_input_contents entries/);
  });

  it('message over the configured maximum: RESOURCE_EXHAUSTED', async () => {
    const rows = Math.ceil((64 * 1024) / K) + 10;
    await rejects(infer(rawInput(rows)), grpc.status.RESOURCE_EXHAUSTED, /larger than max|exceeds|too large|Received message/i);
  });
});
