/**
 * The issue-21 triggers on `cases` and `tasks` (warning_checks, the webhook outbox) made cheaper on the command
 * path (issue 23), doing the same work:
 *
 * - The row triggers get WHEN conditions, so PostgreSQL neither queues nor calls them for the rows they would
 *   return from at once: a case's update that does not end it (every command writes `status`), a task without a
 *   due date (its warning check). A task's completion touches `warning_checks` and `warnings` only when the task
 *   has a due date: its check is added only at its insert with one (a due date is only ever moved, never
 *   removed: server/repositories/task-repository.ts), and task cards are raised only from checks.
 * - The task events (`task.created`, `task.completed`) are written by statement-level triggers over the
 *   statement's transition tables: one call per statement (the case writer's batch writes many tasks in one),
 *   which looks up once whether an enabled endpoint wants the type and returns if none does.
 */
import { type Kysely, sql } from 'kysely';

/** The payloads of the task events (later migrations write them set-based: 2026-12-14-webhook-outbox-writes). */
export const TASK_EVENT_DATA = {
  created: `jsonb_build_object('taskId', n.id, 'caseId', n.case_id, 'elementId', n.element_id, 'name', n.name,
        'department', n.department, 'createdAt', n.created_at, 'dueAt', n.due_at)`,
  completed: `jsonb_build_object('taskId', n.id, 'caseId', n.case_id, 'elementId', n.element_id, 'name', n.name,
        'department', n.department, 'completedAt', n.completed_at)`,
};

/** The task events' statement-level trigger functions: one `reflow_enqueue_event` call per row. */
export const TASK_EVENT_FUNCTIONS = {
  created: `CREATE FUNCTION reflow_task_events_created() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND events @> '["task.created"]') THEN
      PERFORM reflow_enqueue_event('task.created', ${TASK_EVENT_DATA.created}, n.created_at)
         FROM new_tasks n;
    END IF;
    RETURN NULL;
  END $$`,
  completed: `CREATE FUNCTION reflow_task_events_completed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND events @> '["task.completed"]') THEN
      PERFORM reflow_enqueue_event('task.completed', ${TASK_EVENT_DATA.completed},
        coalesce(n.completed_at, now()))
         FROM new_tasks n JOIN old_tasks o ON o.id = n.id
        WHERE o.status <> 'completed' AND n.status = 'completed';
    END IF;
    RETURN NULL;
  END $$`,
};

const statements = [
  'DROP TRIGGER tasks_warning_checks ON tasks',
  `CREATE TRIGGER tasks_warning_checks_insert AFTER INSERT ON tasks FOR EACH ROW
    WHEN (NEW.due_at IS NOT NULL AND NEW.status NOT IN ('completed', 'cancelled'))
    EXECUTE FUNCTION reflow_task_warning_checks()`,
  `CREATE TRIGGER tasks_warning_checks_update AFTER UPDATE OF status, due_at ON tasks FOR EACH ROW
    WHEN ((NEW.status IN ('completed', 'cancelled') AND OLD.status NOT IN ('completed', 'cancelled')
            AND (OLD.due_at IS NOT NULL OR NEW.due_at IS NOT NULL))
       OR (NEW.status NOT IN ('completed', 'cancelled') AND NEW.due_at IS DISTINCT FROM OLD.due_at))
    EXECUTE FUNCTION reflow_task_warning_checks()`,
  'DROP TRIGGER cases_warning_checks ON cases',
  `CREATE TRIGGER cases_warning_checks_insert AFTER INSERT ON cases FOR EACH ROW
    WHEN (NEW.status = 'active' AND NOT NEW.imported)
    EXECUTE FUNCTION reflow_case_warning_checks()`,
  `CREATE TRIGGER cases_warning_checks_update AFTER UPDATE OF status ON cases FOR EACH ROW
    WHEN (OLD.status = 'active' AND NEW.status <> 'active')
    EXECUTE FUNCTION reflow_case_warning_checks()`,
  'DROP TRIGGER cases_webhook_events ON cases',
  `CREATE TRIGGER cases_webhook_events_insert AFTER INSERT ON cases FOR EACH ROW
    WHEN (NOT NEW.imported)
    EXECUTE FUNCTION reflow_case_events()`,
  `CREATE TRIGGER cases_webhook_events_update AFTER UPDATE OF status ON cases FOR EACH ROW
    WHEN (OLD.status = 'active' AND NEW.status = 'completed' AND NOT NEW.imported)
    EXECUTE FUNCTION reflow_case_events()`,
  'DROP TRIGGER tasks_webhook_events ON tasks',
  TASK_EVENT_FUNCTIONS.created,
  `CREATE TRIGGER tasks_webhook_events_insert AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_tasks FOR EACH STATEMENT
    EXECUTE FUNCTION reflow_task_events_created()`,
  TASK_EVENT_FUNCTIONS.completed,
  // a trigger with transition tables cannot name columns: it fires once per UPDATE statement on tasks
  `CREATE TRIGGER tasks_webhook_events_update AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_tasks NEW TABLE AS new_tasks FOR EACH STATEMENT
    EXECUTE FUNCTION reflow_task_events_completed()`,
  'DROP FUNCTION reflow_task_events()',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'DROP TRIGGER IF EXISTS tasks_webhook_events_update ON tasks',
    'DROP TRIGGER IF EXISTS tasks_webhook_events_insert ON tasks',
    'DROP FUNCTION IF EXISTS reflow_task_events_completed()',
    'DROP FUNCTION IF EXISTS reflow_task_events_created()',
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
    'DROP TRIGGER IF EXISTS cases_webhook_events_update ON cases',
    'DROP TRIGGER IF EXISTS cases_webhook_events_insert ON cases',
    `CREATE TRIGGER cases_webhook_events AFTER INSERT OR UPDATE OF status ON cases
      FOR EACH ROW EXECUTE FUNCTION reflow_case_events()`,
    'DROP TRIGGER IF EXISTS cases_warning_checks_update ON cases',
    'DROP TRIGGER IF EXISTS cases_warning_checks_insert ON cases',
    `CREATE TRIGGER cases_warning_checks AFTER INSERT OR UPDATE OF status ON cases
      FOR EACH ROW EXECUTE FUNCTION reflow_case_warning_checks()`,
    'DROP TRIGGER IF EXISTS tasks_warning_checks_update ON tasks',
    'DROP TRIGGER IF EXISTS tasks_warning_checks_insert ON tasks',
    `CREATE TRIGGER tasks_warning_checks AFTER INSERT OR UPDATE OF status, due_at ON tasks
      FOR EACH ROW EXECUTE FUNCTION reflow_task_warning_checks()`,
  ])
    await sql.raw(statement).execute(db);
}
