/**
 * Metric rollups: per-version sums and duration histograms, kept by a commit-time trigger when a case completes.
 *
 * When a case row becomes `completed` (inserted so, or updated to it), a deferred constraint trigger adds the
 * case — and its completed steps — to the rollups at COMMIT, inside the same transaction: whatever statements
 * wrote the case and its steps, all are visible by then, and a rolled-back command leaves no trace. Rows are
 * split over 8 shards (by a hash of the case id) so concurrent completions rarely wait for one another; one
 * completion locks its rollup rows in one global order (table, then key), so two completions cannot deadlock.
 *
 * Bulk writers (log import, generators) `SET LOCAL reflow.rollups = 'manual'` and call
 * `reflow_roll_up_cases(ids)` per batch — the same SQL, set-based. `reflow_roll_up_version(key, version)`
 * rebuilds a version's rollups from its rows (after a change of the working-day length, or to check them).
 */
import { type Kysely, sql } from 'kysely';

const SHARDS = 8;

/** The four upserts that add the completed cases selected by `where` (over `cases c`) to the rollups. */
export const rollUp = (where: string): string => `
  INSERT INTO version_rollups AS r
         (process_key, version, shard, completed, imported, timed, sum_working_ms, on_time, first_time, sum_trips)
  SELECT c.process_key, c.version, (hashtext(c.id) & ${SHARDS - 1})::smallint, count(*), count(*) FILTER (WHERE c.imported),
         count(c.working_ms), coalesce(sum(c.working_ms), 0),
         count(*) FILTER (WHERE c.working_ms <= (d.static_metrics->>'timeLimitDays')::float8 * s.ms_per_working_day),
         count(*) FILTER (WHERE NOT c.corrected), coalesce(sum(c.trips), 0)
    FROM cases c JOIN definition_versions d ON d.id = c.definition_id CROSS JOIN metric_settings s
   WHERE ${where} AND c.status = 'completed'
   GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (process_key, version, shard) DO UPDATE SET
    completed = r.completed + excluded.completed, imported = r.imported + excluded.imported, timed = r.timed + excluded.timed,
    sum_working_ms = r.sum_working_ms + excluded.sum_working_ms, on_time = r.on_time + excluded.on_time,
    first_time = r.first_time + excluded.first_time, sum_trips = r.sum_trips + excluded.sum_trips;

  INSERT INTO case_duration_buckets AS r (process_key, version, bucket, shard, cases, sum_working_ms)
  SELECT c.process_key, c.version, least(c.working_ms / s.bucket_ms, s.bucket_cap)::int,
         (hashtext(c.id) & ${SHARDS - 1})::smallint, count(*), sum(c.working_ms)
    FROM cases c CROSS JOIN metric_settings s
   WHERE ${where} AND c.status = 'completed' AND c.working_ms IS NOT NULL
   GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (process_key, version, bucket, shard) DO UPDATE SET
    cases = r.cases + excluded.cases, sum_working_ms = r.sum_working_ms + excluded.sum_working_ms;

  INSERT INTO step_rollups AS r (process_key, version, element_id, shard, name, count, sum_working_ms, breaches)
  SELECT c.process_key, c.version, t.element_id, (hashtext(c.id) & ${SHARDS - 1})::smallint, max(t.name), count(*),
         sum(t.working_ms), count(*) FILTER (WHERE t.working_ms > t.time_limit * s.ms_per_working_day)
    FROM cases c JOIN steps t ON t.case_id = c.id CROSS JOIN metric_settings s
   WHERE ${where} AND c.status = 'completed' AND t.status = 'completed' AND t.working_ms IS NOT NULL
   GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (process_key, version, element_id, shard) DO UPDATE SET
    name = coalesce(excluded.name, r.name), count = r.count + excluded.count,
    sum_working_ms = r.sum_working_ms + excluded.sum_working_ms, breaches = r.breaches + excluded.breaches;

  INSERT INTO step_duration_buckets AS r (process_key, version, element_id, bucket, shard, steps, sum_working_ms)
  SELECT c.process_key, c.version, t.element_id, least(t.working_ms / s.bucket_ms, s.bucket_cap)::int,
         (hashtext(c.id) & ${SHARDS - 1})::smallint, count(*), sum(t.working_ms)
    FROM cases c JOIN steps t ON t.case_id = c.id CROSS JOIN metric_settings s
   WHERE ${where} AND c.status = 'completed' AND t.status = 'completed' AND t.working_ms IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (process_key, version, element_id, bucket, shard) DO UPDATE SET
    steps = r.steps + excluded.steps, sum_working_ms = r.sum_working_ms + excluded.sum_working_ms;`;

