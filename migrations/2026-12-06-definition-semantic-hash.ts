/**
 * `definition_versions.semantic_hash`: the hash of a version's meaning (engine/model/semantic-form.ts), so a
 * deployment that differs from a stored version only in form (layout, defaults, element order, prefixes) is
 * that version. Existing rows keep it null: the deploying node computes it from the stored XML with the engine's
 * current parser the first time the key is deployed again (a hash written here by a parser copied into a
 * migration could silently disagree with the one the engine computes later). The hash is prefixed with the
 * version of the semantic form, so a row hashed under an older form is recomputed the same way.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE definition_versions ADD COLUMN semantic_hash text`.execute(db);
  await sql`CREATE INDEX definition_versions_key_semantic_hash ON definition_versions (key, semantic_hash)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS definition_versions_key_semantic_hash`.execute(db);
  await sql`ALTER TABLE definition_versions DROP COLUMN IF EXISTS semantic_hash`.execute(db);
}
