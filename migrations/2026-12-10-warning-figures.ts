/**
 * The figures of electronic supervision per version (warning rate, red-card rate: engine/metrics/figures.ts) read
 * a version's cards: an index by process version, holding the case id and level the figures count.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS warnings_version ON warnings (process_key, version, case_id, level)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS warnings_version`.execute(db);
}
