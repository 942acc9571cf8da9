#!/usr/bin/env node
// Runs every compiled test (dist/**/*.test.js) with node's built-in test runner.
// Usage: node scripts/run-tests.js [path-substring ...]   e.g. `npm test -- kernels` runs only matching files.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
// BITPLANE_DIST lets several builds coexist (e.g. `tsc --outDir .build/x` then BITPLANE_DIST=.build/x).
const dist = path.resolve(root, process.env.BITPLANE_DIST || 'dist');
const filters = process.argv.slice(2);

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = walk(dist, [])
  .filter((f) => !filters.length || filters.some((s) => path.relative(root, f).includes(s)))
  .sort();
if (!files.length) {
  console.error(`no test files under ${dist}${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}
const args = ['--test', '--test-reporter=spec', `--test-concurrency=${process.env.BITPLANE_TEST_CONCURRENCY ?? 2}`, ...files];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
