/**
 * A paused endpoint costs the case commands one event row, not a delivery row as well (issue 21: a failing endpoint
 * must not slow case commands). Measured with a loop of 20,000 inserts on PostgreSQL 15: an event row ~15 µs, its
 * delivery row ~40 µs more (three indexes); with ids from a sequence, ~12 µs and ~38 µs.
 *
 * - While an endpoint is paused (`failures` > 0), an event it subscribes to names it in `webhook_events.owed` instead
 *   of getting a delivery row; `webhook_endpoints.held` says it may have such events. When its probe delivers (the
 *   pause ends), the delivery worker turns its held events into delivery rows, oldest first, in batches
 *   (`reflow_release_held`), then clears `held`. A paused endpoint with no pending delivery left (all failed for
 *   good) gets its oldest held event released as its next probe. Nothing is lost: the down writes every held event's
 *   deliveries.
 * - A pause that ends must not miss an event written by a command that still saw it paused: an enqueue that finds a
 *   paused endpoint takes a shared advisory lock and reads the endpoints again; the worker, once the pause has ended
 *   and before it releases the held events, takes the lock exclusively (`reflow_webhook_barrier`), so every command
 *   that wrote a held event has committed by then, and every later one sees the endpoint awake.
 * - Event ids come from a sequence (`msg_` and 16 hex digits): appended at the end of the primary key's index rather
 *   than at random places, and in the order events were written, which is the order held events are released in.
 */
import { type Kysely, sql } from 'kysely';
import {
  ENQUEUE_FROM_IDS,
  TASK_EVENT_SOURCES,
  TASK_EVENTS_SET_BASED,
  type TaskEventSource,
} from './2026-12-14-webhook-outbox-writes.js';

/** The advisory lock between enqueues that hold events for a paused endpoint and the end of a pause. */
const HELD_LOCK = 1_919_247_980;

const EVENT_ID = `'msg_' || lpad(to_hex(nextval('webhook_event_ids')), 16, '0')`;

/**
 * Reads into `awake` and `paused` the enabled endpoints subscribed to `type` (a SQL expression); runs `stop` (the
 * function's return) when there are none.
 */
const targets = (type: string, stop: string) => `
    SELECT array_agg(id) FILTER (WHERE failures = 0), array_agg(id) FILTER (WHERE failures > 0)
      INTO awake, paused FROM webhook_endpoints WHERE enabled AND events @> ${type};
    IF paused IS NOT NULL THEN
      -- read again under the lock: a pause that ended meanwhile is seen, and one ending later waits for this commit
      PERFORM pg_advisory_xact_lock_shared(${HELD_LOCK});
      SELECT array_agg(id) FILTER (WHERE failures = 0), array_agg(id) FILTER (WHERE failures > 0)
        INTO awake, paused FROM webhook_endpoints WHERE enabled AND events @> ${type};
    END IF;
    IF awake IS NULL AND paused IS NULL THEN
      ${stop}
    END IF;`;

const ENQUEUE_HOLDING = `
  CREATE OR REPLACE FUNCTION reflow_enqueue_event(p_type text, p_data jsonb, p_at timestamptz) RETURNS void
  LANGUAGE plpgsql AS $$
  DECLARE
    event_id text;
    awake text[];
    paused text[];
  BEGIN
    ${targets('jsonb_build_array(p_type)', 'RETURN;')}
    event_id := ${EVENT_ID};
    INSERT INTO webhook_events (id, type, data, created_at, owed) VALUES (event_id, p_type, p_data, p_at, paused);
    IF awake IS NOT NULL THEN
      INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
        SELECT event_id || '.' || e, event_id, e, 'pending', p_at, p_at FROM unnest(awake) AS e;
      PERFORM pg_notify('reflow_webhooks', '');
    END IF;
  END $$`;

