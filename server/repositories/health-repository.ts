/** The health check's one statement. */
import { sql } from 'kysely';
import type { Executor } from './executor.js';

/** Resolves when the database answers. */
export async function ping(db: Executor): Promise<void> {
  await sql`select 1`.execute(db);
}
