/**
 * The exporter contract: a target turns one verified artifact into a self-contained folder (with a README.md
 * saying what is in it and how to run its check). The same artifact always yields byte-identical files.
 * Each exporter folder has a `targets.ts` exporting `targets: ExportTarget[]`; `exporters/index.ts` collects them.
 */
import { LoadedArtifact } from '../libs/core/src/artifact';

/** Options a user may pass to any target (targets ignore what they do not use). */
export interface ExportOptions {
  /** Per-layer PE (output neurons per cycle) for hardware targets. */
  pe?: number[];
  /** Per-layer SIMD (input bits per cycle) for hardware targets. */
  simd?: number[];
  /** Target throughput for hardware targets; picks pe / simd when they are not given. */
  targetFps?: number;
  /** Datasets directory, where a target needs sample inputs (golden vectors). */
  datasets?: string;
  [key: string]: unknown;
}

/** What an export wrote. */
export interface ExportResult {
  target: string;
  outDir: string;
  files: string[];
  /** One-line summary for the CLI (sizes, checks run). */
  summary: string;
}

/** One export target. */
export interface ExportTarget {
  /** The name users pass to --target (e.g. 'onnx', 'onnx-float', 'qonnx', 'verilog', 'hls'). */
  name: string;
  description: string;
  /** Model families this target can export. */
  families: string[];
  export(artifact: LoadedArtifact, outDir: string, options: ExportOptions): Promise<ExportResult>;
}
