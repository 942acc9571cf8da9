import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { describe, it } from 'node:test';
import { parseCsv } from './csv';
import { FASHION_MNIST_DIR, loadMnistLike, parseIdx } from './idx';

describe('dataset readers', () => {
  it('parses IDX (plain and gzip) and refuses bad magic and truncation', () => {
    const header = Buffer.from([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]);
    const bytes = Buffer.concat([header, Buffer.from([1, 2, 3, 4, 5, 6])]);
    assert.deepEqual(parseIdx(bytes), { dims: [2, 3], data: new Uint8Array([1, 2, 3, 4, 5, 6]) });
    assert.deepEqual(parseIdx(zlib.gzipSync(bytes)).dims, [2, 3]);
    assert.throws(() => parseIdx(bytes.subarray(0, 15)), /IDX data is 3 bytes/);
    assert.throws(() => parseIdx(Buffer.from([1, 2, 3, 4])), /bad magic/);
  });

  it('reads Fashion-MNIST from the Debian package', { skip: fs.existsSync(FASHION_MNIST_DIR) ? false : `${FASHION_MNIST_DIR} missing (apt-get install dataset-fashion-mnist)` }, () => {
    const ds = loadMnistLike();
    assert.equal(ds.train.count, 60000);
    assert.equal(ds.test.count, 10000);
    assert.equal(ds.train.rows * ds.train.cols, 784);
    assert.equal(ds.classes, 10);
  });

  it('parses CSV with class labels, a named label column and regression targets', () => {
    const text = 'a,b,kind\n1,2,cat\n3.5,-1,dog\n0,0,cat\n';
    const ds = parseCsv(text);
    assert.deepEqual([...ds.features], [1, 2, 3.5, -1, 0, 0]);
    assert.deepEqual(ds.classes, ['cat', 'dog']);
    assert.deepEqual([...ds.labels], [0, 1, 0]);
    const reg = parseCsv('y,x\n1.5,2\n2.5,3\n', { label: 'y', regression: true });
    assert.deepEqual([...reg.labels], [1.5, 2.5]);
    assert.deepEqual(reg.featureNames, ['x']);
    assert.throws(() => parseCsv('a,b\nx,1\n'), /row 2, column 'a' is 'x'/);
    assert.throws(() => parseCsv('a,b\n1,2\n', { label: 'zz' }), /label column 'zz' not found/);
  });
});
