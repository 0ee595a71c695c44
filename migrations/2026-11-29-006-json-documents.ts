/**
 * A case's snapshot and an audit entry's payload are stored as `json` (the text as written) instead of `jsonb`.
 *
 * Both are written by every command and read back whole, never searched inside by an index: jsonb's parse into
 * a sorted binary tree bought nothing, and measured under callgrind it was the largest single cost of a command's
 * write (about a sixth of PostgreSQL's instructions with the column-wise batch parameters). `json` only checks the
 * text. The operators a query uses on them (`->`, `->>`) work on both types; an audit hash is taken over
 * canonical JSON (sorted keys), so the stored key order never mattered to verification.
 */
import { type Kysely, sql } from 'kysely';

const COLUMNS = [
  ['cases', 'snapshot'],
  ['audit_events', 'payload'],
] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, column] of COLUMNS)
    await sql.raw(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE json USING ${column}::json`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [table, column] of COLUMNS)
    await sql
      .raw(`ALTER TABLE ${table} ALTER COLUMN ${column} TYPE jsonb USING ${column}::jsonb`)
      .execute(db);
}
