/**
 * A failing endpoint costs the case commands nothing beyond its outbox rows (issue 21):
 * - `reflow_enqueue_event` wakes the delivery workers (NOTIFY) only when an endpoint that is not paused gets the
 *   event, and with one payload, which PostgreSQL sends once per transaction however many events it wrote: the
 *   deliveries of a paused endpoint wait for its probe, so waking every node for them only cost queries;
 * - the due index leads with the endpoint, so a claim reads the due deliveries of the endpoints that are not
 *   paused, never the backlog a paused one builds up (server/repositories/webhook-repository.ts);
 * - the unique (event, endpoint) constraint goes: a delivery's primary key is `<event id>.<endpoint id>`, and an
 *   event id (`msg_<hex>`) has no dot, so the key already allows one delivery per event and endpoint — one index
 *   less to write for every event.
 */
import { type Kysely, sql } from 'kysely';

const enqueue = (notify: string) => `
  CREATE OR REPLACE FUNCTION reflow_enqueue_event(p_type text, p_data jsonb, p_at timestamptz) RETURNS void
  LANGUAGE plpgsql AS $$
  DECLARE
    event_id text;
    awake boolean;
  BEGIN
    SELECT bool_or(failures = 0) INTO awake
      FROM webhook_endpoints WHERE enabled AND events @> jsonb_build_array(p_type);
    IF awake IS NULL THEN
      RETURN;
    END IF;
    event_id := 'msg_' || replace(gen_random_uuid()::text, '-', '');
    INSERT INTO webhook_events (id, type, data, created_at) VALUES (event_id, p_type, p_data, p_at);
    INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
      SELECT event_id || '.' || e.id, event_id, e.id, 'pending', p_at, p_at
        FROM webhook_endpoints e WHERE e.enabled AND e.events @> jsonb_build_array(p_type);
    ${notify}
  END $$`;

/** `reflow_enqueue_event` as this migration leaves it (2026-12-14-webhook-outbox-writes brings it back on its down). */
export const ENQUEUE_EVENT = enqueue(`IF awake THEN
      PERFORM pg_notify('reflow_webhooks', '');
    END IF;`);

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(ENQUEUE_EVENT).execute(db);
  await sql`DROP INDEX webhook_deliveries_due`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, next_at)
    WHERE status = 'pending'`.execute(db);
  await sql`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_once`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_once UNIQUE (event_id, endpoint_id)`.execute(
    db,
  );
  await sql`DROP INDEX webhook_deliveries_due`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending'`.execute(
    db,
  );
  await sql.raw(enqueue(`PERFORM pg_notify('reflow_webhooks', event_id);`)).execute(db);
}
