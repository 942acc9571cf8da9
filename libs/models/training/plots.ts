/** Training-curve plots as small standalone SVG files (loss and accuracy per epoch), written beside the artifact. */
import { EpochRecord } from './checkpoint';

/** One line of a chart. */
export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

/** A line chart of the series over x, with axes, tick labels and a legend. */
export function lineChartSvg(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const W = 640;
  const H = 400;
  const L = 70;
  const R = 20;
  const T = 40;
  const B = 50;
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  const xs = pts.map(([x]) => x);
  const ys = pts.map(([, y]) => y);
  let x0 = Math.min(...xs, 1);
  let x1 = Math.max(...xs, 1);
  let y0 = Math.min(...ys, 0);
  let y1 = Math.max(...ys, 1e-9);
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 1; y1 += 1; }
  const px = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y: number) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  out.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`);
  for (let i = 0; i <= 5; i++) {
    const yv = y0 + ((y1 - y0) * i) / 5;
    const xv = x0 + ((x1 - x0) * i) / 5;
    out.push(`<line x1="${L - 4}" y1="${py(yv)}" x2="${W - R}" y2="${py(yv)}" stroke="#ddd"/><text x="${L - 8}" y="${py(yv) + 4}" text-anchor="end">${fmt(yv)}</text>`);
    out.push(`<text x="${px(xv)}" y="${H - B + 18}" text-anchor="middle">${fmt(xv)}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const p = s.points.filter(([, y]) => Number.isFinite(y));
    if (p.length) {
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${p.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of p) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"/>`);
    }
    out.push(`<rect x="${W - R - 150}" y="${T + 6 + i * 18}" width="12" height="12" fill="${s.color}"/><text x="${W - R - 132}" y="${T + 16 + i * 18}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The two training-curve files of a history: training-loss.svg and training-accuracy.svg. */
export function trainingCurveFiles(model: string, history: EpochRecord[]): Record<string, Uint8Array> {
  const pts = (f: (h: EpochRecord) => number | undefined): Array<[number, number]> => history.filter((h) => f(h) !== undefined).map((h) => [h.epoch, f(h)!]);
  const loss = lineChartSvg(`${model}: loss per epoch`, 'epoch', 'loss', [
    { name: 'training loss', color: '#1f77b4', points: pts((h) => h.loss) },
    { name: 'validation loss', color: '#ff7f0e', points: pts((h) => h.valLoss) },
  ]);
  const acc = lineChartSvg(`${model}: accuracy per epoch`, 'epoch', 'accuracy', [
    { name: 'training accuracy', color: '#1f77b4', points: pts((h) => h.trainAccuracy) },
    { name: 'validation accuracy', color: '#ff7f0e', points: pts((h) => h.valAccuracy) },
  ]);
  return { 'training-loss.svg': Buffer.from(loss), 'training-accuracy.svg': Buffer.from(acc) };
}
