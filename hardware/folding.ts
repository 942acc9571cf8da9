/**
 * Folding of a bnn-mlp onto the streaming accelerator: per layer PE (output neurons per cycle) and SIMD (inputs
 * per cycle), the fold counts NF = ceil(M / PE) and SF = ceil(K / SIMD), and the widths the RTL needs.
 * One layer then takes NF * SF cycles per image; the slowest layer sets the throughput.
 */
import { InvalidArgumentError } from '../libs/core/src/errors';
import { BnnMlpModel } from '../libs/models/bnn-mlp/model';

/** Default clock assumed by --target-fps when no clock is given (MHz). */
export const DEFAULT_CLOCK_MHZ = 100;
/** Default throughput target when neither --pe/--simd nor --target-fps is given (images/s at the default clock). */
export const DEFAULT_TARGET_FPS = 100_000;

/** One folded layer. */
export interface FoldedLayer {
  index: number;
  /** Inputs (true fan-in). */
  k: number;
  /** Output neurons. */
  m: number;
  pe: number;
  simd: number;
  /** Neuron folds ceil(m / pe). */
  nf: number;
  /** Input folds ceil(k / simd). */
  sf: number;
  /** 8 for the first layer (raw 8-bit inputs through bit-planes), else 1. */
  inBits: 1 | 8;
  /** True for hidden layers (threshold output), false for the output layer (32-bit accumulators). */
  threshold: boolean;
  /** Signed accumulator / threshold width in the RTL. */
  accWidth: number;
  /** XNOR layers: dot = 2 * popcount - dotOffset, popcount taken over the zero-padded sf * simd inputs. */
  dotOffset: number;
  /** Cycles per image of this layer alone. */
  cycles: number;
}

/** A whole folded design. */
export interface Folding {
  layers: FoldedLayer[];
  /** Cycles per image of the slowest layer (the steady-state initiation interval, ignoring stream hand-offs). */
  cyclesPerImage: number;
  /** How pe / simd were chosen. */
  chosenBy: string;
}

/** Bits of a two's complement number that holds every integer in [-range, range]. */
export function signedWidth(range: number): number {
  return Math.ceil(Math.log2(range + 1)) + 1;
}

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** The smallest PE * SIMD (then the smallest PE) whose NF * SF fits `budget` cycles; the full unfold when none does. */
export function pickFolding(k: number, m: number, budget: number): { pe: number; simd: number } {
  let best: { pe: number; simd: number } | undefined;
  for (const pe of divisors(m)) {
    for (const simd of divisors(k)) {
      if (Math.ceil(m / pe) * Math.ceil(k / simd) > budget) continue;
      if (!best || pe * simd < best.pe * best.simd || (pe * simd === best.pe * best.simd && pe < best.pe)) best = { pe, simd };
    }
  }
  return best ?? { pe: m, simd: k };
}

function check(list: number[] | undefined, name: string, count: number): void {
  if (list === undefined) return;
  if (!Array.isArray(list) || list.length !== count) {
    throw new InvalidArgumentError(`--${name} needs one value per layer (${count} layers), got ${Array.isArray(list) ? list.length : typeof list}`);
  }
  list.forEach((v, i) => {
    if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`--${name}: layer ${i} value ${v} is not a positive integer`);
  });
}

/** Folding options as the exporters receive them. */
export interface FoldingOptions {
  pe?: number[];
  simd?: number[];
  targetFps?: number;
  clockMhz?: number;
}

/** Folds a model: explicit --pe / --simd win (each may be given alone), else --target-fps picks, else the default target. */
export function foldModel(model: BnnMlpModel, opts: FoldingOptions = {}): Folding {
  const sizes = [model.inputSize, ...model.hiddenSizes, model.outputSize];
  const count = sizes.length - 1;
  check(opts.pe, 'pe', count);
  check(opts.simd, 'simd', count);
  if (opts.targetFps !== undefined && (!Number.isFinite(opts.targetFps) || opts.targetFps <= 0)) {
    throw new InvalidArgumentError(`--target-fps must be a positive number, got ${opts.targetFps}`);
  }
  const clockMhz = opts.clockMhz ?? DEFAULT_CLOCK_MHZ;
  if (!Number.isFinite(clockMhz) || clockMhz <= 0) throw new InvalidArgumentError(`clock must be a positive number of MHz, got ${clockMhz}`);
  const fps = opts.targetFps ?? DEFAULT_TARGET_FPS;
  const budget = Math.max(1, Math.floor((clockMhz * 1e6) / fps));
  const explicit = opts.pe !== undefined || opts.simd !== undefined;
  const layers: FoldedLayer[] = [];
  for (let i = 0; i < count; i++) {
    const k = sizes[i];
    const m = sizes[i + 1];
    const picked = pickFolding(k, m, budget);
    const pe = opts.pe?.[i] ?? picked.pe;
    const simd = opts.simd?.[i] ?? picked.simd;
    if (pe > m) throw new InvalidArgumentError(`--pe: layer ${i} has ${m} output neurons, PE ${pe} is larger`);
    if (simd > k) throw new InvalidArgumentError(`--simd: layer ${i} has ${k} inputs, SIMD ${simd} is larger`);
    const nf = Math.ceil(m / pe);
    const sf = Math.ceil(k / simd);
    const kp = sf * simd;
    const inBits: 1 | 8 = i === 0 ? 8 : 1;
    const threshold = i < count - 1;
    // Range the accumulator and the thresholds (clamped, +1 for inverted units) must hold.
    const range = inBits === 8 ? 255 * kp + 2 : kp + 1;
    const accWidth = signedWidth(range);
    if (accWidth >= 32) throw new InvalidArgumentError(`layer ${i}: fan-in ${k} needs a ${accWidth}-bit accumulator; the RTL supports up to 31`);
    layers.push({ index: i, k, m, pe, simd, nf, sf, inBits, threshold, accWidth, dotOffset: 2 * kp - k, cycles: nf * sf });
  }
  const chosenBy = explicit
    ? `--pe ${layers.map((l) => l.pe).join(',')} --simd ${layers.map((l) => l.simd).join(',')}` + (opts.targetFps !== undefined ? ' (explicit values take precedence over --target-fps)' : '')
    : `--target-fps ${fps} at ${clockMhz} MHz (budget ${budget} cycles per image)${opts.targetFps === undefined ? ', the default' : ''}`;
  return { layers, cyclesPerImage: Math.max(...layers.map((l) => l.cycles)), chosenBy };
}
