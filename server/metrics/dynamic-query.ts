/**
 * The dynamic metrics of one version, in SQL. Counts, means and rates come from the rollups (sums kept at each
 * case's completion: migration 2026-11-29-002), so they cost the same at 10 cases and at 10,000,000. Medians and
 * p90s are exact (`percentile_cont` over the rows) up to EXACT_PERCENTILE_LIMIT values and read from the duration
 * histogram above that (error < one 0.01-working-day bucket). `cases` adds the version's cases that are not
 * completed, counted through the (process_key, version, status) index. The `method` field says which was used
 * for each figure and from how many cases (or steps, or ratings).
 *
 * This is the SQL form of the case figures defined in engine/metrics/case-figures.ts (and aggregated in memory by
 * `dynamicMetricsOf`): the rollups of migration 2026-11-29-002 count a completed case as first time when NOT
 * `corrected` (`isFirstTime`), as on time when `working_ms <= timeLimitDays × ms_per_working_day` (`isOnTime`),
 * and sum its `trips` (`countTrips`, kept on the row); a step breaches when its `working_ms` exceeds its limit.
 * Since migration 2026-12-08-case-links a master's trips and correction are those of its 一件事 (the view
 * `case_one_thing`, `oneThingFigures` in memory): its own plus the cases its messages started.
 */
import { sql } from 'kysely';
import {
  BUCKET_MS,
  type Bucket,
  type DynamicMetrics,
  EXACT_PERCENTILE_LIMIT,
  type FigureSource,
  percentileFromBuckets,
  type StepFigures,
} from '../../engine/index.js';
import type { Db } from '../db/database.js';
import { ratingLoopFigures } from '../ratings/rating-loop-figures.js';
import { drainRollups } from './rollup-queue.js';
import { metricsDb } from './rollup-tables.js';
import { warningFigures } from './warning-figures.js';

export interface VersionRef {
  key: string;
  version: number;
  /** The version's committed limit (static `timeLimitDays`); onTimeRate is null without one. */
  timeLimitDays: number | null;
  /** Element ids in document order, to list steps in; others follow by id. */
  elementOrder?: readonly string[];
}

const num = (v: unknown): number => Number(v ?? 0);

/** The working-day length and bucket width the rollups were built with. */
export async function metricSettings(db: Db): Promise<{ msPerWorkingDay: number; bucketMs: number }> {
  const row = await metricsDb(db)
    .selectFrom('metric_settings')
    .select(['ms_per_working_day', 'bucket_ms'])
    .executeTakeFirstOrThrow();
  return { msPerWorkingDay: num(row.ms_per_working_day), bucketMs: num(row.bucket_ms) };
}

/**
 * The version's case-duration histogram, buckets ascending (shards summed). Read by `dynamicMetrics`, or after
 * it (the report): it has drained the rollup queue already, so the histogram counts the cases the figures count.
 */
export async function caseBuckets(db: Db, key: string, version: number): Promise<Bucket[]> {
  const rows = await metricsDb(db)
    .selectFrom('case_duration_buckets')
    .select((eb) => [
      'bucket',
      eb.fn.sum<number>('cases').as('count'),
      eb.fn.sum<number>('sum_working_ms').as('sumMs'),
    ])
    .where('process_key', '=', key)
    .where('version', '=', version)
    .groupBy('bucket')
    .having((eb) => eb.fn.sum('cases'), '>', 0)
    .orderBy('bucket')
    .execute();
  return rows.map((r) => ({ bucket: r.bucket, count: num(r.count), sumMs: num(r.sumMs) }));
}

