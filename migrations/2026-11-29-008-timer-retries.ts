/**
 * Timers that fail to fire are retried with backoff, then become an incident of their case.
 *
 * - `timers.retry_at`: not before this instant is a timer claimed again after a failed firing (null: as soon as
 *   it is due). Without it a failing timer was claimed again at every poll once its lease lapsed, for ever.
 * - `timers.last_error`: why its last firing failed, for the operator (and the incident that ends the retries).
 *
 * `attempts` (migration 001) counts the claims; the scheduler gives a timer up after its last attempt.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('timers')
    .addColumn('retry_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // a timer waiting for its retry is simply due again, as before the migration
  await db.schema.alterTable('timers').dropColumn('retry_at').dropColumn('last_error').execute();
}
