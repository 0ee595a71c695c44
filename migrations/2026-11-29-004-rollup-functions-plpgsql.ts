/**
 * The rollup functions of migration 2026-11-29-002 in PL/pgSQL instead of SQL: a PL/pgSQL function keeps its
 * statements' plans for the session, where a SQL function plans its four upserts again at every call — the
 * commit-time trigger runs at each case completion, and on the embedded database the planning dominated its cost.
 * Same statements, same results.
 */
import { type Kysely, sql } from 'kysely';
// the same statements as 2026-11-29-002: a migration never changes once shipped, so its text is shared as is
import { ROLLUP_TABLES, rollUp } from './2026-11-29-002-metric-rollups.js';

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