async function exactCasePercentiles(
  db: Db,
  key: string,
  version: number,
): Promise<{ median: number | null; p90: number | null }> {
  const result = await sql<{ median: number | null; p90: number | null }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY working_ms) AS median,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY working_ms) AS p90
      FROM cases
     WHERE process_key = ${key} AND version = ${version} AND status = 'completed' AND working_ms IS NOT NULL`.execute(
    db,
  );
  const row = result.rows[0];
  return {
    median: row.median === null ? null : Number(row.median),
    p90: row.p90 === null ? null : Number(row.p90),
  };
}

/** p90 of each element's completed steps in completed cases: exact for the given (small) elements. */
async function exactStepP90(
  db: Db,
  key: string,
  version: number,
  elements: string[],
): Promise<Map<string, number>> {
  if (elements.length === 0) return new Map();
  const result = await sql<{ element_id: string; p90: number }>`
    SELECT t.element_id, percentile_cont(0.9) WITHIN GROUP (ORDER BY t.working_ms) AS p90
      FROM steps t JOIN cases c ON c.id = t.case_id
     WHERE t.process_key = ${key} AND t.version = ${version} AND t.element_id = ANY(${elements}::text[])
       AND t.status = 'completed' AND t.working_ms IS NOT NULL AND c.status = 'completed'
     GROUP BY t.element_id`.execute(db);
  return new Map(result.rows.map((r) => [r.element_id, Number(r.p90)]));
}

/** p90 of each given element's steps from the step-duration histogram. */
async function histogramStepP90(
  db: Db,
  key: string,
  version: number,
  elements: string[],
): Promise<Map<string, number | null>> {
  if (elements.length === 0) return new Map();
  const rows = await metricsDb(db)
    .selectFrom('step_duration_buckets')
    .select((eb) => [
      'element_id',
      'bucket',
      eb.fn.sum<number>('steps').as('count'),
      eb.fn.sum<number>('sum_working_ms').as('sumMs'),
    ])
    .where('process_key', '=', key)
    .where('version', '=', version)
    .where('element_id', 'in', elements)
    .groupBy(['element_id', 'bucket'])
    .orderBy('element_id')
    .orderBy('bucket')
    .execute();
  const byElement = new Map<string, Bucket[]>();
  for (const r of rows) {
    const list = byElement.get(r.element_id) ?? [];
    if (num(r.count) > 0) list.push({ bucket: r.bucket, count: num(r.count), sumMs: num(r.sumMs) });
    byElement.set(r.element_id, list);
  }
  return new Map(elements.map((e) => [e, percentileFromBuckets(byElement.get(e) ?? [], 0.9)]));
}

/** The dynamic metrics of a version, with how each figure was computed. */
export async function dynamicMetrics(db: Db, ref: VersionRef): Promise<DynamicMetrics> {
  const { key, version } = ref;
  await drainRollups(db); // every case completed before this read is counted
  const mdb = metricsDb(db);
  const [settings, totals, open, stepRows] = await Promise.all([
    metricSettings(db),
    mdb
      .selectFrom('version_rollups')
      .select((eb) => [
        eb.fn.sum<number>('completed').as('completed'),
        eb.fn.sum<number>('imported').as('imported'),
        eb.fn.sum<number>('timed').as('timed'),
        eb.fn.sum<number>('sum_working_ms').as('sumMs'),
        eb.fn.sum<number>('on_time').as('onTime'),
        eb.fn.sum<number>('first_time').as('firstTime'),
        eb.fn.sum<number>('sum_trips').as('trips'),
      ])
      .where('process_key', '=', key)
      .where('version', '=', version)
      .executeTakeFirstOrThrow(),
    // two index ranges of (process_key, version, status): every status but 'completed'
    sql<{ n: number }>`SELECT count(*) AS n FROM cases WHERE process_key = ${key} AND version = ${version}
                         AND (status < 'completed' OR status > 'completed')`.execute(db),
    mdb
      .selectFrom('step_rollups')
      .select((eb) => [
        'element_id',
        eb.fn.max('name').as('name'),
        eb.fn.sum<number>('count').as('count'),
        eb.fn.sum<number>('sum_working_ms').as('sumMs'),
        eb.fn.sum<number>('breaches').as('breaches'),
      ])
      .where('process_key', '=', key)
      .where('version', '=', version)
      .groupBy('element_id')
      .execute(),
  ]);
  const ratings = await ratingLoopFigures(db, key, version, settings.msPerWorkingDay);
  const perDay = settings.msPerWorkingDay;
  const completed = num(totals.completed);
  const cards = await warningFigures(db, key, version, completed - num(totals.imported));
  const timed = num(totals.timed);
  const exact = timed <= EXACT_PERCENTILE_LIMIT;
  let median: number | null;
  let p90: number | null;
  if (exact) ({ median, p90 } = await exactCasePercentiles(db, key, version));
  else {
    const buckets = await caseBuckets(db, key, version);
    median = percentileFromBuckets(buckets, 0.5);
    p90 = percentileFromBuckets(buckets, 0.9);
  }
  const steps = stepRows.map((r) => ({
    elementId: r.element_id,
    name: r.name,
    count: num(r.count),
    sumMs: num(r.sumMs),
    breaches: num(r.breaches),
  }));
  const small = steps.filter((s) => s.count > 0 && s.count <= EXACT_PERCENTILE_LIMIT).map((s) => s.elementId);
  const large = steps.filter((s) => s.count > EXACT_PERCENTILE_LIMIT).map((s) => s.elementId);
  const [smallP90, largeP90] = await Promise.all([
    exactStepP90(db, key, version, small),
    histogramStepP90(db, key, version, large),
  ]);
  const order = new Map((ref.elementOrder ?? []).map((id, i) => [id, i]));
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  const stepFigures: StepFigures[] = steps
    .filter((s) => s.count > 0)
    .sort((a, b) => rank(a.elementId) - rank(b.elementId) || a.elementId.localeCompare(b.elementId))
    .map((s) => {
      const p = smallP90.get(s.elementId) ?? largeP90.get(s.elementId) ?? null;
      return {
        elementId: s.elementId,
        name: s.name,
        count: s.count,
        meanWorkingDays: s.sumMs / s.count / perDay,
        p90WorkingDays: p === null ? null : p / perDay,
        breaches: s.breaches,
      };
    });
  const days = (ms: number | null) => (ms === null ? null : ms / perDay);
  const limit = ref.timeLimitDays;
  const source = (method: FigureSource['method'], from: number): FigureSource => ({ method, from });
  const ofBad = (count: number) => (ratings.total.badRatings === 0 ? null : count / ratings.total.badRatings);
  const percentileSource = source(exact ? 'percentile_cont' : 'histogram', timed);
  return {
    cases: completed + num(open.rows[0]?.n),
    completed,
    meanWorkingDays: timed === 0 ? null : num(totals.sumMs) / timed / perDay,
    medianWorkingDays: days(median),
    p90WorkingDays: days(p90),
    meanTrips: completed === 0 ? null : num(totals.trips) / completed,
    firstTimeRate: completed === 0 ? null : num(totals.firstTime) / completed,
    onTimeRate: limit === null || timed === 0 ? null : num(totals.onTime) / timed,
    satisfaction: ratings.total.satisfaction,
    badRatings: ratings.total.badRatings,
    rectified: ratings.total.rectified,
    rectifiedOnTime: ratings.total.rectifiedOnTime,
    calledBack: ratings.total.calledBack,
    appealsUpheld: ratings.total.appealsUpheld,
    defaultedRatings: ratings.total.defaulted,
    rectifiedOnTimeRate: ofBad(ratings.total.rectifiedOnTime),
    calledBackRate: ofBad(ratings.total.calledBack),
    ratingsByDepartment: ratings.departments,
    ...cards,
    steps: stepFigures,
    method: {
      msPerWorkingDay: perDay,
      percentiles: exact ? 'percentile_cont' : 'histogram',
      exactPercentileLimit: EXACT_PERCENTILE_LIMIT,
      histogramBucketDays: BUCKET_MS / perDay,
      maxErrorDays: exact ? 0 : BUCKET_MS / perDay,
      importedCases: num(totals.imported),
      figures: {
        cases: source('count', completed + num(open.rows[0]?.n)),
        completed: source('count', completed),
        meanWorkingDays: source('rollup', timed),
        medianWorkingDays: percentileSource,
        p90WorkingDays: percentileSource,
        meanTrips: source('rollup', completed),
        firstTimeRate: source('rollup', completed),
        onTimeRate: limit === null ? source('no-time-limit', 0) : source('rollup', timed),
        satisfaction: source('ratings', ratings.total.ratings),
        badRatings: source('ratings', ratings.total.ratings),
        rectified: source('ratings', ratings.total.badRatings),
        rectifiedOnTime: source('ratings', ratings.total.badRatings),
        calledBack: source('ratings', ratings.total.badRatings),
        appealsUpheld: source('ratings', ratings.total.badRatings),
        rectifiedOnTimeRate: source('ratings', ratings.total.badRatings),
        calledBackRate: source('ratings', ratings.total.badRatings),
        ...Object.fromEntries(
          ['supervisedCases', 'warnedCases', 'redCardCases', 'warningRate', 'redCardRate'].map((f) => [
            f,
            source('cards', cards.supervisedCases),
          ]),
        ),
        stepFigures: source(
          large.length > 0 ? 'histogram' : 'percentile_cont',
          steps.reduce((n, s) => n + s.count, 0),
        ),
      },
    },
  };
}
