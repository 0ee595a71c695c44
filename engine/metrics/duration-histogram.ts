/**
 * The case-duration histogram of two versions, binned alike so that the bars compare: one computation, read by
 * the printed report's chart and served to the dashboard (GET /api/processes/{key}/histogram), over every
 * completed case of each version (the server's duration buckets, BUCKET_MS wide).
 */
import { BUCKET_MS, type Bucket } from './dynamic-metrics.js';

/** Bins of the chart; the last one also holds every longer case. */
export const HISTOGRAM_BINS = 40;

export interface HistogramSide {
  /** Completed cases counted (every one of the version's). */
  cases: number;
  /** Cases per bin. */
  counts: number[];
  /** Cases per bin ÷ cases (0 when there are none). */
  shares: number[];
}

export interface DurationHistogram {
  /** Width of a bin in working days; bin i holds durations from i × binDays up to (i + 1) × binDays. */
  binDays: number;
  /** The chart's x range: a round figure at or above the larger 99th percentile and both time limits. */
  maxDays: number;
  before: HistogramSide;
  after: HistogramSide;
}

/** A round upper bound (1, 2, 2.5, 5 × 10ⁿ) at or above the value. */
export function niceCeil(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** The 99th-percentile duration in days, so that a few outliers do not stretch the x range. */
function p99Days(buckets: readonly Bucket[], msPerDay: number): number {
  const total = buckets.reduce((n, b) => n + b.count, 0);
  let seen = 0;
  for (const b of buckets) {
    seen += b.count;
    if (seen >= 0.99 * total) return ((b.bucket + 1) * BUCKET_MS) / msPerDay;
  }
  return 0;
}

function side(buckets: readonly Bucket[], binDays: number, msPerDay: number): HistogramSide {
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  const cases = buckets.reduce((n, b) => n + b.count, 0);
  for (const b of buckets) {
    const days = (b.bucket * BUCKET_MS) / msPerDay;
    counts[Math.min(HISTOGRAM_BINS - 1, Math.floor(days / binDays + 1e-9))] += b.count;
  }
  return { cases, counts, shares: counts.map((c) => (cases === 0 ? 0 : c / cases)) };
}

/** Both versions' completed cases in the same bins, on one x range (to the larger 99th percentile or limit). */
export function durationHistogram(
  before: readonly Bucket[],
  after: readonly Bucket[],
  limits: { before: number | null; after: number | null },
  msPerDay: number,
): DurationHistogram {
  const reach = Math.max(
    p99Days(before, msPerDay),
    p99Days(after, msPerDay),
    limits.before ?? 0,
    limits.after ?? 0,
  );
  const maxDays = niceCeil(reach || 1);
  const binDays = maxDays / HISTOGRAM_BINS;
  return {
    binDays,
    maxDays,
    before: side(before, binDays, msPerDay),
    after: side(after, binDays, msPerDay),
  };
}
