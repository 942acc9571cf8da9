#!/usr/bin/env node
// Builds the CUDA addon build/Release/bitplane_cuda.node with nvcc: the kernels for sm_80 and sm_90 (plus PTX for
// later GPUs), the Node-API binding, and the CUDA runtime linked statically, so the file loads wherever the
// NVIDIA driver is installed (no CUDA toolkit needed at run time) and the cpu addon never depends on it.
// No nvcc: prints so and exits 0. Called by scripts/build-native.js during `npm install`; that script never lets
// a failure here fail the install. Usage: node build.js [--force] [--no-emulation]
// Also builds, with the host C++ compiler alone, build/Emulation/bitplane_cuda_emulated.node: the same sources
// compiled for the CPU emulation in emulate/ (a test-only check of the kernels' logic on machines without a GPU;
// never loaded as the cuda backend).
// Environment: CUDA_HOME / CUDA_PATH (toolkit), BITPLANE_NODE_HEADERS (a folder holding node_api.h),
// BITPLANE_NODE_ADDON_API (a folder holding napi.h), BITPLANE_CUDA_ARCHS (e.g. "80,90"; default 80,90).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const here = __dirname;
const root = path.resolve(here, '..', '..', '..', '..');
const srcDir = path.join(here, 'src');
const buildDir = path.join(here, 'build');
const objDir = path.join(buildDir, 'obj');
const output = path.join(buildDir, 'Release', 'bitplane_cuda.node');
const emulated = path.join(buildDir, 'Emulation', 'bitplane_cuda_emulated.node');
const force = process.argv.includes('--force');