/** A task event's statement-level trigger function (as in 2026-12-14, with the paused endpoints held). */
const taskEvents = ({ name, type, data, at, rows }: TaskEventSource) => `
  CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    awake text[];
    paused text[];
    written integer;
  BEGIN
    ${targets(`'["${type}"]'`, 'RETURN NULL;')}
    WITH written_events AS (
      INSERT INTO webhook_events (id, type, data, created_at, owed)
        SELECT ${EVENT_ID}, '${type}', ${data}, ${at}, paused ${rows}
        RETURNING id, created_at)
    INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
      SELECT v.id || '.' || e, v.id, e, 'pending', v.created_at, v.created_at
        FROM written_events v CROSS JOIN unnest(awake) AS e;
    GET DIAGNOSTICS written = ROW_COUNT;
    IF written > 0 THEN
      PERFORM pg_notify('reflow_webhooks', '');
    END IF;
    RETURN NULL;
  END $$`;

const statements = [
  'CREATE SEQUENCE webhook_event_ids',
  // after the ids written before a down of this migration, if any
  `SELECT setval('webhook_event_ids', coalesce(max(('x' || substr(id, 5))::bit(64)::bigint), 0) + 1, false)
     FROM webhook_events WHERE id ~ '^msg_[0-9a-f]{16}$'`,
  'ALTER TABLE webhook_events ADD COLUMN owed text[]',
  'ALTER TABLE webhook_endpoints ADD COLUMN held boolean NOT NULL DEFAULT false',
  'CREATE INDEX webhook_events_owed ON webhook_events (id) WHERE owed IS NOT NULL',
  ENQUEUE_HOLDING,
  taskEvents(TASK_EVENT_SOURCES.created),
  taskEvents(TASK_EVENT_SOURCES.completed),
  // called in a transaction of its own: returns once no command that saw a paused endpoint is still open
  `CREATE FUNCTION reflow_webhook_barrier() RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(${HELD_LOCK})
  $$`,
  // up to p_limit of the events held for p_endpoint after the id p_after, oldest first, become its deliveries (due
  // when they happened); returns how many, and the last one's id
  `CREATE FUNCTION reflow_release_held(p_endpoint text, p_after text, p_limit integer,
      OUT released integer, OUT last_id text) LANGUAGE sql AS $$
    WITH batch AS (
      SELECT id, created_at FROM webhook_events
       WHERE owed IS NOT NULL AND id > p_after AND owed @> ARRAY[p_endpoint]
       ORDER BY id LIMIT p_limit FOR UPDATE),
    written AS (
      INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
        SELECT b.id || '.' || p_endpoint, b.id, p_endpoint, 'pending', b.created_at, b.created_at FROM batch b
        ON CONFLICT (id) DO NOTHING),
    updated AS (
      UPDATE webhook_events e SET owed = nullif(array_remove(e.owed, p_endpoint), '{}')
        FROM batch b WHERE e.id = b.id RETURNING e.id)
    SELECT count(*)::integer, max(id) FROM updated
  $$`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // every held event gets the delivery rows it would have had
  await sql`INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
    SELECT e.id || '.' || o, e.id, o, 'pending', e.created_at, e.created_at
      FROM webhook_events e CROSS JOIN unnest(e.owed) AS o WHERE e.owed IS NOT NULL
    ON CONFLICT (id) DO NOTHING`.execute(db);
  for (const statement of [
    ENQUEUE_FROM_IDS,
    TASK_EVENTS_SET_BASED.created,
    TASK_EVENTS_SET_BASED.completed,
    'DROP FUNCTION reflow_release_held(text, text, integer)',
    'DROP FUNCTION reflow_webhook_barrier()',
    'DROP INDEX webhook_events_owed',
    'ALTER TABLE webhook_endpoints DROP COLUMN held',
    'ALTER TABLE webhook_events DROP COLUMN owed',
    'DROP SEQUENCE webhook_event_ids',
  ])
    await sql.raw(statement).execute(db);
}
