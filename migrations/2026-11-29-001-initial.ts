/** Reflow's first schema: definitions and versions, cases, steps, tasks, timers, the audit log, idempotency keys. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('definition_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('xml', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('static_metrics', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('deployed_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('definition_versions_key_version', ['key', 'version'])
    .addUniqueConstraint('definition_versions_key_hash', ['key', 'hash'])
    .execute();

  await db.schema
    .createTable('cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('definition_id', 'text', (c) => c.notNull().references('definition_versions.id'))
    .addColumn('process_key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('business_key', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('channel', 'text')
    .addColumn('materials', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('trips', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('corrected', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('paused_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('working_ms', 'bigint')
    .addColumn('imported', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('audit_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('audit_hash', 'text', (c) => c.notNull().defaultTo('0'.repeat(64)))
    .execute();
  await db.schema
    .createIndex('cases_process_version_status')
    .on('cases')
    .columns(['process_key', 'version', 'status'])
    .execute();
  await db.schema.createIndex('cases_business_key').on('cases').column('business_key').execute();
  await db.schema.createIndex('cases_started').on('cases').columns(['started_at', 'id']).execute();

  await db.schema
    .createTable('steps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('process_key', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('element_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('department', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('entered_at', 'timestamptz', (c) => c.notNull())
    .addColumn('completed_at', 'timestamptz')
    .addColumn('due_at', 'timestamptz')
    .addColumn('time_limit', 'double precision')
    .addColumn('in_person', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('correction', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('pauses_clock', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('working_ms', 'bigint')
    .addColumn('variables_changed', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('parent_step_id', 'text')
    .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('steps_case').on('steps').columns(['case_id', 'entered_at', 'seq']).execute();
  await db.schema
    .createIndex('steps_version_element')
    .on('steps')
    .columns(['process_key', 'version', 'element_id'])
    .execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('element_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('department', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('tasks_department_status')
    .on('tasks')
    .columns(['department', 'status', 'created_at'])
    .execute();
  await db.schema.createIndex('tasks_case').on('tasks').column('case_id').execute();

  await db.schema
    .createTable('timers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('element_id', 'text', (c) => c.notNull())
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('timers_due').on('timers').column('due_at').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_events_pk', ['case_id', 'seq'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'idempotency_keys',
    'audit_events',
    'timers',
    'tasks',
    'steps',
    'cases',
    'definition_versions',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
