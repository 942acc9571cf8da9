/** `bitplane hw sim|synth|csim DIR`: checks of Verilog and HLS exports (iverilog, yosys + nextpnr-ice40, g++). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { positiveInt } from '../option-parsers';
import { csim } from '../../hardware/csim';
import { simulate } from '../../hardware/sim';
import { SYNTH_DEVICES, formatSynthReport, synthesize } from '../../hardware/synth';

/** Registers the command. */
export function register(program: Command): void {
  const hw = program.command('hw').description('simulate, synthesise or C-simulate a Verilog / HLS export');

  hw.command('sim')
    .description('run the self-checking testbench of a Verilog export with iverilog; exits 1 on any mismatch')
    .argument('<dir>', 'folder written by `bitplane export ... --target verilog`')
    .option('--images <n>', 'images to stream (default: the export\'s default, 32 or fewer; env BITPLANE_SIM_IMAGES)', positiveInt)
    .option('--stall', 'random valid/ready gaps on both streams, exercising back-pressure; cycle counts then include the gaps (env BITPLANE_SIM_STALL=1)')
    .option('--seed <n>', 'seed of the random stalls (env BITPLANE_SIM_SEED)', positiveInt)
    .action((dir: string, opts: { images?: number; stall?: boolean; seed?: number }) => {
      const images = opts.images ?? (process.env.BITPLANE_SIM_IMAGES ? positiveInt(process.env.BITPLANE_SIM_IMAGES) : undefined);
      const stall = opts.stall ?? process.env.BITPLANE_SIM_STALL === '1';
      const seed = opts.seed ?? (process.env.BITPLANE_SIM_SEED ? positiveInt(process.env.BITPLANE_SIM_SEED) : undefined);
      const r = simulate(path.resolve(dir), { images, stall, seed });
      for (const m of r.messages) console.log(m);
      console.log(`images ${r.images}: ${r.passed} passed, ${r.failed} failed (${r.mismatches} mismatched output values)`);
      console.log(`cycles per image ${Number.isNaN(r.cyclesPerImage) ? 'n/a (one image)' : r.cyclesPerImage.toFixed(2)} (steady state), latency ${r.latencyCycles} cycles${stall ? ' (with random stalls)' : ''}`);
      console.log(`iverilog ${r.compileSeconds.toFixed(1)} s, vvp ${r.simSeconds.toFixed(1)} s`);
      if (r.failed > 0 || r.mismatches > 0 || r.passed !== r.images) process.exitCode = 1;
    });

  hw.command('synth')
    .description('synthesise a Verilog export with yosys and report LUTs, flip-flops, block RAM, DSPs (iCE40: also nextpnr Fmax)')
    .argument('<dir>', 'folder written by `bitplane export ... --target verilog`')
    .option('--device <device>', `target family: ${SYNTH_DEVICES.join(' or ')} (env BITPLANE_SYNTH_DEVICE)`)
    .option('--part <part>', 'iCE40 part for place-and-route (default hx8k; env BITPLANE_ICE40_PART)')
    .option('--package <pkg>', 'iCE40 package (default ct256; env BITPLANE_ICE40_PACKAGE)')
    .option('--no-pnr', 'iCE40: skip nextpnr place-and-route, resources only (env BITPLANE_SYNTH_PNR=0)')
    .action((dir: string, opts: { device?: string; part?: string; package?: string; pnr: boolean }) => {
      const device = opts.device ?? process.env.BITPLANE_SYNTH_DEVICE;
      if (!device) throw new Error(`--device is required (${SYNTH_DEVICES.join(' or ')}; or set BITPLANE_SYNTH_DEVICE)`);
      const pnr = opts.pnr && process.env.BITPLANE_SYNTH_PNR !== '0';
      const r = synthesize(path.resolve(dir), device, { pnr, part: opts.part ?? process.env.BITPLANE_ICE40_PART, package: opts.package ?? process.env.BITPLANE_ICE40_PACKAGE });
      const text = formatSynthReport(r);
      fs.writeFileSync(path.join(path.resolve(dir), 'build', `synth-${r.device}.json`), JSON.stringify(r, null, 2) + '\n');
      console.log(text);
      console.log(`report: ${path.join(dir, 'build', `synth-${r.device}.json`)}`);
    });

  hw.command('csim')
    .description('compile an HLS export and its C testbench with g++ and run it; exits 1 on any mismatch')
    .argument('<dir>', 'folder written by `bitplane export ... --target hls`')
    .option('--images <n>', 'images to check (default: every image in the export, up to 256; env BITPLANE_CSIM_IMAGES)', positiveInt)
    .action((dir: string, opts: { images?: number }) => {
      const images = opts.images ?? (process.env.BITPLANE_CSIM_IMAGES ? positiveInt(process.env.BITPLANE_CSIM_IMAGES) : undefined);
      const r = csim(path.resolve(dir), { images });
      for (const m of r.messages) console.log(m);
      console.log(`images ${r.images}: ${r.passed} passed, ${r.failed} failed (${r.mismatches} mismatched outputs; accumulators and float32 logits bit for bit)`);
      if (r.failed > 0 || r.mismatches > 0 || r.passed !== r.images) process.exitCode = 1;
    });
}
