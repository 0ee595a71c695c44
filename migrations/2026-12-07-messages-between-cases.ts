/**
 * Messages and signals between cases.
 *
 * - `case_subscriptions`: the messages and signals a case waits for (catch events, receive tasks, boundary events,
 *   event subprocess starts), with the message's correlation key as evaluated in the case when it began waiting.
 *   Written with the case's rows in the same statement (server/store/batch-statement.ts), so a waiting case is
 *   found by (kind, name, correlation key). `claimed_by`: the message being delivered to it (one at a time).
 *   Rows for cases already waiting are made from their stored snapshots (the key the snapshot holds; a wait
 *   stored before keys were evaluated gets the case's business key, the default `=businessKey`).
 * - `messages`: every message and signal sent between cases — by a throw event, end event or send task (written
 *   with the sending case's rows: the outbox, delivered after the commit) or by POST /api/messages — and what
 *   became of it: `pending` (to deliver), `claimed` (being delivered to `target_case_id`), `buffered` (nothing
 *   waited; kept until `expires_at`), `delivered`, `started` (a message start event started `target_case_id`),
 *   `undelivered` (expired or refused: `reason`).
 */
import { type Kysely, sql } from 'kysely';

const statements = [
  `CREATE TABLE case_subscriptions (
    case_id text NOT NULL,
    id text NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    correlation_key text,
    element_id text NOT NULL,
    created_at timestamptz NOT NULL,
    claimed_by text,
    PRIMARY KEY (case_id, id))`,
  'CREATE INDEX case_subscriptions_match ON case_subscriptions (kind, name, correlation_key)',
  `CREATE TABLE messages (
    id text PRIMARY KEY,
    kind text NOT NULL,
    name text NOT NULL,
    correlation_key text,
    variables json NOT NULL,
    source_case_id text,
    source_element_id text,
    status text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    target_case_id text,
    subscription_id text,
    claimed_at timestamptz,
    done_at timestamptz,
    reason text)`,
  `CREATE INDEX messages_open ON messages (status, kind, name, correlation_key)
    WHERE status IN ('pending', 'claimed', 'buffered')`,
  'CREATE INDEX messages_status_created ON messages (status, created_at)',
  `INSERT INTO case_subscriptions (case_id, id, kind, name, correlation_key, element_id, created_at)
    SELECT c.id, s->>'id', s->>'kind', s->>'name',
      CASE WHEN s->>'kind' = 'message' THEN coalesce(s->>'correlationKey', c.business_key) END,
      s->>'elementId', now()
    FROM cases c, json_array_elements(c.snapshot->'subscriptions') s
    WHERE c.status = 'active' AND s->>'kind' IN ('message', 'signal')
    ON CONFLICT DO NOTHING`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of ['DROP TABLE IF EXISTS messages', 'DROP TABLE IF EXISTS case_subscriptions'])
    await sql.raw(statement).execute(db);
}
