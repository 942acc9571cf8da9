/**
 * The cuda backend's own tests. Without a GPU (CI, most machines): the addon was built wherever nvcc exists, it
 * holds no dynamic dependency on the CUDA runtime, it loads, the binding rejects bad sizes itself, and the status
 * reads "unavailable: <reason>" with that reason thrown by getBackend('cuda'). With a GPU: larger shapes than the
 * conformance grid (full 128 x 128 tiles, several K steps, the small-batch kernel) agree with ts bit for bit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { rowBytes } from '../../../core/src/bitplanes';
import { Rng, freshSeed } from '../../../core/src/random';
import { getBackend } from '../select';
import { TsBackend } from '../ts/ts-backend';
import { assertBinaryOpsMatchTs, randomPacked } from '../testing/binary-ops-check';
import { CudaProbe, cudaAddonPath, loadCudaAddon } from './cuda-addon';
import { CudaBackend, cudaBackendStatus, statusFromProbe } from './cuda-backend';

const seed = freshSeed();
const rng = new Rng(seed);
const status = cudaBackendStatus();
console.log(`cuda backend tests seed ${seed}; cuda: ${status.available ? 'available on ' : ''}${status.detail}`);

function findOnPath(name: string): string | undefined {
  const dirs = [...['CUDA_HOME', 'CUDA_PATH'].filter((v) => process.env[v]).map((v) => path.join(process.env[v]!, 'bin')), ...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/cuda/bin'];
  return dirs.filter(Boolean).map((d) => path.join(d, name)).find((p) => fs.existsSync(p));
}

const nvcc = findOnPath('nvcc');
const load = loadCudaAddon();

describe('cuda addon build', () => {
  it('was built by npm install where nvcc exists', { skip: nvcc ? false : 'nvcc not found here, so the addon is not expected' }, () => {
    assert.ok(fs.existsSync(cudaAddonPath()), `nvcc is at ${nvcc} but ${cudaAddonPath()} is missing; run node libs/kernels/native/cuda/build.js`);
    assert.ok('addon' in load, `the addon exists but does not load: ${'reason' in load ? load.reason : ''}`);
  });

  const ldd = findOnPath('ldd') ?? (fs.existsSync('/usr/bin/ldd') ? '/usr/bin/ldd' : undefined);
  it('links the CUDA runtime statically (loads with only the driver installed)', { skip: !fs.existsSync(cudaAddonPath()) ? 'addon not built' : !ldd ? 'ldd not found' : false }, () => {
    const r = spawnSync(ldd!, [cudaAddonPath()], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /libcudart|libcublas/, `dynamic CUDA libraries in:\n${r.stdout}`);
    assert.match(r.stdout, /libc\.so/, 'ldd listed no libraries at all; this check would prove nothing');
  });

  it('re-checks sizes in the binding itself (no read past a short buffer)', { skip: 'addon' in load ? false : 'addon not loadable' }, () => {
    if (!('addon' in load)) return;
    const a = load.addon;
    const k = 65;
    const rb = rowBytes(k);
    assert.throws(() => a.xnorGemm(new Uint8Array(rb * 2 - 1), 2, new Uint8Array(rb * 3), 3, k, new Int32Array(6)), (e: Error) => e instanceof RangeError && /a has 31 elements, expected 32/.test(e.message));
    assert.throws(() => a.xnorGemm(new Uint8Array(rb * 2), 2, new Uint8Array(rb * 3), 3, k, new Int32Array(5)), /out has 5 elements, expected 6/);
    assert.throws(() => a.bitplaneGemm(new Uint8Array(2 * k), 2, new Uint8Array(rb * 3), 3, k, new Float32Array(6) as unknown as Int32Array), (e: Error) => e instanceof TypeError && /out must be a Int32Array/.test(e.message));
    assert.throws(() => a.sgemm(false, false, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0, new Float32Array(4)), /k must be a positive 32-bit integer/);
    assert.throws(() => a.sgemm(false, false, 2, 2, 2, NaN, new Float32Array(4), new Float32Array(4), 0, new Float32Array(4)), /alpha must be finite/);
    assert.throws(() => a.xnorGemmThreshold(new Uint8Array(rb), 1, new Uint8Array(rb), 1, k, new Int32Array(1), new Int8Array(1), new Uint8Array(7)), /out has 7 elements, expected 8/);
  });
});

describe('cuda backend status', () => {
  it('without a device reads "unavailable: <reason>" and getBackend throws that reason', { skip: status.available ? `a device is present: ${status.detail}` : false }, () => {
    assert.equal(status.name, 'cuda');
    assert.equal(status.available, false);
    assert.match(status.detail, /^unavailable: \S.{10,}/);
    if ('addon' in load) {
      // The addon is here, so the reason must come from the runtime (driver or device), not from the build.
      assert.match(status.detail, /CUDA driver|CUDA device|CUDA runtime|no kernels for/);
    }
    assert.throws(() => getBackend('cuda'), (e: Error) => e.message.includes(status.detail));
  });

  it('with a device names it', { skip: status.available ? false : `cuda ${status.detail}` }, () => {
    assert.match(status.detail, /sm_\d+/);
    assert.equal(getBackend('cuda').name, 'cuda');
  });

  it('maps what the runtime reports to a reason', () => {
    const base: CudaProbe = { deviceCount: 0, errorName: '', error: '', name: '', major: 0, minor: 0, multiprocessors: 0, driverVersion: 0, runtimeVersion: 13000, kernelImage: false, kernelImageError: '' };
    const noDriver = statusFromProbe({ ...base, errorName: 'cudaErrorInsufficientDriver', error: 'CUDA driver version is insufficient for CUDA runtime version' });
    assert.deepEqual([noDriver.available, /^unavailable: no usable CUDA driver .*CUDA 13\.0/.test(noDriver.detail)], [false, true], noDriver.detail);
    const noDevice = statusFromProbe({ ...base, errorName: 'cudaErrorNoDevice', error: 'no CUDA-capable device is detected' });
    assert.match(noDevice.detail, /^unavailable: no CUDA device \(cudaGetDeviceCount: cudaErrorNoDevice/);
    assert.match(statusFromProbe({ ...base, driverVersion: 13000 }).detail, /^unavailable: no CUDA device \(cudaGetDeviceCount found 0 devices\)/);
    const device = { ...base, deviceCount: 1, name: 'NVIDIA H100 80GB HBM3', major: 9, minor: 0, multiprocessors: 132, driverVersion: 13000 };
    assert.match(statusFromProbe({ ...device, kernelImageError: 'cudaErrorNoKernelImageForDevice: no kernel image is available' }).detail, /^unavailable: this build has no kernels for NVIDIA H100 80GB HBM3 \(sm_90/);
    assert.deepEqual(statusFromProbe({ ...device, kernelImage: true }), { name: 'cuda', available: true, detail: 'NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, driver 13.0, runtime 13.0)' });
  });
});

describe('cuda backend on larger shapes (GPU)', { skip: status.available ? false : `cuda ${status.detail}` }, () => {
  const ref = new TsBackend();
  // Full and partial 128 x 128 tiles, several 8- and 4-word K steps, and batches 1..4 (warp-per-weight-row kernel).
  const shapes: Array<[number, number, number]> = [[300, 260, 1000], [128, 128, 512], [129, 257, 2049], [1, 1000, 4096], [4, 130, 777], [5, 3, 10000]];

  it('xnorGemm, bitplaneGemm and their threshold forms equal ts bit for bit', () => {
    const cuda = getBackend('cuda');
    assertBinaryOpsMatchTs(cuda, rng, seed, shapes);
  });

  it('binaryWeightGemm and sgemm agree with ts within float32 rounding', () => {
    const cuda = getBackend('cuda');
    const close = (got: Float32Array, want: Float32Array, what: string) => {
      for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])) * 10, `${what}: [${i}] ${got[i]} vs ${want[i]} (seed ${seed})`);
    };
    for (const [n, m, k] of [[300, 260, 1000], [1, 513, 300]] as Array<[number, number, number]>) {
      const w = randomPacked(rng, m, k);
      const x = Float32Array.from({ length: n * k }, () => rng.normal());
      close(cuda.binaryWeightGemm(x, n, w), ref.binaryWeightGemm(x, n, w), `binaryWeightGemm n=${n} m=${m} k=${k}`);
    }
    for (const [m, n, k] of [[257, 130, 300], [128, 256, 64]] as Array<[number, number, number]>) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
        const a = Float32Array.from({ length: m * k }, () => rng.normal());
        const b = Float32Array.from({ length: k * n }, () => rng.normal());
        const c = Float32Array.from({ length: m * n }, () => rng.normal());
        close(cuda.sgemm(ta, tb, m, n, k, 1.25, a, b, -0.5, Float32Array.from(c)), ref.sgemm(ta, tb, m, n, k, 1.25, a, b, -0.5, Float32Array.from(c)), `sgemm ${m}x${n}x${k} ta=${ta} tb=${tb}`);
      }
    }
  });

  it('writes into a given output, and repeated calls of different sizes reuse the device buffers correctly', () => {
    const cuda = getBackend('cuda') as CudaBackend;
    for (const [n, m, k] of [[200, 300, 3000], [3, 5, 70], [200, 300, 3000]] as Array<[number, number, number]>) {
      const a = randomPacked(rng, n, k);
      const w = randomPacked(rng, m, k);
      const out = new Int32Array(n * m).fill(0x5a5a5a5a);
      assert.equal(cuda.xnorGemm(a, w, out), out);
      assert.deepEqual(out, ref.xnorGemm(a, w), `xnorGemm into out n=${n} m=${m} k=${k} seed=${seed}`);
      assert.ok(cuda.lastKernelMs() > 0, 'kernel time was not recorded');
    }
  });
});
