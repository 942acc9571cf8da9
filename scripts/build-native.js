#!/usr/bin/env node
// Builds the native addons: libs/kernels/native/<name>/build.js for each addon. The cpu addon is required;
// the cuda addon is built only where nvcc is found, and its failure never fails the install.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const nativeDir = path.join(__dirname, '..', 'libs', 'kernels', 'native');
let failed = false;
for (const name of ['cpu', 'cuda']) {
  const script = path.join(nativeDir, name, 'build.js');
  if (!fs.existsSync(script)) continue;
  console.log(`[build-native] ${name}`);
  const r = spawnSync(process.execPath, [script], { stdio: 'inherit' });
  if (r.status !== 0) {
    if (name === 'cpu') failed = true;
    console.error(`[build-native] ${name} addon build failed (exit ${r.status})${name === 'cpu' ? '' : '; the cuda backend will report itself unavailable'}`);
  }
}
process.exit(failed ? 1 : 0);
