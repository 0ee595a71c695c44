/**
 * People (issue 20): who holds a task and who handled it. `tasks.claimed_by/claimed_name/claimed_at`: the member
 * who claimed (or was assigned) an open task; `tasks.handler_id/handler_name`: who completed it (经办人), the
 * handler of its step in the timeline (`steps.handler_id/handler_name`: the handler of an imported step, read from
 * the event log's `org:resource`, as imported steps have no task); `tasks.transfers`: how often it was transferred (转办), each transfer with
 * its reason in `task_transfers`. Existing rows keep every new column empty (no claim, no handler, no transfer):
 * the audit log, whose entries cannot change, records no handler for what was completed before; its `actor`
 * still names the token that completed each task, and `npm run verify` checks a task's handler against the
 * audit entry of its completion, so a handler written here from anything else would be reported as broken.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE tasks
    ADD COLUMN claimed_by text,
    ADD COLUMN claimed_name text,
    ADD COLUMN claimed_at timestamptz,
    ADD COLUMN handler_id text,
    ADD COLUMN handler_name text,
    ADD COLUMN transfers integer NOT NULL DEFAULT 0`.execute(db);
  // an imported step's handler (the event log's org:resource): imported steps have no task
  await sql`ALTER TABLE steps ADD COLUMN handler_id text, ADD COLUMN handler_name text`.execute(db);
  // a rating of a step credits its handler (评价到人); ratings given before credit nobody
  await sql`ALTER TABLE ratings ADD COLUMN handler_id text, ADD COLUMN handler_name text`.execute(db);
  await sql`CREATE INDEX tasks_claimed_by ON tasks (claimed_by) WHERE claimed_by IS NOT NULL`.execute(db);
  await sql`CREATE INDEX tasks_handler_id ON tasks (handler_id) WHERE handler_id IS NOT NULL`.execute(db);
  await sql`CREATE TABLE task_transfers (
    id bigserial PRIMARY KEY,
    task_id text NOT NULL,
    case_id text NOT NULL,
    from_department text,
    to_department text,
    from_user text,
    to_user text,
    reason text NOT NULL,
    actor text NOT NULL,
    at timestamptz NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX task_transfers_task ON task_transfers (task_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS task_transfers`.execute(db);
  await sql`ALTER TABLE ratings DROP COLUMN IF EXISTS handler_id, DROP COLUMN IF EXISTS handler_name`.execute(
    db,
  );
  await sql`ALTER TABLE steps DROP COLUMN IF EXISTS handler_id, DROP COLUMN IF EXISTS handler_name`.execute(
    db,
  );
  await sql`DROP INDEX IF EXISTS tasks_claimed_by`.execute(db);
  await sql`DROP INDEX IF EXISTS tasks_handler_id`.execute(db);
  await sql`ALTER TABLE tasks
    DROP COLUMN IF EXISTS claimed_by,
    DROP COLUMN IF EXISTS claimed_name,
    DROP COLUMN IF EXISTS claimed_at,
    DROP COLUMN IF EXISTS handler_id,
    DROP COLUMN IF EXISTS handler_name,
    DROP COLUMN IF EXISTS transfers`.execute(db);
}
