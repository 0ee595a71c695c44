// The test helper that hands one embedded database instance from test to test (test/helpers/pglite-reuse.ts): the
// next test finds it as the template left it — tables emptied, the migrations' own rows and sequence values back,
// the session's settings forgotten — and an instance whose schema a test changed is replaced, not reused.
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import t from 'tap';
import { migrateToLatest } from '../../server/db/database.js';
import { PgliteReuse } from '../helpers/pglite-reuse.js';

t.test('a reset instance is as the migrations left it; a changed schema gets a new one', async (t) => {
  const made: PGlite[] = [];
  const create = async () => {
    const pglite = await PGlite.create();
    await migrateToLatest(new Kysely<unknown>({ dialect: new PGliteDialect({ pglite }) }));
    made.push(pglite);
    return pglite;
  };
  t.teardown(() => Promise.all(made.map((p) => (p.closed ? undefined : p.close()))));
  const reuse = new PgliteReuse();
  const one = async (sql: string) => (await first.query<Record<string, unknown>>(sql)).rows[0];

  // given an instance a test wrote to: a row, a sequence moved, a migration's row changed, a setting
  const first = await reuse.take(create);
  const settings = await one('SELECT * FROM metric_settings');
  t.ok(settings, 'the migrations leave a row in metric_settings');
  await first.exec(`INSERT INTO task_transfers (task_id, case_id, reason, actor, at)
    VALUES ('t1', 'c1', 'test', 'test', now())`);
  await first.exec('UPDATE metric_settings SET shards = shards + 1');
  await first.exec(`SET TIME ZONE 'Asia/Shanghai'`);
  await reuse.give(first);

  // when the next test takes one
  const second = await reuse.take(create);

  // then it is the same instance, as the template left it
  t.equal(second, first, 'reused, not created');
  t.equal(made.length, 1);
  t.same(await one('SELECT count(*)::int AS n FROM task_transfers'), { n: 0 }, 'written rows gone');
  t.same(await one('SELECT * FROM metric_settings'), settings, "the migration's row back");
  await second.exec(`INSERT INTO task_transfers (task_id, case_id, reason, actor, at)
    VALUES ('t2', 'c2', 'test', 'test', now())`);
  t.same(await one('SELECT id::int FROM task_transfers'), { id: 1 }, 'the sequence starts again');
  t.same(await one('SHOW TIME ZONE'), { TimeZone: 'UTC' }, 'the session forgotten');

  // when a test changes the schema, the instance is not handed on
  await second.exec('ALTER TABLE task_transfers ADD COLUMN note text');
  await reuse.give(second);
  const third = await reuse.take(create);
  t.not(third, second, 'a new instance');
  t.ok(second.closed, 'the changed one closed');
  t.equal(made.length, 2);

  // two given back at once: one is kept, the other closed
  const fourth = await reuse.take(create);
  await reuse.give(third);
  await reuse.give(fourth);
  t.ok(fourth.closed);
  t.notOk(third.closed);
  t.equal(await reuse.take(create), third);
});
