/** External EDA tools (iverilog, yosys, verilator, nextpnr, g++): finding them and running them with clear errors. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, NotFoundError } from '../libs/core/src/errors';

/** Install hints per tool (Debian package names). */
const INSTALL: Record<string, string> = {
  iverilog: 'apt-get install iverilog',
  vvp: 'apt-get install iverilog',
  yosys: 'apt-get install yosys',
  verilator: 'apt-get install verilator',
  'nextpnr-ice40': 'apt-get install nextpnr-ice40 fpga-icestorm',
  'g++': 'apt-get install g++',
};

/** Absolute path of a tool on PATH, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Throws a NotFoundError naming the tool and how to install it when it is missing. */
export function requireTool(name: string): string {
  const p = findTool(name);
  if (!p) throw new NotFoundError(`${name} is not installed (${INSTALL[name] ?? 'install it'}) or not on PATH`);
  return p;
}

/** Output of a tool run. */
export interface ToolRun {
  status: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a tool (a name on PATH, or a path to an executable) to completion in `cwd`. */
export function runTool(name: string, args: string[], cwd: string, timeoutMs = 30 * 60_000): ToolRun {
  const exe = name.includes(path.sep) ? name : requireTool(name);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(exe, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) throw new Error(`${name} failed to run: ${r.error.message}`);
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, seconds };
}

/** Reads an export folder's JSON description (design.json), naming the folder and the export command when absent. */
export function readDesignFile<T>(dir: string, file: string, target: string, format: string): T {
  const p = path.join(dir, file);
  if (!fs.existsSync(p)) throw new InvalidArgumentError(`${dir} is not a ${target} export (no ${file}); create one with 'bitplane export <model> --target ${target} --out ${dir}'`);
  const d = JSON.parse(fs.readFileSync(p, 'utf8')) as { format?: string };
  if (d.format !== format) throw new InvalidArgumentError(`${p}: format '${String(d.format)}' is not '${format}'; re-export with this version of bitplane`);
  return d as T;
}
