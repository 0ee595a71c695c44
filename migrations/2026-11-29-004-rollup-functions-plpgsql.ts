/**
 * The rollup functions of migration 2026-11-29-002 in PL/pgSQL instead of SQL: a PL/pgSQL function keeps its
 * statements' plans for the session, where a SQL function plans its four upserts again at every call — the
 * commit-time trigger runs at each case completion, and on the embedded database the planning dominated its cost.
 * Same statements, same results.
 */
import { type Kysely, sql } from 'kysely';

const SHARDS = 8;

/** The four upserts that add the completed cases selected by `where` (over `cases c`) to the rollups. */
const rollUp = (where: string): string => `
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

const ROLLUP_TABLES = ['step_duration_buckets', 'step_rollups', 'case_duration_buckets', 'version_rollups'];

const functions = (language: 'plpgsql' | 'sql'): string[] => {
  const body = (statements: string) => (language === 'plpgsql' ? `BEGIN\n${statements}\nEND` : statements);
  return [
    `CREATE OR REPLACE FUNCTION reflow_roll_up_cases(p_ids text[]) RETURNS void LANGUAGE ${language} AS $fn$
  ${body(rollUp('c.id = ANY(p_ids)'))}
  $fn$`,
    `CREATE OR REPLACE FUNCTION reflow_roll_up_version(p_key text, p_version integer) RETURNS void LANGUAGE ${language} AS $fn$
  ${body(`${ROLLUP_TABLES.map((t) => `DELETE FROM ${t} WHERE process_key = p_key AND version = p_version;`).join('\n  ')}
  ${rollUp('c.process_key = p_key AND c.version = p_version')}`)}
  $fn$`,
  ];
};

export async function up(db: Kysely<unknown>): Promise<void> {
  // a function cannot change its language in place: dropped and created again (the trigger calls it by name)
  await sql.raw('DROP FUNCTION reflow_roll_up_cases(text[])').execute(db);
  await sql.raw('DROP FUNCTION reflow_roll_up_version(text, integer)').execute(db);
  for (const statement of functions('plpgsql')) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql.raw('DROP FUNCTION reflow_roll_up_cases(text[])').execute(db);
  await sql.raw('DROP FUNCTION reflow_roll_up_version(text, integer)').execute(db);
  for (const statement of functions('sql')) await sql.raw(statement).execute(db);
}