export const ROLLUP_TABLES = [
  'step_duration_buckets',
  'step_rollups',
  'case_duration_buckets',
  'version_rollups',
];

/** Runs statements one by one (PGlite's extended protocol takes one statement per query). */
async function run(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** The trigger function that rolls a completed case up at commit (migration 005 queues it instead; its down restores this). */
export const ROLL_UP_AT_COMMIT = `CREATE OR REPLACE FUNCTION reflow_case_completed() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF coalesce(current_setting('reflow.rollups', true), '') <> 'manual' THEN
      PERFORM reflow_roll_up_cases(ARRAY[NEW.id]);
    END IF;
    RETURN NULL;
  END
  $fn$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await run(db, [
    `CREATE TABLE metric_settings (
    id smallint PRIMARY KEY CHECK (id = 1),
    ms_per_working_day bigint NOT NULL,
    bucket_ms bigint NOT NULL,
    bucket_cap integer NOT NULL,
    shards integer NOT NULL)`,
    `INSERT INTO metric_settings VALUES (1, 25200000, 252000, 100000, ${SHARDS})`,
    `CREATE TABLE version_rollups (
    process_key text NOT NULL, version integer NOT NULL, shard smallint NOT NULL,
    completed bigint NOT NULL, imported bigint NOT NULL, timed bigint NOT NULL, sum_working_ms bigint NOT NULL,
    on_time bigint NOT NULL, first_time bigint NOT NULL, sum_trips bigint NOT NULL,
    PRIMARY KEY (process_key, version, shard))`,
    `CREATE TABLE case_duration_buckets (
    process_key text NOT NULL, version integer NOT NULL, bucket integer NOT NULL, shard smallint NOT NULL,
    cases bigint NOT NULL, sum_working_ms bigint NOT NULL,
    PRIMARY KEY (process_key, version, bucket, shard))`,
    `CREATE TABLE step_rollups (
    process_key text NOT NULL, version integer NOT NULL, element_id text NOT NULL, shard smallint NOT NULL,
    name text, count bigint NOT NULL, sum_working_ms bigint NOT NULL, breaches bigint NOT NULL,
    PRIMARY KEY (process_key, version, element_id, shard))`,
    `CREATE TABLE step_duration_buckets (
    process_key text NOT NULL, version integer NOT NULL, element_id text NOT NULL, bucket integer NOT NULL,
    shard smallint NOT NULL, steps bigint NOT NULL, sum_working_ms bigint NOT NULL,
    PRIMARY KEY (process_key, version, element_id, bucket, shard))`,
    // event-log export pages through a version's cases by id
    'CREATE INDEX cases_process_version_id ON cases (process_key, version, id)',
    `CREATE FUNCTION reflow_roll_up_cases(p_ids text[]) RETURNS void LANGUAGE sql AS $fn$
  ${rollUp('c.id = ANY(p_ids)')}
  $fn$`,
    `CREATE FUNCTION reflow_roll_up_version(p_key text, p_version integer) RETURNS void LANGUAGE sql AS $fn$
  ${ROLLUP_TABLES.map((t) => `DELETE FROM ${t} WHERE process_key = p_key AND version = p_version;`).join('\n  ')}
  ${rollUp('c.process_key = p_key AND c.version = p_version')}
  $fn$`,
    ROLL_UP_AT_COMMIT,
    `CREATE CONSTRAINT TRIGGER cases_completed_insert AFTER INSERT ON cases
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'completed')
    EXECUTE FUNCTION reflow_case_completed()`,
    `CREATE CONSTRAINT TRIGGER cases_completed_update AFTER UPDATE OF status ON cases
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'completed' AND OLD.status IS DISTINCT FROM 'completed')
    EXECUTE FUNCTION reflow_case_completed()`,
    // cases completed before this migration
    `SELECT reflow_roll_up_version(v.process_key, v.version)
       FROM (SELECT DISTINCT process_key, version FROM cases WHERE status = 'completed') v`,
  ]);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await run(db, [
    'DROP TRIGGER IF EXISTS cases_completed_update ON cases',
    'DROP TRIGGER IF EXISTS cases_completed_insert ON cases',
    'DROP FUNCTION IF EXISTS reflow_case_completed()',
    'DROP FUNCTION IF EXISTS reflow_roll_up_version(text, integer)',
    'DROP FUNCTION IF EXISTS reflow_roll_up_cases(text[])',
    'DROP INDEX IF EXISTS cases_process_version_id',
    ...[...ROLLUP_TABLES, 'metric_settings'].map((t) => `DROP TABLE IF EXISTS ${t}`),
  ]);
}
