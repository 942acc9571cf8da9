/**
 * The $readmemh files of the accelerator: folded weight ROMs, threshold ROMs (converted to the RTL's compare
 * domain), test images as input-stream beats and golden accumulators. Formats are documented in bnn_mvau.v.
 */
import { rowBytes } from '../../libs/core/src/bitplanes';
import { BnnMlpModel } from '../../libs/models/bnn-mlp/model';
import { FoldedLayer } from '../../hardware/folding';

/** Hex text (most significant digit first) of a little-endian bit vector (one 0/1 per element). */
export function bitsToHex(bits: Uint8Array): string {
  const digits = Math.max(1, Math.ceil(bits.length / 4));
  let s = '';
  for (let d = digits - 1; d >= 0; d--) {
    const v = (bits[4 * d] ?? 0) | ((bits[4 * d + 1] ?? 0) << 1) | ((bits[4 * d + 2] ?? 0) << 2) | ((bits[4 * d + 3] ?? 0) << 3);
    s += v.toString(16);
  }
  return s;
}

/** Writes `value` (two's complement, `width` bits) into `bits` at `offset`. */
function putInt(bits: Uint8Array, offset: number, width: number, value: number): void {
  let v = BigInt.asUintN(width, BigInt(value));
  for (let b = 0; b < width; b++) {
    bits[offset + b] = Number(v & 1n);
    v >>= 1n;
  }
}

/** The weight bits of layer `l` of the model: rows of the packed bit-plane matrix. */
function layerWeights(model: BnnMlpModel, l: number) {
  return l < model.hidden.length ? model.hidden[l].weights : model.output.weights;
}

/** Weight ROM: NF * SF words of PE * SIMD bits (zero for padding neurons and inputs). */
export function weightsMem(model: BnnMlpModel, layer: FoldedLayer): string {
  const w = layerWeights(model, layer.index);
  const rb = rowBytes(w.cols);
  const lines: string[] = [];
  const bits = new Uint8Array(layer.pe * layer.simd);
  for (let nf = 0; nf < layer.nf; nf++) {
    for (let sf = 0; sf < layer.sf; sf++) {
      bits.fill(0);
      for (let pe = 0; pe < layer.pe; pe++) {
        const r = nf * layer.pe + pe;
        if (r >= layer.m) continue;
        for (let s = 0; s < layer.simd; s++) {
          const k = sf * layer.simd + s;
          if (k < layer.k) bits[pe * layer.simd + s] = (w.data[r * rb + (k >> 3)] >> (k & 7)) & 1;
        }
      }
      lines.push(bitsToHex(bits));
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * A hidden unit's (threshold, direction) as the RTL compares it: output = (acc >= T) XOR invert, with acc the
 * exact dot product (8-bit first layer) or the popcount over the zero-padded inputs (XNOR layers, where
 * dot = 2 * popcount - dotOffset). Thresholds are first clamped to [-(maxAcc + 1), maxAcc + 1].
 */
export function rtlThreshold(layer: FoldedLayer, tau: number, direction: number): { t: number; invert: boolean } {
  const kp = layer.sf * layer.simd;
  if (layer.inBits === 8) {
    const max = 255 * layer.k;
    const c = Math.min(Math.max(tau, -(max + 1)), max + 1);
    return direction > 0 ? { t: c, invert: false } : { t: c + 1, invert: true };
  }
  const clampPop = (t: number) => Math.min(Math.max(t, 0), kp + 1);
  const c = Math.min(Math.max(tau, -(layer.k + 1)), layer.k + 1);
  // dot >= tau  <=>  popcount >= ceil((tau + offset) / 2);  dot <= tau  <=>  !(popcount >= floor((tau + offset) / 2) + 1)
  return direction > 0
    ? { t: clampPop(Math.ceil((c + layer.dotOffset) / 2)), invert: false }
    : { t: clampPop(Math.floor((c + layer.dotOffset) / 2) + 1), invert: true };
}

/** Threshold ROM: NF words of PE entries {invert, T[accWidth-1:0]}; padding neurons get T = 0. */
export function thresholdsMem(model: BnnMlpModel, layer: FoldedLayer): string {
  const h = model.hidden[layer.index];
  const tw = layer.accWidth + 1;
  const lines: string[] = [];
  const bits = new Uint8Array(layer.pe * tw);
  for (let nf = 0; nf < layer.nf; nf++) {
    bits.fill(0);
    for (let pe = 0; pe < layer.pe; pe++) {
      const r = nf * layer.pe + pe;
      if (r >= layer.m) continue;
      const { t, invert } = rtlThreshold(layer, h.thresholds[r], h.directions[r]);
      putInt(bits, pe * tw, layer.accWidth, t);
      bits[pe * tw + layer.accWidth] = invert ? 1 : 0;
    }
    lines.push(bitsToHex(bits));
  }
  return lines.join('\n') + '\n';
}

/** Input-stream beats of the images: SF words of SIMD pixels each, pixel s in bits [8s+7 : 8s], zero padded. */
export function imagesMem(images: Uint8Array, count: number, first: FoldedLayer): string {
  const lines: string[] = [];
  const bits = new Uint8Array(first.simd * 8);
  for (let i = 0; i < count; i++) {
    for (let sf = 0; sf < first.sf; sf++) {
      bits.fill(0);
      for (let s = 0; s < first.simd; s++) {
        const k = sf * first.simd + s;
        if (k < first.k) putInt(bits, s * 8, 8, images[i * first.k + k]);
      }
      lines.push(bitsToHex(bits));
    }
  }
  return lines.join('\n') + '\n';
}

/** Golden output accumulators, one 32-bit two's complement word per class. */
export function accMem(acc: Int32Array): string {
  return Array.from(acc, (v) => (v >>> 0).toString(16).padStart(8, '0')).join('\n') + '\n';
}
