/**
 * The outbox rows an event costs the command that writes it, made cheaper (issue 21: an endpoint, and a failing one
 * above all, must not slow case commands); measured with a loop of 20,000 `reflow_enqueue_event` calls on
 * PostgreSQL 15, one endpoint subscribed: ~100 µs a call before, ~65 µs after.
 *
 * - The foreign keys of `webhook_deliveries` go. Each cost a lookup per delivery, and the one on the endpoint a
 *   `FOR KEY SHARE` lock on its row, which every concurrent command took on the same row (multixacts). Both were
 *   checks of what cannot happen: `reflow_enqueue_event` is the only writer of deliveries and writes them with the
 *   event it has just inserted and the endpoints it has just read; endpoints are disabled, never deleted, and
 *   events are never deleted (a delivery's history stays readable).
 * - `reflow_enqueue_event` reads the subscribed endpoints once (their ids with whether one is awake) and writes the
 *   deliveries from those ids, not from a second scan of the endpoints.
 */
import { type Kysely, sql } from 'kysely';

const enqueue = (deliveries: string) => `
  CREATE OR REPLACE FUNCTION reflow_enqueue_event(p_type text, p_data jsonb, p_at timestamptz) RETURNS void
  LANGUAGE plpgsql AS $$
  DECLARE
    event_id text;
    awake boolean;
    endpoint_ids text[];
  BEGIN
    SELECT bool_or(failures = 0), array_agg(id) INTO awake, endpoint_ids
      FROM webhook_endpoints WHERE enabled AND events @> jsonb_build_array(p_type);
    IF awake IS NULL THEN
      RETURN;
    END IF;
    event_id := 'msg_' || replace(gen_random_uuid()::text, '-', '');
    INSERT INTO webhook_events (id, type, data, created_at) VALUES (event_id, p_type, p_data, p_at);
    ${deliveries}
    IF awake THEN
      PERFORM pg_notify('reflow_webhooks', '');
    END IF;
  END $$`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_id_fkey`.execute(db);
  await sql`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_endpoint_id_fkey`.execute(db);
  await sql
    .raw(
      enqueue(`INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
      SELECT event_id || '.' || e, event_id, e, 'pending', p_at, p_at FROM unnest(endpoint_ids) AS e;`),
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      enqueue(`INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
      SELECT event_id || '.' || e.id, event_id, e.id, 'pending', p_at, p_at
        FROM webhook_endpoints e WHERE e.enabled AND e.events @> jsonb_build_array(p_type);`),
    )
    .execute(db);
  await sql`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_endpoint_id_fkey
    FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id)`.execute(db);
  await sql`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_id_fkey
    FOREIGN KEY (event_id) REFERENCES webhook_events (id)`.execute(db);
}
