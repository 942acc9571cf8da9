/**
 * The container image, checked without a Docker engine: the Dockerfile lints clean (dockerfile-utils, the linter
 * behind the VS Code Docker extension) and has the promised shape (multi-stage, npm ci in the build stage, a
 * compiler-free non-root runtime, a gRPC health check, tini + the entrypoint); .dockerignore keeps what `npm ci`
 * needs; and deploy/stage-runtime.sh, which the build stage runs, stages a tree whose CLI, entrypoint and health
 * check really start, with every asset the code reads through fromRoot().
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { fromRoot } from '../libs/core/src/paths';
import { ROLE_GRPC_PORTS, ROLE_PORT_ENV, ROLES } from './healthcheck';

const DOCKERFILE = fromRoot('deploy', 'Dockerfile');
// The outDir this test was compiled into (this file is <outDir>/deploy/image.test.js).
const OUT_DIR = path.resolve(__dirname, '..');

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i];
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i])) continue;
      line = line.slice(0, -1) + ' ' + lines[i].trim();
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (m) out.push({ keyword: m[1].toUpperCase(), args: m[2].trim(), line: start + 1 });
  }
  return out;
}

/** Instructions grouped by build stage, keyed by stage name. */
function stages(instr: Instruction[]): Map<string, Instruction[]> {
  const map = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const i of instr) {
    if (i.keyword === 'FROM') {
      const name = /\bAS\s+(\S+)$/i.exec(i.args)?.[1] ?? `stage${map.size}`;
      current = [i];
      map.set(name, current);
    } else current?.push(i);
  }
  return map;
}

/** Docker's .dockerignore pattern test (path relative to the context, '/'-separated). */
function ignoredBy(patterns: string[], file: string): string | undefined {
  let hit: string | undefined;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const p = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(
      '^' +
        p
          .split('**')
          .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
          .join('.*') +
        '(/.*)?$',
    );
    if (re.test(file)) hit = negate ? undefined : raw;
  }
  return hit;
}

