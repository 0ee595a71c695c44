/**
 * A 一件事 measured end to end: the cases a case's messages started belong to it.
 *
 * - `cases.root_case_id`: the master (一件事) a case belongs to — the case whose message started it, or that
 *   case's own master (transitively: a department case started by a department case started by the master has
 *   the master as root). Null for a case started by a person, an API client, a signal or a timer. Written with
 *   the case's row in the same statement (server/cases/case-service.ts, by server/messages/message-service.ts).
 * - `case_one_thing` (a view): per case, its trips and whether it was corrected, with the cases whose root it is
 *   included (engine/metrics/case-figures.ts `oneThingFigures`, the one definition of the rule).
 * - The rollup functions (migrations 002/004/005) read the master's trips and first-time completion from the
 *   view; every other figure stays the case's own (its working time already spans the departments' work it
 *   waits for).
 * - Existing data: a case started by a message a case sent (its idempotency key `message:<id>:<process>`, or
 *   `messages.target_case_id` of a `started` message) gets that case's root; the rollups of the versions of the
 *   masters found are rebuilt. Down rebuilds them again without the departments' figures.
 */
import { type Kysely, sql } from 'kysely';
import { ROLLUP_TABLES, rollUp } from './2026-11-29-002-metric-rollups.js';

/** The figures the rollups read per case: its own, plus those of the cases whose master (root) it is. */
const VIEW = `CREATE VIEW case_one_thing AS
  SELECT c.id,
         c.trips + coalesce((SELECT sum(l.trips) FROM cases l WHERE l.root_case_id = c.id), 0) AS trips,
         c.corrected OR EXISTS (SELECT 1 FROM cases l WHERE l.root_case_id = c.id AND l.corrected) AS corrected
    FROM cases c`;

const REPLACEMENTS: [string, string][] = [
  [
    'FROM cases c JOIN definition_versions d ON d.id = c.definition_id',
    'FROM cases c JOIN case_one_thing b ON b.id = c.id JOIN definition_versions d ON d.id = c.definition_id',
  ],
  ['count(*) FILTER (WHERE NOT c.corrected)', 'count(*) FILTER (WHERE NOT b.corrected)'],
  ['coalesce(sum(c.trips), 0)', 'coalesce(sum(b.trips), 0)'],
];

/** migration 002's rollup statements, the version rollups reading a master's trips and correction from the view. */
export function rollUpOneThing(where: string): string {
  let text = rollUp(where);
  for (const [from, to] of REPLACEMENTS) {
    if (!text.includes(from)) throw new Error(`case-links migration: the rollup text lacks '${from}'`);
    text = text.replace(from, to);
  }
  return text;
}

const functions = (statements: (where: string) => string): string[] => [
  `CREATE OR REPLACE FUNCTION reflow_roll_up_cases(p_ids text[]) RETURNS void LANGUAGE plpgsql AS $fn$
  BEGIN
  ${statements('c.id = ANY(p_ids)')}
  END
  $fn$`,
  `CREATE OR REPLACE FUNCTION reflow_rebuild_version_rollups(p_key text, p_version integer) RETURNS void LANGUAGE plpgsql AS $fn$
  BEGIN
  ${ROLLUP_TABLES.map((t) => `DELETE FROM ${t} WHERE process_key = p_key AND version = p_version;`).join('\n  ')}
  ${statements('c.process_key = p_key AND c.version = p_version')}
  END
  $fn$`,
];

/** Versions with a completed master (a case other cases name as root): their rollups change with the rule. */
const MASTER_VERSIONS = `SELECT DISTINCT r.process_key, r.version FROM cases r
  WHERE r.status = 'completed' AND EXISTS (SELECT 1 FROM cases l WHERE l.root_case_id = r.id)`;

async function rebuild(db: Kysely<unknown>, versions: { process_key: string; version: number }[]) {
  for (const v of versions)
    await sql`SELECT reflow_roll_up_version(${v.process_key}, ${v.version})`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw('ALTER TABLE cases ADD COLUMN root_case_id text').execute(db);
  await sql.raw('CREATE INDEX cases_root ON cases (root_case_id) WHERE root_case_id IS NOT NULL').execute(db);
  // cases started by a message a case sent: by the start's idempotency key, or by the message's target
  await sql
    .raw(
      `UPDATE cases c SET root_case_id = m.source_case_id
         FROM idempotency_keys k JOIN messages m ON m.id = split_part(k.key, ':', 2)
        WHERE k.key LIKE 'message:%' AND k.case_id = c.id
          AND m.source_case_id IS NOT NULL AND m.source_case_id <> c.id`,
    )
    .execute(db);
  await sql
    .raw(
      `UPDATE cases c SET root_case_id = m.source_case_id
         FROM messages m
        WHERE m.status = 'started' AND m.target_case_id = c.id AND c.root_case_id IS NULL
          AND m.source_case_id IS NOT NULL AND m.source_case_id <> c.id`,
    )
    .execute(db);
  // a master's master is the root: followed until none is left (a chain is as long as its messages)
  for (let i = 0; i < 1000; i++) {
    const result = await sql
      .raw(
        `UPDATE cases c SET root_case_id = p.root_case_id FROM cases p
          WHERE c.root_case_id = p.id AND p.root_case_id IS NOT NULL AND p.root_case_id <> c.id`,
      )
      .execute(db);
    if (Number(result.numAffectedRows ?? 0) === 0) break;
  }
  await sql.raw(VIEW).execute(db);
  for (const statement of functions(rollUpOneThing)) await sql.raw(statement).execute(db);
  const { rows } = await sql<{ process_key: string; version: number }>`${sql.raw(MASTER_VERSIONS)}`.execute(
    db,
  );
  await rebuild(db, rows);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ process_key: string; version: number }>`${sql.raw(MASTER_VERSIONS)}`.execute(
    db,
  );
  for (const statement of functions(rollUp)) await sql.raw(statement).execute(db);
  await rebuild(db, rows);
  await sql.raw('DROP VIEW case_one_thing').execute(db);
  await sql.raw('DROP INDEX cases_root').execute(db);
  await sql.raw('ALTER TABLE cases DROP COLUMN root_case_id').execute(db);
}
