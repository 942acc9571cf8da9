#!/usr/bin/env node
// Builds the cpu kernels addon with node-gyp into build/Release/bitplane_cpu.node (called by scripts/build-native.js,
// which `npm install` / `npm ci` run). Uses the running node's own headers when they are installed beside it
// (Debian / NodeSource / nvm all ship them), so no header download is needed.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const here = __dirname;
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const prefix = path.dirname(path.dirname(process.execPath));
const args = [gyp, 'rebuild', `--jobs=${Math.max(1, os.availableParallelism())}`];
if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

const blas = spawnSync(process.execPath, [path.join(here, 'detect-openblas.js'), 'include'], { encoding: 'utf8' }).stdout;
console.log(`[cpu addon] sgemm: ${blas ? `OpenBLAS (cblas.h in ${blas})` : 'blocked kernel (no OpenBLAS header found; apt-get install libopenblas-dev to use it)'}`);

const r = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`[cpu addon] node-gyp failed (exit ${r.status}); it needs python3, make and g++`);
  process.exit(r.status ?? 1);
}
console.log(`[cpu addon] built ${path.join(here, 'build', 'Release', 'bitplane_cpu.node')}`);
