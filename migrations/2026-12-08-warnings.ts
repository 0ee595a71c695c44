/**
 * Electronic supervision (电子监察): yellow and red cards on time limits.
 *
 * - `warnings`: every card raised — on an open task against its step's `gov:timeLimit`, or on an active case
 *   against its process's promised limit — at most one per level per task or case (the unique constraint), kept
 *   after the task or case ends with `cleared_at` set.
 * - `warning_notes`: the follow-up notes (督办意见) a supervisor writes on a card, shown to the department.
 * - `warning_checks`: when each open task or case is next looked at — the instant its next level comes due, the
 *   way `timers` holds a timer's due instant. A row is added (by trigger) when a task with a due date is created
 *   or a case starts, its instant computed by the warning scheduler (server/scheduler/warning-scheduler.ts) at its
 *   first look, and removed (by trigger, in the same transaction) when the task or case ends, which also clears
 *   its cards. Nodes claim due rows with FOR UPDATE SKIP LOCKED (`claimed_by`, `claimed_until`), as for timers.
 *
 * A task is open until its status is `completed` or `cancelled` (a status a claim may add keeps it open). Existing
 * open tasks with a due date and active engine-run cases get a check at once.
 */
import { type Kysely, sql } from 'kysely';

const statements = [
  `CREATE TABLE warnings (
    id text PRIMARY KEY,
    subject text NOT NULL CHECK (subject IN ('task', 'case')),
    subject_id text NOT NULL,
    level text NOT NULL CHECK (level IN ('yellow', 'red')),
    case_id text NOT NULL,
    task_id text,
    process_key text NOT NULL,
    version integer NOT NULL,
    element_id text NOT NULL,
    department text,
    raised_at timestamptz NOT NULL,
    due_at timestamptz,
    used_share double precision NOT NULL,
    warn_at double precision NOT NULL,
    limit_days double precision NOT NULL,
    cleared_at timestamptz,
    CONSTRAINT warnings_once_per_level UNIQUE (subject_id, subject, level))`,
  'CREATE INDEX warnings_open ON warnings (level, department) WHERE cleared_at IS NULL',
  'CREATE INDEX warnings_case ON warnings (case_id)',
  'CREATE INDEX warnings_raised ON warnings (raised_at)',
  `CREATE TABLE warning_notes (
    id text PRIMARY KEY,
    warning_id text NOT NULL REFERENCES warnings (id),
    case_id text NOT NULL,
    author text NOT NULL,
    text text NOT NULL,
    created_at timestamptz NOT NULL)`,
  'CREATE INDEX warning_notes_warning ON warning_notes (warning_id, created_at)',
  'CREATE INDEX warning_notes_case ON warning_notes (case_id, created_at)',
  `CREATE TABLE warning_checks (
    subject text NOT NULL,
    subject_id text NOT NULL,
    case_id text NOT NULL,
    next_at timestamptz NOT NULL,
    claimed_by text,
    claimed_until timestamptz,
    PRIMARY KEY (subject_id, subject))`,
  'CREATE INDEX warning_checks_due ON warning_checks (next_at)',
  `CREATE FUNCTION reflow_task_warning_checks() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      IF NEW.status NOT IN ('completed', 'cancelled') AND NEW.due_at IS NOT NULL THEN
        INSERT INTO warning_checks (subject, subject_id, case_id, next_at)
        VALUES ('task', NEW.id, NEW.case_id, NEW.created_at) ON CONFLICT DO NOTHING;
      END IF;
    ELSIF NEW.status IN ('completed', 'cancelled') AND OLD.status NOT IN ('completed', 'cancelled') THEN
      UPDATE warnings SET cleared_at = coalesce(NEW.completed_at, now())
       WHERE subject = 'task' AND subject_id = NEW.id AND cleared_at IS NULL;
      DELETE FROM warning_checks WHERE subject = 'task' AND subject_id = NEW.id;
    ELSIF NEW.status NOT IN ('completed', 'cancelled') AND NEW.due_at IS DISTINCT FROM OLD.due_at THEN
      -- a calendar year moved its due date: looked at again now
      UPDATE warning_checks SET next_at = NEW.created_at WHERE subject = 'task' AND subject_id = NEW.id;
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE TRIGGER tasks_warning_checks AFTER INSERT OR UPDATE OF status, due_at ON tasks
    FOR EACH ROW EXECUTE FUNCTION reflow_task_warning_checks()`,
  `CREATE FUNCTION reflow_case_warning_checks() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      IF NEW.status = 'active' AND NOT NEW.imported THEN
        INSERT INTO warning_checks (subject, subject_id, case_id, next_at)
        VALUES ('case', NEW.id, NEW.id, NEW.started_at) ON CONFLICT DO NOTHING;
      END IF;
    ELSIF OLD.status = 'active' AND NEW.status <> 'active' THEN
      UPDATE warnings SET cleared_at = coalesce(NEW.ended_at, now())
       WHERE subject = 'case' AND subject_id = NEW.id AND cleared_at IS NULL;
      DELETE FROM warning_checks WHERE subject = 'case' AND subject_id = NEW.id;
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE TRIGGER cases_warning_checks AFTER INSERT OR UPDATE OF status ON cases
    FOR EACH ROW EXECUTE FUNCTION reflow_case_warning_checks()`,
  `INSERT INTO warning_checks (subject, subject_id, case_id, next_at)
    SELECT 'task', id, case_id, created_at FROM tasks
     WHERE status NOT IN ('completed', 'cancelled') AND due_at IS NOT NULL
    ON CONFLICT DO NOTHING`,
  `INSERT INTO warning_checks (subject, subject_id, case_id, next_at)
    SELECT 'case', id, id, started_at FROM cases WHERE status = 'active' AND NOT imported
    ON CONFLICT DO NOTHING`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    'DROP TRIGGER IF EXISTS cases_warning_checks ON cases',
    'DROP TRIGGER IF EXISTS tasks_warning_checks ON tasks',
    'DROP FUNCTION IF EXISTS reflow_case_warning_checks()',
    'DROP FUNCTION IF EXISTS reflow_task_warning_checks()',
    'DROP TABLE IF EXISTS warning_checks',
    'DROP TABLE IF EXISTS warning_notes',
    'DROP TABLE IF EXISTS warnings',
  ])
    await sql.raw(statement).execute(db);
}
