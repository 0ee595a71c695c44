/**
 * `definition_versions.original_xml`: the file as it was deployed, kept beside the stored diagram when deploy laid
 * the file out because it had no diagram interchange (server/store/auto-layout.ts). Null when the stored XML is the
 * file as sent. Existing rows keep null: what was deployed before this column existed is no longer known.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE definition_versions ADD COLUMN original_xml text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE definition_versions DROP COLUMN IF EXISTS original_xml`.execute(db);
}
