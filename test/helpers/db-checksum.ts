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

/** The tables' checksums, and the database's write mark when they were read. */
export interface TableState {
  mark: string;
  checksums: Record<string, string>;
}

/**
 * The transaction id the database hands out next (the snapshot's xmax): a row can only be inserted, updated,
 * deleted or locked by a transaction that was given an id, so while the mark stays the same, no table changed.
 * It is cluster-wide: other databases' writes move it too, which only costs a checksum more.
 */
async function writeMark(db: Db): Promise<string> {
  const { rows } = await sql<{ mark: string }>`
    SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS mark`.execute(db);
  return rows[0].mark;
}

/**
 * `tableChecksums` of the case tables, reusing `known` (a state read earlier) when nothing was written since:
 * reading every row of every table after each of thousands of requests is what such tests spend most on.
 */
export async function tableState(db: Db, known?: TableState): Promise<TableState> {
  const mark = await writeMark(db); // read first: a write after it moves it, and the next call reads again
  if (known?.mark === mark) return known;
  return { mark, checksums: await tableChecksums(db) };
}
