import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { Rng, freshSeed } from '../../libs/core/src/random';
import { GraphBuilder } from './graph-builder';
import { matmulModel } from './matmul-model';
import { DataType, decodeModel } from './onnx-schema';

test('matmulModel runs in onnxruntime and equals a plain float32 product', async () => {
  const seed = freshSeed();
  console.log(`seed ${seed}`);
  const rng = new Rng(seed);
  const m = 3 + rng.int(5), k = 5 + rng.int(40), n = 2 + rng.int(9);
  const a = Float32Array.from({ length: m * k }, () => rng.normal());
  const b = Float32Array.from({ length: k * n }, () => rng.normal());
  const session = await ort.InferenceSession.create(matmulModel(-1, k, n));
  const out = await session.run({ a: new ort.Tensor('float32', a, [m, k]), b: new ort.Tensor('float32', b, [k, n]) });
  const y = out.y.data as Float32Array;
  assert.deepEqual(out.y.dims, [m, n]);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += a[i * k + q] * b[q * n + j];
      assert.ok(Math.abs(y[i * n + j] - s) <= 1e-4 * (1 + Math.abs(s)), `y[${i},${j}] = ${y[i * n + j]}, expected ${s}`);
    }
  }
});

test('builder output is deterministic and decodes back to what was built', () => {
  const build = () => {
    const g = new GraphBuilder('t').opset('qonnx.custom_op.general', 1);
    g.input('x', DataType.UINT8, [-1, 7]);
    const w = g.initializer('w', Uint8Array.from([1, 2, 3, 250, 7, 8, 9]), [7]);
    g.node('BitwiseXor', ['x', w], ['y'], { b: 2, a: 'str', c: { float: 2 }, d: [1, 2] });
    g.output('y', DataType.UINT8, [-1, 7]);
    g.annotate('y', { finn_datatype: 'UINT8' });
    return g.encode({ doc: 'test' });
  };
  const one = build();
  assert.deepEqual(Buffer.from(build()), Buffer.from(one));
  const m = decodeModel(one);
  assert.equal(m.ir_version, 8);
  assert.deepEqual(m.opset_import, [{ domain: '', version: 18 }, { domain: 'qonnx.custom_op.general', version: 1 }]);
  const node = m.graph!.node![0];
  assert.equal(node.op_type, 'BitwiseXor');
  assert.deepEqual(node.attribute!.map((a) => a.name), ['a', 'b', 'c', 'd']);
  assert.equal(node.attribute![2].f, 2);
  assert.deepEqual([...m.graph!.initializer![0].raw_data!], [1, 2, 3, 250, 7, 8, 9]);
  assert.equal(m.graph!.input![0].type!.tensor_type!.shape!.dim![0].dim_param, 'batch');
  assert.deepEqual(m.graph!.quantization_annotation, [{ tensor_name: 'y', quant_parameter_tensor_names: [{ key: 'finn_datatype', value: 'UINT8' }] }]);
});

test('a value defined twice is refused, naming it', () => {
  const g = new GraphBuilder('t');
  g.input('x', DataType.FLOAT, [1]);
  assert.throws(() => g.node('Identity', ['x'], ['x']), /value 'x' is defined twice/);
});
