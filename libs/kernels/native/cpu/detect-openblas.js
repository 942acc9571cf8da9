#!/usr/bin/env node
// Prints where OpenBLAS is, for binding.gyp: `include` prints the folder of an OpenBLAS cblas.h, `lib` the folder of
// libopenblas.so; both print nothing when OpenBLAS is absent or BITPLANE_NO_OPENBLAS=1 (the blocked sgemm is built then).
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function multiarch() {
  try {
    return execFileSync('gcc', ['-print-multiarch'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** Folders that may hold OpenBLAS's cblas.h (Debian's multiarch alternatives first) and its library. */
function find() {
  if (process.env.BITPLANE_NO_OPENBLAS === '1') return null;
  const ma = multiarch();
  const incs = [];
  const libs = [];
  for (const variant of ['openblas-pthread', 'openblas-openmp', 'openblas-serial']) {
    if (ma) incs.push(`/usr/include/${ma}/${variant}`);
    if (ma) libs.push(`/usr/lib/${ma}/${variant}`);
  }
  if (ma) incs.push(`/usr/include/${ma}`);
  incs.push('/usr/include/openblas', '/usr/local/include', '/usr/include', '/opt/OpenBLAS/include');
  if (ma) libs.unshift(`/usr/lib/${ma}`);
  libs.push('/usr/lib64', '/usr/lib', '/usr/local/lib', '/opt/OpenBLAS/lib');
  // Only an OpenBLAS cblas.h will do: the reference CBLAS header lacks openblas_set_num_threads.
  const inc = incs.find((d) => {
    const h = path.join(d, 'cblas.h');
    return fs.existsSync(h) && fs.readFileSync(h, 'utf8').includes('openblas_set_num_threads');
  });
  const lib = libs.find((d) => fs.existsSync(path.join(d, 'libopenblas.so')));
  return inc && lib ? { inc, lib } : null;
}

const what = process.argv[2];
const found = find();
process.stdout.write(found ? (what === 'lib' ? found.lib : found.inc) : '');
