/**
 * Dynamic metrics (the version figures over its cases; each case's own figures are defined in
 * engine/metrics/case-figures.ts): the definitions and formulas, shared by the SQL queries in
 * server/metrics/ and by anything that measures cases in memory (simulation, tests).
 *
 * Populations: case figures are over the version's completed cases (status `completed`); durations over those
 * with a working duration. Step figures are over the completed steps of completed cases. Durations are working
 * time (engine/calendar) divided by the calendar's working-day length; a case's excludes its `gov:pausesClock`
 * steps. Percentiles interpolate linearly between ranks, as PostgreSQL's `percentile_cont`.
 *
 * Histograms: durations also fall into buckets of BUCKET_MS (252 s = 0.01 of the default 7-hour working day),
 * the last bucket (BUCKET_CAP, ≥ 1,000 default working days) holding everything longer. A percentile read from
 * the histogram places the values of a bucket evenly across it (a bucket's single value is known exactly from
 * its sum), so it lies in the same bucket as the true value: the error is below one bucket, < 0.01 working day.
 */
import { isBreach, isFirstTime, isOnTime, isRedCarded, isWarned, type WarningLevel } from './case-figures.js';

/** Up to this many values, percentiles are exact (`percentile_cont` in SQL); above, read from the histogram. */
export const EXACT_PERCENTILE_LIMIT = 20_000;
/** Width of a duration bucket in working ms (migration 2026-11-29-002 stores the same in metric_settings). */
export const BUCKET_MS = 252_000;
/** The overflow bucket: durations of BUCKET_CAP × BUCKET_MS and more. */
export const BUCKET_CAP = 100_000;

export interface StepFigures {
  elementId: string;
  name: string | null;
  /** Completed steps of this element in completed cases. */
  count: number;
  meanWorkingDays: number | null;
  p90WorkingDays: number | null;
  /** Completed steps whose working time exceeded their `gov:timeLimit`. */
  breaches: number;
}

/** How one figure was obtained: the method and how many cases (steps, ratings) it was computed from. */
export interface FigureSource {
  method:
    | 'count'
    | 'rollup'
    | 'percentile_cont'
    | 'histogram'
    | 'ratings'
    | 'cards'
    | 'no-time-limit'
    | 'memory';
  from: number;
}

export interface MetricsMethod {
  /** The working-day length used, in ms (7 h by default). */
  msPerWorkingDay: number;
  /** How the case-duration percentiles were computed. */
  percentiles: 'percentile_cont' | 'histogram' | 'memory';
  exactPercentileLimit: number;
  histogramBucketDays: number;
  /** Largest possible error of a histogram percentile, in working days (0 when exact). */
  maxErrorDays: number;
  /** Completed cases that were imported from an event log (the rest ran on the engine). */
  importedCases: number;
  figures: Record<string, FigureSource>;
}

export interface DynamicMetrics {
  cases: number;
  completed: number;
  meanWorkingDays: number | null;
  medianWorkingDays: number | null;
  p90WorkingDays: number | null;
  meanTrips: number | null;
  firstTimeRate: number | null;
  onTimeRate: number | null;
  satisfaction: number | null;
  badRatings: number;
  /** The 好差评 loop: bad ratings rectified, within their deadline, called back; appeals upheld; defaulted ratings. */
  rectified: number;
  rectifiedOnTime: number;
  calledBack: number;
  appealsUpheld: number;
  defaultedRatings: number;
  /** Rectified within the deadline ÷ bad ratings; called back ÷ bad ratings (null without bad ratings). */
  rectifiedOnTimeRate: number | null;
  calledBackRate: number | null;
  /** The same per department of the rated step. */
  ratingsByDepartment: DepartmentRatings[];
  /**
   * 电子监察: completed cases that ran on the engine (imported ones were never watched); of them, those that got a
   * card (on the case or a task, `isWarned`) and a red card (`isRedCarded`); the shares (null without such cases).
   */
  supervisedCases: number;
  warnedCases: number;
  redCardCases: number;
  warningRate: number | null;
  redCardRate: number | null;
  steps: StepFigures[];
  method: MetricsMethod;
}

export interface DepartmentRatings {
  department: string | null;
  ratings: number;
  satisfaction: number | null;
  badRatings: number;
  defaulted: number;
  rectified: number;
  rectifiedOnTime: number;
  calledBack: number;
  appealsUpheld: number;
  open: number;
}

/** `percentile_cont(p)` over values sorted ascending: linear interpolation between ranks p × (n − 1). */
export function percentileCont(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
}

/** The histogram bucket of a working duration. */
export const bucketOf = (workingMs: number): number =>
  Math.min(Math.floor(workingMs / BUCKET_MS), BUCKET_CAP);

export interface Bucket {
  bucket: number;
  count: number;
  sumMs: number;
}

/**
 * `percentile_cont(p)` estimated from a histogram (buckets ascending): the value at each rank is placed evenly
 * inside its bucket — the k-th of c values at start + (k + ½) × width / c; a bucket of one value gives its sum,
 * the overflow bucket its mean. Returns working ms.
 */
