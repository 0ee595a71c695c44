/**
 * Events pushed to other systems (webhooks, Standard Webhooks conventions).
 *
 * - `webhook_endpoints`: the URLs an administrator registered, the event types each wants, its signing secret.
 * - `webhook_events`: the outbox — every event some enabled endpoint wants, written in the SAME transaction as
 *   the change it reports: by the triggers below for cases, tasks, ratings and the rectification process's
 *   整改逾期 timer (step `rectify_overdue`), by `enqueueEvents` (server/webhooks/outbox.ts) for cards raised and
 *   anything else the server writes. Its id is the `webhook-id` of every delivery of it.
 * - `webhook_deliveries`: one per event and endpoint, delivered at least once by every node's delivery worker
 *   (claimed with FOR UPDATE SKIP LOCKED and a lease, as timers are), retried with exponential backoff; the
 *   last attempt's status and error are kept for the API.
 *
 * `reflow_enqueue_event(type, data, at)` writes nothing when no enabled endpoint wants the type, so cases and
 * tasks pay one indexed lookup for it; a failing endpoint only ever delays its own deliveries.
 */
import { type Kysely, sql } from 'kysely';

const statements = [
  `CREATE TABLE webhook_endpoints (
    id text PRIMARY KEY,
    url text NOT NULL,
    events jsonb NOT NULL,
    secret text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    description text,
    created_at timestamptz NOT NULL,
    created_by text)`,
  `CREATE TABLE webhook_events (
    id text PRIMARY KEY,
    type text NOT NULL,
    data jsonb NOT NULL,
    created_at timestamptz NOT NULL)`,
  `CREATE TABLE webhook_deliveries (
    id text PRIMARY KEY,
    event_id text NOT NULL REFERENCES webhook_events (id),
    endpoint_id text NOT NULL REFERENCES webhook_endpoints (id),
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_at timestamptz NOT NULL,
    claimed_by text,
    claimed_until timestamptz,
    last_attempt_at timestamptz,
    last_status integer,
    last_error text,
    delivered_at timestamptz,
    created_at timestamptz NOT NULL,
    CONSTRAINT webhook_deliveries_once UNIQUE (event_id, endpoint_id))`,
  `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE status = 'pending'`,
  'CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at)',
  `CREATE FUNCTION reflow_enqueue_event(p_type text, p_data jsonb, p_at timestamptz) RETURNS void
  LANGUAGE plpgsql AS $$
  DECLARE
    event_id text;
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND events @> jsonb_build_array(p_type)) THEN
      RETURN;
    END IF;
    event_id := 'msg_' || replace(gen_random_uuid()::text, '-', '');
    INSERT INTO webhook_events (id, type, data, created_at) VALUES (event_id, p_type, p_data, p_at);
    INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_at, created_at)
      SELECT event_id || '.' || e.id, event_id, e.id, 'pending', p_at, p_at
        FROM webhook_endpoints e WHERE e.enabled AND e.events @> jsonb_build_array(p_type);
    PERFORM pg_notify('reflow_webhooks', event_id);
  END $$`,
  `CREATE FUNCTION reflow_case_events() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF NEW.imported THEN
      RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
      PERFORM reflow_enqueue_event('case.started', jsonb_build_object('caseId', NEW.id,
        'processKey', NEW.process_key, 'version', NEW.version, 'businessKey', NEW.business_key,
        'channel', NEW.channel, 'startedAt', NEW.started_at), NEW.started_at);
    ELSIF OLD.status = 'active' AND NEW.status = 'completed' THEN
      PERFORM reflow_enqueue_event('case.completed', jsonb_build_object('caseId', NEW.id,
        'processKey', NEW.process_key, 'version', NEW.version, 'businessKey', NEW.business_key,
        'startedAt', NEW.started_at, 'endedAt', NEW.ended_at, 'workingMs', NEW.working_ms),
        coalesce(NEW.ended_at, now()));
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE TRIGGER cases_webhook_events AFTER INSERT OR UPDATE OF status ON cases
    FOR EACH ROW EXECUTE FUNCTION reflow_case_events()`,
  `CREATE FUNCTION reflow_task_events() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      PERFORM reflow_enqueue_event('task.created', jsonb_build_object('taskId', NEW.id, 'caseId', NEW.case_id,
        'elementId', NEW.element_id, 'name', NEW.name, 'department', NEW.department,
        'createdAt', NEW.created_at, 'dueAt', NEW.due_at), NEW.created_at);
    ELSIF OLD.status <> 'completed' AND NEW.status = 'completed' THEN
      PERFORM reflow_enqueue_event('task.completed', jsonb_build_object('taskId', NEW.id, 'caseId', NEW.case_id,
        'elementId', NEW.element_id, 'name', NEW.name, 'department', NEW.department,
        'completedAt', NEW.completed_at), coalesce(NEW.completed_at, now()));
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE TRIGGER tasks_webhook_events AFTER INSERT OR UPDATE OF status ON tasks
    FOR EACH ROW EXECUTE FUNCTION reflow_task_events()`,
  `CREATE FUNCTION reflow_rating_events() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM reflow_enqueue_event('rating.received', jsonb_build_object('ratingId', NEW.id, 'caseId', NEW.case_id,
      'level', NEW.level, 'channel', NEW.channel, 'comment', NEW.comment, 'elementId', NEW.element_id,
      'department', NEW.department, 'defaulted', NEW.defaulted, 'ratedAt', NEW.rated_at), NEW.rated_at);
    RETURN NULL;
  END $$`,
  `CREATE TRIGGER ratings_webhook_events AFTER INSERT ON ratings
    FOR EACH ROW EXECUTE FUNCTION reflow_rating_events()`,
  // the rectification process's 整改逾期 boundary timer (processes/rating-rectification.bpmn) fired: 逾期转督办
  `CREATE FUNCTION reflow_rectification_events() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    rating record;
  BEGIN
    SELECT r.id, r.case_id, r.department, r.level INTO rating
      FROM cases c JOIN ratings r ON c.business_key = 'rating:' || r.id WHERE c.id = NEW.case_id;
    PERFORM reflow_enqueue_event('rectification.overdue', jsonb_build_object('caseId', NEW.case_id,
      'elementId', NEW.element_id, 'ratingId', rating.id, 'ratedCaseId', rating.case_id,
      'department', rating.department, 'level', rating.level, 'overdueAt', NEW.entered_at), NEW.entered_at);
    RETURN NULL;
  END $$`,
  `CREATE TRIGGER steps_rectification_events AFTER INSERT ON steps
    FOR EACH ROW WHEN (NEW.element_id = 'rectify_overdue')
    EXECUTE FUNCTION reflow_rectification_events()`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'DROP TRIGGER IF EXISTS steps_rectification_events ON steps',
    'DROP TRIGGER IF EXISTS ratings_webhook_events ON ratings',
    'DROP FUNCTION IF EXISTS reflow_rectification_events()',
    'DROP FUNCTION IF EXISTS reflow_rating_events()',
    'DROP TRIGGER IF EXISTS tasks_webhook_events ON tasks',
    'DROP TRIGGER IF EXISTS cases_webhook_events ON cases',
    'DROP FUNCTION IF EXISTS reflow_task_events()',
    'DROP FUNCTION IF EXISTS reflow_case_events()',
    'DROP FUNCTION IF EXISTS reflow_enqueue_event(text, jsonb, timestamptz)',
    'DROP TABLE IF EXISTS webhook_deliveries',
    'DROP TABLE IF EXISTS webhook_events',
    'DROP TABLE IF EXISTS webhook_endpoints',
  ])
    await sql.raw(statement).execute(db);
}
