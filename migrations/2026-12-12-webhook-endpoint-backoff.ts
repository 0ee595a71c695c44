/**
 * An endpoint that fails is paused as a whole (server/webhooks/delivery-worker.ts): `failures` counts its failed
 * attempts in a row, `retry_at` is when one of its deliveries is next tried (a probe). Until a probe succeeds its
 * other deliveries wait untried, so an endpoint that is down costs one attempt per pause, not one per event.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_endpoints ADD COLUMN failures integer NOT NULL DEFAULT 0`.execute(db);
  await sql`ALTER TABLE webhook_endpoints ADD COLUMN retry_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_endpoints DROP COLUMN retry_at`.execute(db);
  await sql`ALTER TABLE webhook_endpoints DROP COLUMN failures`.execute(db);
}