export function percentileFromBuckets(buckets: readonly Bucket[], p: number): number | null {
  const total = buckets.reduce((n, b) => n + b.count, 0);
  if (total === 0) return null;
  const rank = p * (total - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const valueAt = (k: number): number => {
    let before = 0;
    for (const b of buckets) {
      if (k < before + b.count) {
        if (b.count === 1) return b.sumMs;
        if (b.bucket >= BUCKET_CAP) return b.sumMs / b.count;
        return b.bucket * BUCKET_MS + ((k - before + 0.5) * BUCKET_MS) / b.count;
      }
      before += b.count;
    }
    const last = buckets[buckets.length - 1];
    return last.sumMs / last.count;
  };
  const lowValue = valueAt(low);
  return high === low ? lowValue : lowValue + (rank - low) * (valueAt(high) - lowValue);
}

/** One figure before and after: delta = after − before, percent = 100 × delta / before (null when before is 0). */
export interface Change {
  before: number | null;
  after: number | null;
  delta: number | null;
  percent: number | null;
}

/** Rounds away binary noise (0.30000000000000004) to 12 significant digits. */
const tidy = (value: number): number => Number(value.toPrecision(12));

export function change(before: number | null | undefined, after: number | null | undefined): Change {
  const b = typeof before === 'number' && Number.isFinite(before) ? before : null;
  const a = typeof after === 'number' && Number.isFinite(after) ? after : null;
  const delta = a === null || b === null ? null : tidy(a - b);
  const percent = delta === null || b === 0 ? null : tidy((100 * delta) / (b as number));
  return { before: b, after: a, delta, percent };
}

/** Pairs every figure that is a number (or null) on either side, by name. */
export function compareFigures(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, Change> {
  const numeric = (v: unknown): boolean => typeof v === 'number' || v === null;
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const out: Record<string, Change> = {};
  for (const name of names) {
    if (!numeric(before[name]) && !numeric(after[name])) continue;
    if (
      (before[name] !== undefined && !numeric(before[name])) ||
      (after[name] !== undefined && !numeric(after[name]))
    )
      continue;
    out[name] = change(before[name] as number | null, after[name] as number | null);
  }
  return out;
}

/** A case as measured in memory (a simulated case, or one read back for a test). */
export interface CaseOutcome {
  status: string;
  workingMs: number | null;
  trips: number;
  corrected: boolean;
  /** The cards raised on the case and its tasks; absent when unknown (a simulated case: not supervised). */
  cards?: readonly WarningLevel[];
  steps: {
    elementId: string;
    name: string | null;
    status: string;
    workingMs: number | null;
    timeLimit: number | null;
  }[];
}

const mean = (values: number[]): number | null =>
  values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;

/** The dynamic metrics of cases held in memory, exactly, by the definitions above (no ratings: satisfaction null). */
export function dynamicMetricsOf(
  cases: readonly CaseOutcome[],
  options: { timeLimitDays: number | null; msPerWorkingDay: number },
): DynamicMetrics {
  const perDay = options.msPerWorkingDay;
  const completed = cases.filter((c) => c.status === 'completed');
  const days = completed
    .flatMap((c) => (c.workingMs === null ? [] : [c.workingMs / perDay]))
    .sort((a, b) => a - b);
  const limit = options.timeLimitDays;
  const stepsByElement = new Map<string, { name: string | null; days: number[]; breaches: number }>();
  for (const c of completed) {
    for (const s of c.steps) {
      if (s.status !== 'completed' || s.workingMs === null) continue;
      const entry = stepsByElement.get(s.elementId) ?? { name: s.name, days: [], breaches: 0 };
      entry.days.push(s.workingMs / perDay);
      if (isBreach(s.workingMs, s.timeLimit, perDay)) entry.breaches++;
      stepsByElement.set(s.elementId, entry);
    }
  }
  const steps = [...stepsByElement].map(([elementId, e]) => ({
    elementId,
    name: e.name,
    count: e.days.length,
    meanWorkingDays: mean(e.days),
    p90WorkingDays: percentileCont(
      [...e.days].sort((a, b) => a - b),
      0.9,
    ),
    breaches: e.breaches,
  }));
  const n = completed.length;
  const from = (count: number): FigureSource => ({ method: 'memory', from: count });
  const supervised = completed.flatMap((c) => (c.cards ? [c.cards] : []));
  const warned = supervised.filter(isWarned).length;
  const red = supervised.filter(isRedCarded).length;
  const share = (count: number) => (supervised.length === 0 ? null : count / supervised.length);
  return {
    cases: cases.length,
    completed: n,
    meanWorkingDays: mean(days),
    medianWorkingDays: percentileCont(days, 0.5),
    p90WorkingDays: percentileCont(days, 0.9),
    meanTrips: mean(completed.map((c) => c.trips)),
    firstTimeRate: n === 0 ? null : completed.filter(isFirstTime).length / n,
    onTimeRate:
      limit === null || days.length === 0
        ? null
        : completed.filter((c) => c.workingMs !== null && isOnTime(c.workingMs, limit, perDay)).length /
          days.length,
    satisfaction: null,
    badRatings: 0,
    rectified: 0,
    rectifiedOnTime: 0,
    calledBack: 0,
    appealsUpheld: 0,
    defaultedRatings: 0,
    rectifiedOnTimeRate: null,
    calledBackRate: null,
    ratingsByDepartment: [],
    supervisedCases: supervised.length,
    warnedCases: warned,
    redCardCases: red,
    warningRate: share(warned),
    redCardRate: share(red),
    steps,
    method: {
      msPerWorkingDay: perDay,
      percentiles: 'memory',
      exactPercentileLimit: EXACT_PERCENTILE_LIMIT,
      histogramBucketDays: BUCKET_MS / perDay,
      maxErrorDays: 0,
      importedCases: 0,
      figures: Object.fromEntries(
        ['meanWorkingDays', 'medianWorkingDays', 'p90WorkingDays', 'onTimeRate']
          .map((f) => [f, from(days.length)])
          .concat(
            ['completed', 'meanTrips', 'firstTimeRate'].map((f) => [f, from(n)]),
            [['cases', from(cases.length)]],
            ['supervisedCases', 'warnedCases', 'redCardCases', 'warningRate', 'redCardRate'].map((f) => [
              f,
              from(supervised.length),
            ]),
          ),
      ),
    },
  };
}
