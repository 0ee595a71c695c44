/**
 * A case row is rewritten by every command on it (its snapshot, revision and audit head), a step row when it
 * completes. Room left free in their pages lets PostgreSQL write the new version beside the old one (a HOT
 * update): none of the case's eight indexes gets a new entry, where a full page makes every update insert into
 * each of them. Pages written from now on keep the room; rows already stored move as they are updated.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE cases SET (fillfactor = 50)`.execute(db);
  await sql`ALTER TABLE steps SET (fillfactor = 80)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE cases RESET (fillfactor)`.execute(db);
  await sql`ALTER TABLE steps RESET (fillfactor)`.execute(db);
}
