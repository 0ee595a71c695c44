/**
 * Official holiday schedules loaded by an administrator, and the system audit log that records who loaded what.
 *
 * - `calendar_years`: one row per year loaded (PUT /api/calendar/years/{year}, `npm run calendar`): its days off
 *   and 调休 workdays. Every node builds its working calendar from the built-in data (chinese-days) and these rows,
 *   a stored year replacing the built-in one; `system_seq` is the audit entry that wrote the row, so a node
 *   polling `max(system_seq)` sees a change in one index read.
 * - `system_events`: changes that belong to no case (a year's schedule loaded or replaced, with the old and new
 *   dates and the due dates it moved), hash-chained like a case's audit log: `seq` from 1, each entry's hash over
 *   the previous hash and the entry's canonical JSON.
 * - `cases_ended_at`: which completed cases ended past the calendar's horizon (their working days are estimates),
 *   found without reading a version's other cases.
 */
import { type Kysely, sql } from 'kysely';

const statements = [
  `CREATE TABLE system_events (
    seq integer PRIMARY KEY,
    type text NOT NULL,
    at timestamptz NOT NULL,
    actor text,
    payload json NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL)`,
  `CREATE TABLE calendar_years (
    year integer PRIMARY KEY,
    holidays jsonb NOT NULL,
    workdays jsonb NOT NULL,
    loaded_at timestamptz NOT NULL,
    loaded_by text,
    system_seq integer NOT NULL REFERENCES system_events (seq))`,
  'CREATE INDEX calendar_years_system_seq ON calendar_years (system_seq)',
  'CREATE INDEX cases_ended_at ON cases (ended_at) WHERE ended_at IS NOT NULL',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'DROP INDEX IF EXISTS cases_ended_at',
    'DROP TABLE IF EXISTS calendar_years',
    'DROP TABLE IF EXISTS system_events',
  ])
    await sql.raw(statement).execute(db);
}
