/**
 * Completed cases reach the metric rollups through a queue instead of inside the command that completed them.
 *
 * Rolling a case up at commit (migration 002) cost each completing command four upserts over the case and its
 * steps — measured, about as much database time as all the command's own rows. Now the commit-time trigger only
 * queues the case's id (same transaction: a rolled-back command queues nothing), and `reflow_drain_rollups(n)`
 * rolls up to n queued cases at once, set-based, and removes them from the queue in the same transaction. Each
 * node drains in the background; every metrics read drains first, so figures stay exact. Drainers lock the
 * queue rows they take (in id order), so two of them never roll up a case twice, and one that finds rows taken
 * waits for their drainer to commit. A rebuild of a version (`reflow_roll_up_version`) drops the version's
 * queued cases in its own transaction: it counts them from the rows already.
 */
import { type Kysely, sql } from 'kysely';
import { ROLL_UP_AT_COMMIT } from './2026-11-29-002-metric-rollups.js';

const statements = [
  `CREATE TABLE rollup_queue (case_id text PRIMARY KEY)`,
  `CREATE OR REPLACE FUNCTION reflow_case_completed() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    IF coalesce(current_setting('reflow.rollups', true), '') <> 'manual' THEN
      INSERT INTO rollup_queue (case_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
  END
  $fn$`,
  `CREATE FUNCTION reflow_drain_rollups(p_limit integer) RETURNS integer LANGUAGE plpgsql AS $fn$
  DECLARE
    taken text[];
  BEGIN
    SELECT array_agg(case_id) INTO taken
      FROM (SELECT case_id FROM rollup_queue ORDER BY case_id LIMIT p_limit FOR UPDATE) q;
    IF taken IS NULL THEN
      RETURN 0;
    END IF;
    DELETE FROM rollup_queue WHERE case_id = ANY(taken);
    PERFORM reflow_roll_up_cases(taken);
    RETURN cardinality(taken);
  END
  $fn$`,
  `ALTER FUNCTION reflow_roll_up_version(text, integer) RENAME TO reflow_rebuild_version_rollups`,
  `CREATE FUNCTION reflow_roll_up_version(p_key text, p_version integer) RETURNS void LANGUAGE plpgsql AS $fn$
  BEGIN
    DELETE FROM rollup_queue q USING cases c WHERE c.id = q.case_id AND c.process_key = p_key AND c.version = p_version;
    PERFORM reflow_rebuild_version_rollups(p_key, p_version);
  END
  $fn$`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
  // cases that completed while an older node ran are rolled up already (the old trigger did it at commit)
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // what is still queued goes into the rollups first, the way the old trigger would have put it
  await sql.raw('SELECT reflow_drain_rollups(2147483647)').execute(db);
  for (const statement of [
    'DROP FUNCTION reflow_roll_up_version(text, integer)',
    'ALTER FUNCTION reflow_rebuild_version_rollups(text, integer) RENAME TO reflow_roll_up_version',
    'DROP FUNCTION reflow_drain_rollups(integer)',
    ROLL_UP_AT_COMMIT,
    'DROP TABLE rollup_queue',
  ])
    await sql.raw(statement).execute(db);
}