describe('deploy/Dockerfile', () => {
  const text = fs.readFileSync(DOCKERFILE, 'utf8');
  const instr = parseDockerfile(text);
  const byStage = stages(instr);

  it('lints clean with dockerfile-utils, and the linter catches a broken one', () => {
    const problems = lintDockerfile(text, {}).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    assert.deepEqual(problems, []);
    const broken = text.replace('HEALTHCHECK --interval', 'HEALTHCHECK --intervl').replace(/^USER /m, 'USR ');
    assert.equal(lintDockerfile(broken, {}).length, 2, 'a misspelt flag and instruction are reported');
  });

  it('builds in a separate stage with npm ci, and the runtime copies only from it', () => {
    assert.deepEqual([...byStage.keys()], ['build', 'runtime']);
    const build = byStage.get('build') ?? [];
    const runtime = byStage.get('runtime') ?? [];
    assert.ok(build.some((i) => i.keyword === 'RUN' && /^sh deploy\/build-runtime\.sh \/src \/out$/.test(i.args)), 'the build stage is deploy/build-runtime.sh');
    // build-runtime.sh, in order: npm ci (which runs prepare: native addons + tsc), production dependencies only,
    // the staged tree, the shrunk node_modules.
    const steps = fs
      .readFileSync(fromRoot('deploy', 'build-runtime.sh'), 'utf8')
      .split('\n')
      .filter((l) => /^(npm|sh|mv) /.test(l));
    assert.deepEqual(
      steps.map((l) => l.split(' ').slice(0, 2).join(' ').replace(/"\$here\/(.*)"/, '$1')),
      ['npm ci', 'npm prune', 'sh stage-runtime.sh', 'mv node_modules', 'sh prune-node-modules.sh'],
    );
    assert.match(steps[1], /--omit=dev/);
    for (const c of runtime.filter((i) => i.keyword === 'COPY')) assert.match(c.args, /^--from=build\s/, `runtime COPY at line ${c.line} takes build output only`);
    const runtimeRuns = runtime.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
    assert.doesNotMatch(runtimeRuns, /\b(g\+\+|gcc|make|python3|build-essential|libopenblas-dev)\b/, 'no compiler or headers in the runtime image');
  });

  it('runs as a fixed non-root uid, with a gRPC health check and tini in front of the role entrypoint', () => {
    const runtime = byStage.get('runtime') ?? [];
    const user = runtime.filter((i) => i.keyword === 'USER').pop();
    assert.ok(user, 'USER in the runtime stage');
    assert.match(user.args, /^[1-9][0-9]{3,}(:[1-9][0-9]*)?$/, 'numeric non-root uid, so runAsNonRoot can verify it');
    const hc = runtime.find((i) => i.keyword === 'HEALTHCHECK');
    assert.ok(hc);
    assert.match(hc.args, /CMD \["node", "\/app\/dist\/deploy\/healthcheck\.js"\]/);
    assert.doesNotMatch(text, /grpc_health_probe/, 'no downloaded probe binary');
    const ep = runtime.find((i) => i.keyword === 'ENTRYPOINT');
    assert.deepEqual(JSON.parse(ep?.args ?? 'null'), ['/usr/bin/tini', '--', '/app/deploy/docker-entrypoint.sh']);
    assert.ok(runtime.some((i) => i.keyword === 'RUN' && /\btini\b/.test(i.args)), 'tini installed');
  });

  it('uses no BuildKit-only syntax, so docker-compose 1.29 (classic builder) can build it', () => {
    assert.doesNotMatch(text, /RUN\s+--mount|^#\s*syntax=|<<\s*EOF/m);
  });
});

describe('.dockerignore', () => {
  const patterns = fs
    .readFileSync(fromRoot('.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps local builds, dependencies and VCS data out of the build context', () => {
    for (const f of ['node_modules/x/index.js', 'dist/bin/main.js', '.build/deploy/x.js', '.git/HEAD', 'libs/kernels/native/cpu/build/Release/bitplane_cpu.node', 'models/m/1/manifest.json']) {
      assert.ok(ignoredBy(patterns, f), `${f} is ignored`);
    }
  });

  it('sends every tracked file that npm ci / prepare and the image need', () => {
    const r = spawnSync('git', ['ls-files'], { cwd: fromRoot(), encoding: 'utf8' });
    const tracked = r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
    const needed = tracked.filter((f) => /^(package(-lock)?\.json|tsconfig[^/]*\.json|scripts\/|libs\/|bin\/|proto\/|services\/|exporters\/|hardware\/|deploy\/(Dockerfile|[a-z-]+\.sh|healthcheck\.ts))/.test(f));
    for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build-native.js', 'deploy/Dockerfile']) assert.ok(fs.existsSync(fromRoot(f)), f);
    const dropped = needed.filter((f) => ignoredBy(patterns, f));
    assert.deepEqual(dropped, []);
  });
});

describe('deploy/prune-node-modules.sh', () => {
  it('drops source maps and the onnxruntime-node binaries of other platforms, and nothing else', () => {
    const nm = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-nm-'));
    try {
      const bin = path.join(nm, 'onnxruntime-node', 'bin', 'napi-v6');
      const files = [
        ...['darwin/arm64', 'darwin/x64', 'win32/x64', 'linux/arm64', 'linux/x64'].map((d) => path.join(bin, d, 'onnxruntime_binding.node')),
        path.join(nm, 'pkg', 'index.js'),
        path.join(nm, 'pkg', 'index.js.map'),
        path.join(nm, 'pkg', 'lib', 'util.js.map'),
      ];
      for (const f of files) {
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, 'x');
      }
      const r = spawnSync('sh', [fromRoot('deploy', 'prune-node-modules.sh'), nm], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const left = files.filter((f) => fs.existsSync(f)).map((f) => path.relative(nm, f));
      assert.deepEqual(left, [path.join('onnxruntime-node', 'bin', 'napi-v6', process.platform, process.arch, 'onnxruntime_binding.node'), path.join('pkg', 'index.js')]);
    } finally {
      fs.rmSync(nm, { recursive: true, force: true });
    }
  });
});

describe('deploy/stage-runtime.sh and the entrypoint', () => {
  let stage = '';

  before(() => {
    stage = fs.mkdtempSync(path.join(os.tmpdir(), 'bitplane-stage-'));
    const r = spawnSync('sh', [fromRoot('deploy', 'stage-runtime.sh'), fromRoot(), stage, OUT_DIR], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // The Dockerfile copies the pruned node_modules beside the staged tree; here the repository's stands in.
    fs.symlinkSync(fromRoot('node_modules'), path.join(stage, 'node_modules'), 'dir');
  });
  after(() => {
    if (stage) fs.rmSync(stage, { recursive: true, force: true });
  });

  const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(cmd, args, { cwd: stage, encoding: 'utf8', timeout: 60000, env: { PATH: process.env.PATH, HOME: stage, ...env } });

  it('stages compiled code without tests, and the CLI starts from the staged tree alone', () => {
    assert.ok(fs.existsSync(path.join(stage, 'dist', 'bin', 'main.js')));
    assert.ok(fs.existsSync(path.join(stage, 'dist', 'deploy', 'healthcheck.js')));
    const tests: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (e.name.endsWith('.test.js') || e.name.endsWith('.ts')) tests.push(path.join(d, e.name));
      }
    };
    walk(path.join(stage, 'dist'));
    assert.deepEqual(tests, []);
    const r = run(process.execPath, [path.join(stage, 'bin', 'bitplane.js'), '--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), (JSON.parse(fs.readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version);
  });

  it('stages every file the code reads through fromRoot()', () => {
    const sources: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory() && !['node_modules', 'build'].includes(e.name)) walk(p);
        else if (e.name.endsWith('.ts') && !/\.(test|bench)\.ts$/.test(e.name)) sources.push(p); // tests and benchmarks stay out of the image
      }
    };
    for (const d of ['bin', 'libs', 'services', 'exporters', 'hardware']) if (fs.existsSync(fromRoot(d))) walk(fromRoot(d));
    const refs = new Set<string>();
    for (const f of sources) {
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/fromRoot\(((?:\s*'[^']*'\s*,?)+)/g)) {
        refs.add(path.join(...[...m[1].matchAll(/'([^']*)'/g)].map((x) => x[1])));
      }
    }
    assert.ok(refs.size > 0);
    const missing = [...refs].filter((r) => !r.startsWith('libs/kernels/native') && fs.existsSync(fromRoot(r)) && !fs.existsSync(path.join(stage, r)));
    assert.deepEqual(missing, [], 'assets read at run time are in the image');
    // Native addons: whatever this tree has built is staged.
    for (const which of ['cpu', 'cuda']) {
      const rel = path.join('libs', 'kernels', 'native', which, 'build', 'Release');
      if (!fs.existsSync(fromRoot(rel))) continue;
      for (const f of fs.readdirSync(fromRoot(rel)).filter((n) => n.endsWith('.node'))) assert.ok(fs.existsSync(path.join(stage, rel, f)), `${rel}/${f}`);
    }
  });

  it('the staged tree loads the same kernel backends as the build tree (the native addons came along)', () => {
    const availability = (cli: string) => {
      const r = run(process.execPath, [cli, 'backends'], { BITPLANE_BACKEND: 'auto' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout
        .split('\n')
        .filter((l) => /^(ts|cpu|cuda)\s/.test(l))
        .map((l) => l.split(/\s+/).slice(0, 2).join(' '));
    };
    const built = availability(path.join(OUT_DIR, 'bin', 'main.js'));
    assert.ok(built.includes('ts available'));
    assert.deepEqual(availability(path.join(stage, 'bin', 'bitplane.js')), built);
  });

  it('every shared library the staged addons link is in the runtime image (a package its Dockerfile installs)', (t) => {
    const addons = ['cpu', 'cuda']
      .map((w) => path.join(stage, 'libs', 'kernels', 'native', w, 'build', 'Release'))
      .filter((d) => fs.existsSync(d))
      .flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.node')).map((f) => path.join(d, f)));
    if (!addons.length || spawnSync('ldd', ['--version']).status !== 0 || spawnSync('apt-cache', ['--version']).status !== 0) {
      t.skip(addons.length ? 'ldd or apt-cache missing' : 'no native addon built in this tree');
      return;
    }
    // What node:20-bookworm-slim already has (node itself needs these), and the runtime stage's apt packages with
    // everything they depend on.
    const base = /^(linux-vdso|libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|ld-linux[-\w]*)\.so/;
    const runtimeRun = (stages(parseDockerfile(fs.readFileSync(DOCKERFILE, 'utf8'))).get('runtime') ?? []).filter((i) => i.keyword === 'RUN').map((i) => i.args).join(' ');
    const installed = [...runtimeRun.matchAll(/apt-get install -y --no-install-recommends ([^&;]+)/g)].flatMap((m) => m[1].trim().split(/\s+/)).filter((p) => /^[a-z0-9][a-z0-9.+-]+$/.test(p));
    const deps = spawnSync('apt-cache', ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...installed], { encoding: 'utf8' });
    // apt-cache prints each package of the closure unindented on its own line.
    const available = new Set((deps.stdout.match(/^[a-z0-9][a-z0-9.+:-]*$/gm) ?? []).map((p) => p.replace(/:amd64$/, '')));
    for (const addon of addons) {
      if (addon.includes(`${path.sep}cuda${path.sep}`)) continue; // loaded only where a GPU driver exists; cudart is static
      const ldd = spawnSync('ldd', [addon], { encoding: 'utf8' }).stdout;
      for (const m of ldd.matchAll(/^\s*(\S+\.so[.\d]*)\s+=>\s+(\S+)/gm)) {
        if (base.test(m[1])) continue;
        const owner = spawnSync('dpkg', ['-S', fs.realpathSync(m[2])], { encoding: 'utf8' }).stdout.split(':')[0].trim();
        assert.ok(owner && available.has(owner), `${path.basename(addon)} links ${m[1]} (${m[2]}, package '${owner || 'none'}'), which the runtime stage does not install`);
      }
    }
  });

  it('the entrypoint runs CLI commands from the staged tree and refuses unknown roles', () => {
    const ep = path.join(stage, 'deploy', 'docker-entrypoint.sh');
    assert.ok(fs.statSync(ep).mode & 0o111, 'entrypoint is executable');
    const v = run(ep, ['bitplane', '--version']);
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
    // Each role starts its CLI command, whose --help documents the gRPC port and the variable the health check reads.
    const commands = { inference: 'serve', training: 'training-service', worker: 'worker' } as const;
    for (const role of ROLES) {
      const h = run(ep, [role, '--help']);
      assert.equal(h.status, 0, `${role}: ${h.stderr}`);
      assert.match(h.stdout, new RegExp(`^Usage: bitplane ${commands[role]} `, 'm'), role);
      if (role !== 'worker') {
        const text = h.stdout.replace(/\s+/g, ' ');
        assert.match(text, new RegExp(`--port <n> gRPC port \\(env ${ROLE_PORT_ENV[role]}, default ${ROLE_GRPC_PORTS[role]}\\)`), `${role} port flag, env and default`);
      }
    }
    const bad = run(ep, ['trainer']);
    assert.equal(bad.status, 64);
    assert.match(bad.stderr, /unknown role 'trainer'/);
    assert.equal(run(ep, []).status, 64);
  });
});
