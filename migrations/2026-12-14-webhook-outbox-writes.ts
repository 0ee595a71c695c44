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
 * - The task events (`task.created`, `task.completed`), written by statement-level triggers, are written set-based:
 *   one INSERT of the statement's events and one of their deliveries, not a function call with its own statements per
 *   task. The case writer's batch writes the tasks of several commands in one statement: in a loop of 5-task
 *   statements, ~100 µs an event before, ~50 µs after.
 */
import { type Kysely, sql } from 'kysely';
import { TASK_EVENT_DATA, TASK_EVENT_FUNCTIONS } from './2026-12-09-cheaper-row-triggers.js';
import { ENQUEUE_EVENT } from './2026-12-13-webhook-claims.js';

/**
 * `reflow_enqueue_event`: the subscribed endpoints read once, the deliveries written from their ids (exported for
 * 2026-12-15-webhook-held-events, whose down brings it back).
 */
export const ENQUEUE_FROM_IDS = `
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
    INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
      SELECT event_id || '.' || e, event_id, e, 'pending', p_at, p_at FROM unnest(endpoint_ids) AS e;
    IF awake THEN
      PERFORM pg_notify('reflow_webhooks', '');
    END IF;
  END $$`;

/**
 * A task event's statement-level trigger function, set-based: the events of the rows `rows` selects (aliased `n`,
 * with the event's time `at`), their deliveries to every enabled endpoint subscribed to `type`, and one
 * notification when an endpoint that is not paused gets any.
 */
const taskEvents = ({ name, type, data, at, rows }: TaskEventSource) => `
  CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    awake boolean;
    endpoint_ids text[];
    written integer;
  BEGIN
    SELECT bool_or(failures = 0), array_agg(id) INTO awake, endpoint_ids
      FROM webhook_endpoints WHERE enabled AND events @> '["${type}"]';
    IF awake IS NULL THEN
      RETURN NULL;
    END IF;
    WITH written_events AS (
      INSERT INTO webhook_events (id, type, data, created_at)
        SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), '${type}', ${data}, ${at} ${rows}
        RETURNING id, created_at)
    INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
      SELECT v.id || '.' || e, v.id, e, 'pending', v.created_at, v.created_at
        FROM written_events v CROSS JOIN unnest(endpoint_ids) AS e;
    GET DIAGNOSTICS written = ROW_COUNT;
    IF awake AND written > 0 THEN
      PERFORM pg_notify('reflow_webhooks', '');
    END IF;
    RETURN NULL;
  END $$`;

/** What a task event's trigger function is made of: its name, the event type, payload, time and the rows it reads. */
export interface TaskEventSource {
  name: string;
  type: string;
  data: string;
  at: string;
  rows: string;
}

/** The two task events (2026-12-15-webhook-held-events writes their functions again from these). */
export const TASK_EVENT_SOURCES: Record<'created' | 'completed', TaskEventSource> = {
  created: {
    name: 'reflow_task_events_created',
    type: 'task.created',
    data: TASK_EVENT_DATA.created,
    at: 'n.created_at',
    rows: 'FROM new_tasks n',
  },
  completed: {
    name: 'reflow_task_events_completed',
    type: 'task.completed',
    data: TASK_EVENT_DATA.completed,
    at: 'coalesce(n.completed_at, now())',
    rows: `FROM new_tasks n JOIN old_tasks o ON o.id = n.id
          WHERE o.status <> 'completed' AND n.status = 'completed'`,
  },
};

/** The task events' trigger functions as this migration writes them (2026-12-15-webhook-held-events brings them back on its down). */
export const TASK_EVENTS_SET_BASED = {
  created: taskEvents(TASK_EVENT_SOURCES.created),
  completed: taskEvents(TASK_EVENT_SOURCES.completed),
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_id_fkey`.execute(db);
  await sql`ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_endpoint_id_fkey`.execute(db);
  await sql.raw(ENQUEUE_FROM_IDS).execute(db);
  await sql.raw(TASK_EVENTS_SET_BASED.created).execute(db);
  await sql.raw(TASK_EVENTS_SET_BASED.completed).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const text of [TASK_EVENT_FUNCTIONS.created, TASK_EVENT_FUNCTIONS.completed])
    await sql.raw(text.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION')).execute(db);
  await sql.raw(ENQUEUE_EVENT).execute(db);
  await sql`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_endpoint_id_fkey
    FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints (id)`.execute(db);
  await sql`ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_event_id_fkey
    FOREIGN KEY (event_id) REFERENCES webhook_events (id)`.execute(db);
}