function log(msg) {
  console.log(`[cuda] ${msg}`);
}

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** nvcc from CUDA_HOME / CUDA_PATH, PATH, or the usual install folder. */
function findNvcc() {
  const candidates = [];
  for (const v of ['CUDA_HOME', 'CUDA_PATH']) if (process.env[v]) candidates.push(path.join(process.env[v], 'bin', 'nvcc'));
  for (const dir of (process.env.PATH || '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 'nvcc'));
  candidates.push('/usr/local/cuda/bin/nvcc');
  return candidates.find(isFile);
}

/** The folder holding node_api.h (Node-API is ABI-stable, so any Node >= 18 headers do). */
function findNodeHeaders() {
  const candidates = [];
  if (process.env.BITPLANE_NODE_HEADERS) candidates.push(process.env.BITPLANE_NODE_HEADERS);
  if (process.env.npm_config_nodedir) candidates.push(path.join(process.env.npm_config_nodedir, 'include', 'node'));
  candidates.push(path.resolve(path.dirname(process.execPath), '..', 'include', 'node'));
  candidates.push('/usr/include/node', '/usr/local/include/node');
  const cache = path.join(os.homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node');
  candidates.push(cache);
  return candidates.find((d) => isFile(path.join(d, 'node_api.h')));
}

function findAddonApi() {
  const candidates = [];
  if (process.env.BITPLANE_NODE_ADDON_API) candidates.push(process.env.BITPLANE_NODE_ADDON_API);
  candidates.push(path.join(root, 'node_modules', 'node-addon-api'));
  return candidates.find((d) => isFile(path.join(d, 'napi.h')));
}

function run(cmd, args) {
  log(`${path.basename(cmd)} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} exited with ${r.status}`);
}

/** -gencode flags: SASS for each wanted arch this nvcc knows, PTX of the highest for later GPUs to JIT. */
function gencodeFlags(nvcc) {
  const wanted = (process.env.BITPLANE_CUDA_ARCHS || '80,90').split(',').map((s) => s.trim()).filter(Boolean);
  const listed = spawnSync(nvcc, ['--list-gpu-arch'], { encoding: 'utf8' });
  const known = new Set((listed.stdout || '').split(/\s+/).filter((s) => s.startsWith('compute_')).map((s) => s.slice('compute_'.length)));
  const archs = known.size ? wanted.filter((a) => known.has(a)) : wanted;
  const skipped = wanted.filter((a) => !archs.includes(a));
  if (skipped.length) log(`this nvcc does not know sm_${skipped.join(', sm_')}; skipping`);
  if (!archs.length) throw new Error(`none of the wanted architectures (${wanted.join(', ')}) is known to this nvcc`);
  const flags = [];
  for (const a of archs) flags.push('-gencode', `arch=compute_${a},code=sm_${a}`);
  const top = archs[archs.length - 1];
  flags.push('-gencode', `arch=compute_${top},code=compute_${top}`);
  return { flags, archs };
}

function newestMtime(files) {
  return Math.max(...files.map((f) => fs.statSync(f).mtimeMs));
}

function sourcesOf(dir) {
  return fs.readdirSync(dir).map((f) => path.join(dir, f));
}

function upToDate(file, inputs) {
  return !force && isFile(file) && fs.statSync(file).mtimeMs > newestMtime([...inputs, path.join(here, 'build.js')]);
}

function headers() {
  const nodeHeaders = findNodeHeaders();
  if (!nodeHeaders) throw new Error('node_api.h not found; set BITPLANE_NODE_HEADERS or npm_config_nodedir (e.g. /usr)');
  const addonApi = findAddonApi();
  if (!addonApi) throw new Error('node-addon-api not found (npm install, or set BITPLANE_NODE_ADDON_API)');
  return { nodeHeaders, addonApi };
}

/** The real addon, with nvcc. */
function buildDevice(nvcc) {
  const sources = sourcesOf(srcDir);
  const compiled = sources.filter((f) => f.endsWith('.cu') || f.endsWith('.cc'));
  if (upToDate(output, sources)) {
    log(`${path.relative(root, output)} is up to date`);
    return;
  }
  const { nodeHeaders, addonApi } = headers();
  const { flags: gencode, archs } = gencodeFlags(nvcc);
  log(`nvcc ${nvcc}; architectures sm_${archs.join(', sm_')} + PTX compute_${archs[archs.length - 1]}; node headers ${nodeHeaders}`);

  fs.mkdirSync(objDir, { recursive: true });
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const common = ['-O3', '-std=c++17', '-Xcompiler', '-fPIC,-fvisibility=hidden', `-I${nodeHeaders}`, `-I${addonApi}`, '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED'];
  const objects = [];
  for (const src of compiled) {
    const obj = path.join(objDir, `${path.basename(src)}.o`);
    const args = [...common, '-c', src, '-o', obj];
    // Device code: every architecture, and register / spill counts printed so a spill shows in the build log.
    if (src.endsWith('.cu')) args.unshift(...gencode, '--threads', '0', '-Xptxas', '-warn-spills');
    run(nvcc, args);
    objects.push(obj);
  }
  const tmp = `${output}.tmp-${process.pid}`;
  run(nvcc, ['-shared', '--cudart', 'static', ...gencode, '-o', tmp, ...objects, '-ldl', '-lpthread', '-lrt']);
  fs.renameSync(tmp, output);
  log(`built ${path.relative(root, output)}`);
}

/** A C++20 compiler for the emulation: $CXX, else g++ or c++ on PATH. */
function findCxx() {
  if (process.env.CXX) return process.env.CXX;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    for (const name of ['g++', 'c++']) if (dir && isFile(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** The same sources for the CPU emulation (emulate/ stands in for the CUDA runtime and thread model). */
function buildEmulation(cxx) {
  const emulateDir = path.join(here, 'emulate');
  const sources = [...sourcesOf(srcDir), ...sourcesOf(emulateDir)];
  if (upToDate(emulated, sources)) {
    log(`${path.relative(root, emulated)} is up to date`);
    return;
  }
  const { nodeHeaders, addonApi } = headers();
  const compiled = sourcesOf(srcDir).filter((f) => f.endsWith('.cu') || f.endsWith('.cc'));
  fs.mkdirSync(path.dirname(emulated), { recursive: true });
  const tmp = `${emulated}.tmp-${process.pid}`;
  run(cxx, ['-std=c++20', '-O2', '-fPIC', '-shared', '-pthread', '-fvisibility=hidden', '-DBITPLANE_CUDA_EMULATION', '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED',
    `-I${emulateDir}`, `-I${srcDir}`, `-I${nodeHeaders}`, `-I${addonApi}`, '-x', 'c++', ...compiled, '-o', tmp]);
  fs.renameSync(tmp, emulated);
  log(`built ${path.relative(root, emulated)} (CPU emulation, for tests only)`);
}

function main() {
  let failed = false;
  const nvcc = findNvcc();
  if (!nvcc) {
    log('nvcc not found (set CUDA_HOME or put nvcc on PATH); skipping the CUDA addon: the cuda backend will report itself unavailable');
  } else {
    try {
      buildDevice(nvcc);
    } catch (e) {
      console.error(`[cuda] build failed: ${e.message}`);
      failed = true;
    }
  }
  const cxx = findCxx();
  if (!cxx) {
    log('no C++ compiler found; skipping the CPU emulation of the kernels (its tests will skip)');
  } else if (!process.argv.includes('--no-emulation')) {
    try {
      buildEmulation(cxx);
    } catch (e) {
      console.error(`[cuda] emulation build failed: ${e.message}`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
