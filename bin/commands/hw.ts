/** `bitplane hw sim|synth|csim DIR`: checks of Verilog and HLS exports (iverilog, yosys + nextpnr-ice40, g++). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { csim } from '../../hardware/csim';
import { simulate } from '../../hardware/sim';
import { SYNTH_DEVICES, formatSynthReport, synthesize } from '../../hardware/synth';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`'${v}' is not a positive integer`);
  return n;
}

/** Registers the command. */
export function register(program: Command): void {
  const hw = program.command('hw').description('simulate, synthesise or C-simulate a Verilog / HLS export');

  hw.command('sim')
    .description('run the self-checking testbench of a Verilog export with iverilog; exits 1 on any mismatch')
    .argument('<dir>', 'folder written by `bitplane export ... --target verilog`')
    .option('--images <n>', 'images to stream (default: the export\'s default, 32 or fewer; env BITPLANE_SIM_IMAGES)', positiveInt)
    .option('--stall', 'random valid/ready gaps on both streams (exercises back-pressure; cycle counts then include the gaps)')
    .option('--seed <n>', 'seed of the random stalls', positiveInt)
    .action((dir: string, opts: { images?: number; stall?: boolean; seed?: number }) => {
      const images = opts.images ?? (process.env.BITPLANE_SIM_IMAGES ? positiveInt(process.env.BITPLANE_SIM_IMAGES) : undefined);
      const r = simulate(path.resolve(dir), { images, stall: opts.stall, seed: opts.seed });
      for (const m of r.messages) console.log(m);
      console.log(`images ${r.images}: ${r.passed} passed, ${r.failed} failed (${r.mismatches} mismatched output values)`);
      console.log(`cycles per image ${Number.isNaN(r.cyclesPerImage) ? 'n/a (one image)' : r.cyclesPerImage.toFixed(2)} (steady state), latency ${r.latencyCycles} cycles${opts.stall ? ' (with random stalls)' : ''}`);
      console.log(`iverilog ${r.compileSeconds.toFixed(1)} s, vvp ${r.simSeconds.toFixed(1)} s`);
      if (r.failed > 0 || r.mismatches > 0 || r.passed !== r.images) process.exitCode = 1;
    });

  hw.command('synth')
    .description('synthesise a Verilog export with yosys and report LUTs, flip-flops, block RAM, DSPs (iCE40: also nextpnr Fmax)')
    .argument('<dir>', 'folder written by `bitplane export ... --target verilog`')
    .requiredOption('--device <device>', `target family: ${SYNTH_DEVICES.join(' or ')}`)
    .option('--part <part>', 'iCE40 part for place-and-route (default hx8k)')
    .option('--package <pkg>', 'iCE40 package (default ct256)')
    .option('--no-pnr', 'iCE40: skip nextpnr place-and-route (resources only)')
    .action((dir: string, opts: { device: string; part?: string; package?: string; pnr: boolean }) => {
      const r = synthesize(path.resolve(dir), opts.device, { pnr: opts.pnr, part: opts.part, package: opts.package });
      const text = formatSynthReport(r);
      fs.writeFileSync(path.join(path.resolve(dir), 'build', `synth-${r.device}.json`), JSON.stringify(r, null, 2) + '\n');
      console.log(text);
      console.log(`report: ${path.join(dir, 'build', `synth-${r.device}.json`)}`);
    });

  hw.command('csim')
    .description('compile an HLS export and its C testbench with g++ and run it; exits 1 on any mismatch')
    .argument('<dir>', 'folder written by `bitplane export ... --target hls`')
    .option('--images <n>', 'images to check (default: every image in the export, up to 256)', positiveInt)
    .action((dir: string, opts: { images?: number }) => {
      const r = csim(path.resolve(dir), { images: opts.images });
      for (const m of r.messages) console.log(m);
      console.log(`images ${r.images}: ${r.passed} passed, ${r.failed} failed (${r.mismatches} mismatched outputs; accumulators and float32 logits bit for bit)`);
      if (r.failed > 0 || r.mismatches > 0 || r.passed !== r.images) process.exitCode = 1;
    });
}
