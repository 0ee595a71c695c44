// Migration 2026-11-29-008 (timers.retry_at and timers.last_error) both ways, on each database: down drops the
// columns and keeps every timer (one waiting for its retry is simply due again); up adds them back empty, and the
// scheduler fires the timer.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { CaseService } from '../../server/cases/case-service.js';
import { TimerScheduler } from '../../server/scheduler/timer-scheduler.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('./fixtures/crash-timer.bpmn', import.meta.url), 'utf8'); // PT2S boundary

const NAME = '2026-11-29-008-timer-retries';

for (const database of testDatabases()) {
  t.test(`the timer retries migration down and up again (${database.name})`, async (t) => {
    // given a case whose timer failed once and waits for its retry
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db;
    const clock = { now: Date.UTC(2026, 0, 5, 1, 0, 0) };
    const definitions = new DefinitionStore(db);
    await definitions.deploy(xml, new Date(clock.now));
    const service = new CaseService(db, definitions, { clock: () => clock.now, cacheSize: 0 });
    const { view } = await service.start({ process: 'crash_timer' }, 'test');
    await db
      .updateTable('timers')
      .set({ attempts: 1, retry_at: new Date(clock.now + 60_000), last_error: 'the database is away' })
      .execute();
    const columns = async () =>
      (
        await sql<{ column_name: string }>`
          SELECT column_name FROM information_schema.columns
           WHERE table_name = 'timers' AND table_schema = current_schema() ORDER BY column_name`.execute(db)
      ).rows.map((r) => r.column_name);
    const timers = async () =>
      (
        await sql<{ id: string; case_id: string; due_at: Date; attempts: number }>`
          SELECT id, case_id, due_at, attempts FROM timers ORDER BY id`.execute(db)
      ).rows;
    t.same(await columns(), [
      'attempts',
      'case_id',
      'claimed_by',
      'claimed_until',
      'due_at',
      'element_id',
      'id',
      'last_error',
      'retry_at',
    ]);
    const before = await timers();
    t.equal(before.length, 1);
    const migrator = new Migrator({
      db: db as Kysely<unknown>,
      provider: { getMigrations: async () => migrations },
    });
    const names = Object.keys(migrations).sort();

    // when migrated down to the migration before it
    const down = await migrator.migrateTo(names[names.indexOf(NAME) - 1]);
    // then
    t.equal(down.error, undefined);
    t.notOk((await columns()).includes('retry_at'), 'down: retry_at is gone');
    t.notOk((await columns()).includes('last_error'), 'down: last_error is gone');
    t.same(await timers(), before, 'down: every timer is kept');

    // when migrated up again
    const up = await migrator.migrateToLatest();
    // then
    t.equal(up.error, undefined);
    t.ok((await columns()).includes('retry_at'), 'up: retry_at is back');
    t.same(
      await db.selectFrom('timers').select(['retry_at', 'last_error']).execute(),
      [{ retry_at: null, last_error: null }],
      'up: nothing to wait for',
    );
    clock.now += 2_000;
    const scheduler = new TimerScheduler(db, service, { nodeId: 'after-up', clock: () => clock.now });
    t.teardown(() => scheduler.stop());
    t.equal(await scheduler.tick(), 1, 'the timer fires once due');
    t.equal((await service.view(view.id)).status, 'completed');
  });
}
