/** Reader for numeric CSV datasets: a header row, feature columns and one label column. */
import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { InvalidArgumentError } from './errors';

/** A CSV dataset: row-major float features and the label column. */
export interface CsvDataset {
  featureNames: string[];
  labelName: string;
  features: Float32Array;
  rows: number;
  /** Class index per row when the labels are classes, else the numeric target. */
  labels: Float32Array;
  /** Distinct label values in index order when labels are categorical (strings or integers). */
  classes?: string[];
}

/** Options of readCsv. */
export interface CsvOptions {
  /** Label column by name or 0-based index; default: the last column. */
  label?: string | number;
  /** Treat the label as a regression target instead of a class. */
  regression?: boolean;
  delimiter?: string;
}

/** Parses CSV text; every feature must be a finite number, and so must a regression target. */
export function parseCsv(text: string, options: CsvOptions = {}, name = 'csv'): CsvDataset {
  let records: string[][];
  try {
    records = parse(text, { delimiter: options.delimiter ?? ',', skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (e) {
    throw new InvalidArgumentError(`${name}: ${(e as Error).message}`);
  }
  if (records.length < 2) throw new InvalidArgumentError(`${name}: needs a header row and at least one data row`);
  const header = records[0];
  let labelIndex: number;
  if (options.label === undefined) labelIndex = header.length - 1;
  else if (typeof options.label === 'number') labelIndex = options.label;
  else labelIndex = header.indexOf(options.label);
  if (labelIndex < 0 || labelIndex >= header.length) throw new InvalidArgumentError(`${name}: label column '${String(options.label)}' not found in header [${header.join(', ')}]`);
  const rows = records.length - 1;
  const nf = header.length - 1;
  const features = new Float32Array(rows * nf);
  const rawLabels: string[] = [];
  for (let r = 0; r < rows; r++) {
    const rec = records[r + 1];
    let j = 0;
    for (let c = 0; c < rec.length; c++) {
      if (c === labelIndex) {
        rawLabels.push(rec[c]);
        continue;
      }
      const v = Number(rec[c]);
      if (rec[c] === '' || !Number.isFinite(v)) throw new InvalidArgumentError(`${name}: row ${r + 2}, column '${header[c]}' is '${rec[c]}', not a finite number`);
      features[r * nf + j++] = v;
    }
  }
  const labels = new Float32Array(rows);
  let classes: string[] | undefined;
  if (options.regression) {
    rawLabels.forEach((s, r) => {
      const v = Number(s);
      if (s === '' || !Number.isFinite(v)) throw new InvalidArgumentError(`${name}: row ${r + 2}, target '${s}' is not a finite number`);
      labels[r] = v;
    });
  } else {
    const numeric = rawLabels.every((s) => /^-?[0-9]+$/.test(s));
    classes = [...new Set(rawLabels)].sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
    const index = new Map(classes.map((c, i) => [c, i]));
    rawLabels.forEach((s, r) => (labels[r] = index.get(s)!));
  }
  return { featureNames: header.filter((_, c) => c !== labelIndex), labelName: header[labelIndex], features, rows, labels, classes };
}

/** Reads a CSV file. */
export function readCsv(file: string, options: CsvOptions = {}): CsvDataset {
  return parseCsv(fs.readFileSync(file, 'utf8'), options, file);
}
