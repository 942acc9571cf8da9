#!/usr/bin/env node
// The bitplane CLI entry: runs the compiled TypeScript in dist/ (built by `npm install` / `npm ci` via `prepare`).
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const main = path.join(__dirname, '..', 'dist', 'bin', 'main.js');
if (!fs.existsSync(main)) {
  console.error(`bitplane is not built (${main} is missing): run 'npm install' or 'npm run build' in ${path.join(__dirname, '..')}`);
  process.exit(1);
}
require(main).run(process.argv);
