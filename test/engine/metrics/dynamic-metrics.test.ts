// The formulas of the dynamic metrics: percentile_cont, percentiles from the histogram (within one bucket),
// the change of a figure, and measuring cases in memory (as simulation does).
import fc from 'fast-check';
import t from 'tap';
import { isBreach, isOnTime } from '../../../engine/metrics/case-figures.js';
import {
  BUCKET_CAP,
  BUCKET_MS,
  type Bucket,
  bucketOf,
  change,
  compareFigures,
  dynamicMetricsOf,
  percentileCont,
  percentileFromBuckets,
} from '../../../engine/metrics/dynamic-metrics.js';

const DAY = 25_200_000;

t.test('percentile_cont interpolates between ranks', async (t) => {
  // [1, 2, 3, 10]: median rank 1.5 → 2.5; p90 rank 2.7 → 3 + 0.7 × 7 = 7.9
  t.equal(percentileCont([1, 2, 3, 10], 0.5), 2.5);
  t.ok(Math.abs((percentileCont([1, 2, 3, 10], 0.9) ?? 0) - 7.9) < 1e-12);
  t.equal(percentileCont([4], 0.9), 4);
  t.equal(percentileCont([], 0.5), null);
});

t.test('histogram percentiles lie within one bucket of percentile_cont', async (t) => {
  const toBuckets = (values: number[]): Bucket[] => {
    const map = new Map<number, Bucket>();
    for (const v of values) {
      const b = map.get(bucketOf(v)) ?? { bucket: bucketOf(v), count: 0, sumMs: 0 };
      b.count++;
      b.sumMs += v;
      map.set(b.bucket, b);
    }
    return [...map.values()].sort((a, b) => a.bucket - b.bucket);
  };
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 40 * DAY }), { minLength: 1, maxLength: 300 }),
      fc.constantFrom(0.1, 0.5, 0.9, 0.99),
      (values, p) => {
        const exact = percentileCont(
          [...values].sort((a, b) => a - b),
          p,
        )!;
        const estimate = percentileFromBuckets(toBuckets(values), p)!;
        return Math.abs(estimate - exact) < BUCKET_MS;
      },
    ),
    { numRuns: 300 },
  );
  t.equal(
    percentileFromBuckets([{ bucket: 10, count: 1, sumMs: 10 * BUCKET_MS + 7 }], 0.5),
    10 * BUCKET_MS + 7,
    'a lone value is exact',
  );
  t.equal(bucketOf(5000 * DAY), BUCKET_CAP, 'very long durations share the last bucket');
  t.equal(BUCKET_MS / DAY, 0.01, 'buckets of 0.01 working day');
});

t.test('on time and breaches', async (t) => {
  t.ok(isOnTime(5 * DAY, 5, DAY), 'exactly on the limit is on time');
  t.notOk(isOnTime(5 * DAY + 1, 5, DAY));
  t.ok(isBreach(2 * DAY + 1, 2, DAY));
  t.notOk(isBreach(2 * DAY, 2, DAY));
  t.notOk(isBreach(99 * DAY, null, DAY), 'no limit, no breach');
});

t.test('change: delta = after − before, percent = 100 × delta / before', async (t) => {
  t.same(change(20, 5), { before: 20, after: 5, delta: -15, percent: -75 });
  t.same(change(7, 4), { before: 7, after: 4, delta: -3, percent: -42.8571428571 });
  t.same(
    change(0.62, 0.95),
    { before: 0.62, after: 0.95, delta: 0.33, percent: 53.2258064516 },
    'binary noise tidied',
  );
  t.same(change(0, 3), { before: 0, after: 3, delta: 3, percent: null }, 'before 0: no percent');
  t.same(change(null, 3), { before: null, after: 3, delta: null, percent: null });
  t.same(change(2, null), { before: 2, after: null, delta: null, percent: null });
  const pairs = compareFigures(
    { steps: 7, timeLimitDays: null, note: 'x', steps2: [1] },
    { steps: 4, timeLimitDays: 5, extra: 1 },
  );
  t.same(
    Object.keys(pairs).sort(),
    ['extra', 'steps', 'timeLimitDays'],
    'numbers and nulls only, from either side',
  );
  t.same(pairs.extra, { before: null, after: 1, delta: null, percent: null });
});

t.test('measuring cases in memory', async (t) => {
  const h = DAY / 7;
  const step = (elementId: string, hours: number, timeLimit: number | null = null) => ({
    elementId,
    name: elementId,
    status: 'completed',
    workingMs: hours * h,
    timeLimit,
  });
  // durations 4, 8, 9, 52 h (as fixtures/permit-log.csv); an active case counts only in `cases`
  const metrics = dynamicMetricsOf(
    [
      {
        status: 'completed',
        workingMs: 8 * h,
        trips: 1,
        corrected: false,
        steps: [step('review', 6, 2), step('issue', 2)],
      },
      {
        status: 'completed',
        workingMs: 9 * h,
        trips: 1,
        corrected: true,
        steps: [step('review', 1, 2), step('review', 1, 2), step('issue', 7)],
      },
      {
        status: 'completed',
        workingMs: 52 * h,
        trips: 1,
        corrected: false,
        steps: [step('review', 24, 2), step('issue', 28)],
      },
      {
        status: 'completed',
        workingMs: 4 * h,
        trips: 1,
        corrected: false,
        steps: [step('review', 3, 2), step('issue', 1)],
      },
      { status: 'active', workingMs: null, trips: 0, corrected: false, steps: [step('review', 99, 2)] },
    ],
    { timeLimitDays: 5, msPerWorkingDay: DAY },
  );
  t.match(metrics, {
    cases: 5,
    completed: 4,
    meanTrips: 1,
    firstTimeRate: 0.75,
    onTimeRate: 0.75,
    satisfaction: null,
    badRatings: 0,
  });
  t.ok(Math.abs(metrics.meanWorkingDays! - 18.25 / 7) < 1e-12);
  t.ok(Math.abs(metrics.medianWorkingDays! - 8.5 / 7) < 1e-12);
  t.ok(Math.abs(metrics.p90WorkingDays! - 39.1 / 7) < 1e-12);
  t.match(
    metrics.steps.find((s) => s.elementId === 'review'),
    { count: 5, breaches: 1, meanWorkingDays: 1 },
  );
});
