#!/usr/bin/env node
// Runs one benchmark: `npm run bench -- <name> [args]` runs dist/bench/<name>.bench.js, which prints a table and
// writes bench-results/<name>.json (format in docs/architecture.md, Benchmarks).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const [name, ...args] = process.argv.slice(2);
const dir = path.join(__dirname, '..', 'dist', 'bench');
const available = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.bench.js')).map((f) => f.replace('.bench.js', '')) : [];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [args]; benchmarks: ${available.join(', ') || '(none built)'}`);
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--max-old-space-size=8192', path.join(dir, `${name}.bench.js`), ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
