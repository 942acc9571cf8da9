/** Which instruction-set path and sgemm implementation the cpu backend uses: BITPLANE_CPU_ISA / BITPLANE_CPU_SGEMM or the best available. */
import { InvalidArgumentError } from '../../../core/src/errors';
import { CpuAddonInfo, CpuIsa, SgemmImpl } from './native-addon';

/** Every ISA name the backend knows, best first. */
export const CPU_ISAS: readonly CpuIsa[] = ['avx512', 'avx2', 'scalar'];

/** What each path needs from the CPU, for messages. */
const ISA_NEEDS: Record<CpuIsa, string> = {
  avx512: 'AVX-512 F/BW/VL and VPOPCNTDQ',
  avx2: 'AVX2 and POPCNT',
  scalar: 'POPCNT',
};

/**
 * The ISA to use: `requested` (BITPLANE_CPU_ISA) when given, else the first supported one of the priority list.
 * An unknown name or one this CPU lacks is an error, never a silent fallback.
 */
export function chooseCpuIsa(requested: string | undefined, info: CpuAddonInfo): CpuIsa {
  if (requested === undefined || requested === '') {
    const best = CPU_ISAS.find((isa) => info.supportedIsas.includes(isa));
    if (!best) throw new InvalidArgumentError(`this CPU supports none of the cpu backend's paths (${CPU_ISAS.map((i) => `${i}: ${ISA_NEEDS[i]}`).join('; ')})`);
    return best;
  }
  if (!(CPU_ISAS as readonly string[]).includes(requested)) {
    throw new InvalidArgumentError(`BITPLANE_CPU_ISA='${requested}' is not a known ISA; use one of ${CPU_ISAS.join(', ')}`);
  }
  const isa = requested as CpuIsa;
  if (!info.compiledIsas.includes(isa)) throw new InvalidArgumentError(`BITPLANE_CPU_ISA='${isa}' is not in this build (it has ${info.compiledIsas.join(', ')})`);
  if (!info.supportedIsas.includes(isa)) throw new InvalidArgumentError(`BITPLANE_CPU_ISA='${isa}' needs ${ISA_NEEDS[isa]}, which this CPU lacks`);
  return isa;
}

/** The sgemm implementation: `requested` (BITPLANE_CPU_SGEMM) when given, else OpenBLAS when linked, else the blocked kernel. */
export function chooseSgemm(requested: string | undefined, info: CpuAddonInfo): SgemmImpl {
  if (requested === undefined || requested === '') return info.openblas ? 'openblas' : 'blocked';
  if (requested === 'blocked') return 'blocked';
  if (requested === 'openblas') {
    if (!info.openblas) throw new InvalidArgumentError("BITPLANE_CPU_SGEMM='openblas' but this build did not find OpenBLAS (apt-get install libopenblas-dev, then npm run build:native)");
    return 'openblas';
  }
  throw new InvalidArgumentError(`BITPLANE_CPU_SGEMM='${requested}' is not one of openblas, blocked`);
}

/** BITPLANE_THREADS as a thread count; `fallback` (all cores) when unset. */
export function threadsFromEnv(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new InvalidArgumentError(`BITPLANE_THREADS='${value}' must be an integer from 1 to 1024`);
  return n;
}
