/** The report's chart: case-duration histograms before and after, side by side, as inline SVG drawn on the server. */

import {
  type Bucket,
  type DurationHistogram,
  durationHistogram,
  HISTOGRAM_BINS,
  type HistogramSide,
  niceCeil,
} from '../../engine/index.js';
import type { Comparison } from './metrics-service.js';
import { esc, fmt, type Lang, labels } from './report-text.js';

/** The committed time limits the chart marks, and that stretch its x range. */
export const histogramLimits = (c: Comparison) => ({
  before: (c.before.static.timeLimitDays as number | null) ?? null,
  after: (c.after.static.timeLimitDays as number | null) ?? null,
});

/**
 * The duration histogram of a comparison's two versions, from their duration buckets: what the report draws and
 * what GET /api/processes/{key}/histogram serves the dashboard, computed here only.
 */
export const comparisonHistogram = (c: Comparison, before: Bucket[], after: Bucket[]): DurationHistogram =>
  durationHistogram(before, after, histogramLimits(c), c.after.dynamic.method.msPerWorkingDay);

export interface ChartSide {
  title: string;
  side: HistogramSide;
  timeLimitDays: number | null;
}

const BINS = HISTOGRAM_BINS;
const PANEL_W = 340;
const PANEL_H = 220;
const PAD = { left: 44, right: 10, top: 28, bottom: 40 };

function panel(
  lang: Lang,
  side: ChartSide,
  x0: number,
  maxDays: number,
  maxShare: number,
  color: string,
): string {
  const l = labels(lang);
  const w = PANEL_W - PAD.left - PAD.right;
  const h = PANEL_H - PAD.top - PAD.bottom;
  const total = side.side.cases;
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
    side.side.shares.forEach((share, i) => {
      if (share === 0) return;
      const bh = (share / maxShare) * h;
      const x = PAD.left + (i * w) / BINS;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(PAD.top + h - bh).toFixed(1)}" width="${(w / BINS - 1).toFixed(1)}" height="${bh.toFixed(1)}" fill="${color}" data-bin="${i}" data-count="${side.side.counts[i]}"><title>${fmt(i * binDays)}–${fmt((i + 1) * binDays)}: ${fmt(share * 100, 1)}%</title></rect>`,
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
export function durationChart(
  lang: Lang,
  histogram: DurationHistogram,
  titles: { before: string; after: string },
  limits: { before: number | null; after: number | null },
): string {
  const l = labels(lang);
  const { maxDays } = histogram;
  const maxShare = niceCeil(Math.max(0.01, ...histogram.before.shares, ...histogram.after.shares));
  const before: ChartSide = { title: titles.before, side: histogram.before, timeLimitDays: limits.before };
  const after: ChartSide = { title: titles.after, side: histogram.after, timeLimitDays: limits.after };
  const width = PANEL_W * 2;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${PANEL_H}" width="100%" role="img" aria-label="${esc(l.chart)}">`,
    '<style>.t{font-size:12px;font-weight:600}.tick{font-size:10px;fill:#444}.axis{stroke:#333;stroke-width:1}.limit{stroke:#c62828;stroke-dasharray:4 3;stroke-width:1.5}.limitText{font-size:10px;fill:#c62828}</style>',
    `<g data-side="before">${panel(lang, before, 0, maxDays, maxShare, '#90a4ae')}</g>`,
    `<g data-side="after">${panel(lang, after, PANEL_W, maxDays, maxShare, '#2e7d32')}</g>`,
    `<text x="4" y="${PANEL_H / 2}" class="tick" transform="rotate(-90 8 ${PANEL_H / 2})" text-anchor="middle">${esc(l.axisShare)}</text>`,
    '</svg>',
  ].join('');
}
