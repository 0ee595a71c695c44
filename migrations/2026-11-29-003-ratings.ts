/** 好差评: one rating per case and channel; bad ones link to the rectification case they started. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ratings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('level', 'smallint', (c) => c.notNull().check(sql`level BETWEEN 1 AND 5`))
    .addColumn('comment', 'text')
    .addColumn('element_id', 'text')
    .addColumn('department', 'text')
    .addColumn('defaulted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('rated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('deadline_days', 'double precision')
    .addColumn('rectification_case_id', 'text')
    .addUniqueConstraint('ratings_case_channel', ['case_id', 'channel'])
    .execute();
  await db.schema
    .createIndex('ratings_department')
    .on('ratings')
    .columns(['department', 'rated_at'])
    .execute();
  await db.schema
    .createIndex('ratings_rectification')
    .on('ratings')
    .column('rectification_case_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ratings').ifExists().execute();
}
