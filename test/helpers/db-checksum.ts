// Row counts and a content checksum of tables, to prove a request left them as they were.
import { sql } from 'kysely';
import type { Db } from '../../server/db/database.js';

/** The tables a refused request must never change: definitions, cases and everything derived from them. */
export const CASE_TABLES = [
  'definition_versions',
  'definition_publications',
  'cases',
  'steps',
  'tasks',
  'timers',
  'audit_events',
  'idempotency_keys',
  'ratings',
] as const;

/** `table → "<rows>:<md5 of every row's text, in order>"` for those of `tables` that exist, in one statement. */
export async function tableChecksums(
  db: Db,
  tables: readonly string[] = CASE_TABLES,
): Promise<Record<string, string>> {
  const { rows: existing } = await sql<{ name: string }>`
    SELECT name FROM unnest(${[...tables]}::text[]) AS name WHERE to_regclass(name) IS NOT NULL`.execute(db);
  const parts = existing.map(
    ({ name }) =>
      `(SELECT count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM ${name} x) AS "${name}"`,
  );
  const { rows } = await sql.raw<Record<string, string>>(`SELECT ${parts.join(', ')}`).execute(db);
  return rows[0];
}
