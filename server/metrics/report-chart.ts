/** The report's chart: case-duration histograms before and after, side by side, as inline SVG drawn on the server. */
import { BUCKET_MS, type Bucket } from '../../engine/metrics/dynamic-metrics.js';
import { esc, fmt, type Lang, labels } from './report-text.js';

export interface ChartSide {
  title: string;
  buckets: Bucket[];
  timeLimitDays: number | null;
}

const BINS = 40;
const PANEL_W = 340;
const PANEL_H = 220;
const PAD = { left: 44, right: 10, top: 28, bottom: 40 };

/** A round upper bound (1, 2, 2.5, 5 × 10ⁿ) at or above the value. */
function niceCeil(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** The 99th-percentile duration in days, to set the common x range without a few outliers stretching it. */
function p99Days(buckets: Bucket[], msPerDay: number): number {
  const total = buckets.reduce((n, b) => n + b.count, 0);
  let seen = 0;
  for (const b of buckets) {
    seen += b.count;
    if (seen >= 0.99 * total) return ((b.bucket + 1) * BUCKET_MS) / msPerDay;
  }
  return 0;
}

/** Shares of completed cases per bin of width `binDays`; the last bin also holds everything longer. */
function shares(buckets: Bucket[], binDays: number, msPerDay: number): number[] {
  const counts = new Array<number>(BINS).fill(0);
  const total = buckets.reduce((n, b) => n + b.count, 0);
  for (const b of buckets) {
    const days = (b.bucket * BUCKET_MS) / msPerDay;
    counts[Math.min(BINS - 1, Math.floor(days / binDays + 1e-9))] += b.count;
  }
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

function panel(
  lang: Lang,
  side: ChartSide,
  x0: number,
  maxDays: number,
  maxShare: number,
  msPerDay: number,
  color: string,
): string {
  const l = labels(lang);
  const w = PANEL_W - PAD.left - PAD.right;
  const h = PANEL_H - PAD.top - PAD.bottom;
  const total = side.buckets.reduce((n, b) => n + b.count, 0);
  const parts = [
    `<g transform="translate(${x0},0)">`,
    `<text x="${PAD.left + w / 2}" y="16" text-anchor="middle" class="t">${esc(l.casesIn(side.title, fmt(total, 0)))}</text>`,
  ];
  parts.push(
    `<line x1="${PAD.left}" y1="${PAD.top + h}" x2="${PAD.left + w}" y2="${PAD.top + h}" class="axis"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + h}" class="axis"/>`,
  );
  for (const f of [0, 0.5, 1]) {
    const y = PAD.top + h - f * h;
    parts.push(
      `<text x="${PAD.left - 4}" y="${y + 3}" text-anchor="end" class="tick">${fmt(f * maxShare * 100, 1)}%</text>`,
    );
    parts.push(
      `<text x="${PAD.left + f * w}" y="${PAD.top + h + 14}" text-anchor="middle" class="tick">${fmt(f * maxDays, 1)}</text>`,
    );
  }
  parts.push(
    `<text x="${PAD.left + w / 2}" y="${PANEL_H - 6}" text-anchor="middle" class="tick">${esc(l.axisDays)}</text>`,
  );
  if (total === 0) {
    parts.push(
      `<text x="${PAD.left + w / 2}" y="${PAD.top + h / 2}" text-anchor="middle" class="tick">${esc(l.noCases)}</text>`,
    );
  } else {
    const binDays = maxDays / BINS;
    shares(side.buckets, binDays, msPerDay).forEach((share, i) => {
      if (share === 0) return;
      const bh = (share / maxShare) * h;
      const x = PAD.left + (i * w) / BINS;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(PAD.top + h - bh).toFixed(1)}" width="${(w / BINS - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${color}"><title>${fmt(i * binDays)}–${fmt((i + 1) * binDays)}: ${fmt(share * 100, 1)}%</title></rect>`,
      );
    });
  }
  if (side.timeLimitDays !== null && side.timeLimitDays <= maxDays) {
    const x = PAD.left + (side.timeLimitDays / maxDays) * w;
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${PAD.top}" x2="${x.toFixed(1)}" y2="${PAD.top + h}" class="limit"/>`,
    );
    parts.push(
      `<text x="${(x + 3).toFixed(1)}" y="${PAD.top + 10}" class="limitText">${esc(l.limitLine)} ${fmt(side.timeLimitDays)}</text>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}

/** The two histograms on one x range (to the larger 99th percentile or limit) and one y scale, as an SVG element. */
export function durationChart(lang: Lang, before: ChartSide, after: ChartSide, msPerDay: number): string {
  const l = labels(lang);
  const reach = Math.max(
    p99Days(before.buckets, msPerDay),
    p99Days(after.buckets, msPerDay),
    before.timeLimitDays ?? 0,
    after.timeLimitDays ?? 0,
  );
  const maxDays = niceCeil(reach || 1);
  const maxShare = niceCeil(
    Math.max(
      0.01,
      ...shares(before.buckets, maxDays / BINS, msPerDay),
      ...shares(after.buckets, maxDays / BINS, msPerDay),
    ),
  );
  const width = PANEL_W * 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${PANEL_H}" width="100%" role="img" aria-label="${esc(l.chart)}">`,
    '<style>.t{font-size:12px;font-weight:600}.tick{font-size:10px;fill:#444}.axis{stroke:#333;stroke-width:1}.limit{stroke:#c62828;stroke-dasharray:4 3;stroke-width:1.5}.limitText{font-size:10px;fill:#c62828}</style>',
    panel(lang, before, 0, maxDays, maxShare, msPerDay, '#90a4ae'),
    panel(lang, after, PANEL_W, maxDays, maxShare, msPerDay, '#2e7d32'),
    `<text x="4" y="${PANEL_H / 2}" class="tick" transform="rotate(-90 8 ${PANEL_H / 2})" text-anchor="middle">${esc(l.axisShare)}</text>`,
    '</svg>',
  ].join('');
}
