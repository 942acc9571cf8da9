import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, freshSeed } from '../../libs/core/src/random';
import { TsBackend } from '../../libs/kernels/src/ts/ts-backend';
import { bnnMlpForward } from '../../libs/models/bnn-mlp/model';
import { randomBnnMlp } from '../../libs/models/bnn-mlp/testing';
import { OUTPUT_ACC, bnnMlpBitplaneGraph } from './bitplane-graph';
import { exposeOutput } from './expose-output';
import { DataType } from './onnx-schema';
import { OnnxSession } from './onnx-session';

test('bit-plane ONNX equals bnnMlpForward on random models and inputs (onnxruntime)', async () => {
  const seed = freshSeed();
  console.log(`seed ${seed}`);
  const rng = new Rng(seed);
  const shapes: Array<[number, number[], number]> = [
    [1 + rng.int(150), [1 + rng.int(130), 1 + rng.int(70)], 2 + rng.int(11)],
    [64, [64], 10],
    [70 + rng.int(60), [], 3 + rng.int(5)],
    [5 + rng.int(200), [65 + rng.int(10), 63, 1 + rng.int(20)], 1 + rng.int(7)],
  ];
  for (const [k, hidden, c] of shapes) {
    const m = randomBnnMlp(rng, k, hidden, c);
    const n = 1 + rng.int(40);
    const x = rng.bytes(n * k);
    const want = bnnMlpForward(m, new TsBackend(), x, n);
    const bytes = exposeOutput(bnnMlpBitplaneGraph(m).encode(), OUTPUT_ACC, DataType.INT32, [-1, c]);
    const s = await OnnxSession.create(bytes);
    const got = await s.run(x, n, k, ['logits', OUTPUT_ACC], 7);
    await s.release();
    assert.deepEqual(got[OUTPUT_ACC], want.acc, `accumulators, shape ${k}-${hidden.join('-')}-${c}`);
    assert.deepEqual(got.logits, want.logits, `logits, shape ${k}-${hidden.join('-')}-${c}`);
  }
});
