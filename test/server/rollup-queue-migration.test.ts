// Migration 2026-11-29-005 (the rollup queue) both ways, on each database: down rolls up what is still queued and
// brings back the commit-time rollup; up again queues completed cases; the figures never change.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { CaseService } from '../../server/cases/case-service.js';
import { drainRollups } from '../../server/metrics/rollup-queue.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('../bench/business-registration.bpmn', import.meta.url), 'utf8');

for (const database of testDatabases()) {
  t.test(`the rollup queue migration down and up again (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db;
    const definitions = new DefinitionStore(db);
    await definitions.deploy(xml, new Date());
    const completeCase = async (service: CaseService): Promise<string> => {
      const { view } = await service.start({ process: 'business_registration_bench' }, 'test');
      const open = [...view.openTasks];
      for (let task = open.shift(); task; task = open.shift()) {
        const after = await service.completeTask(task.id, {}, 'test');
        for (const next of after.openTasks) if (!open.some((o) => o.id === next.id)) open.push(next);
      }
      return view.id;
    };
    const counts = async () =>
      (
        await sql<{ rolled: number; queued: number }>`SELECT
          (SELECT coalesce(sum(completed), 0)::int FROM version_rollups) AS rolled,
          (SELECT count(*)::int FROM rollup_queue) AS queued`.execute(db)
      ).rows[0];
    await completeCase(new CaseService(db, definitions));
    await completeCase(new CaseService(db, definitions));
    // a third case whose completion is kept for the old schema: today's writer does not run on a schema that
    // old (it writes the tables of later migrations), so its row's last change is made there by SQL below
    const third = await completeCase(new CaseService(db, definitions));
    await sql`UPDATE cases SET status = 'active' WHERE id = ${third}`.execute(db);
    await sql`DELETE FROM rollup_queue WHERE case_id = ${third}`.execute(db);
    t.same(await counts(), { rolled: 0, queued: 2 }, 'completed cases wait in the queue');

    const migrator = new Migrator({
      db: db as Kysely<unknown>,
      provider: { getMigrations: async () => migrations },
    });
    const down = await migrator.migrateTo('2026-11-29-004-rollup-functions-plpgsql');
    t.equal(down.error, undefined);
    const rolled = await sql<{
      n: number;
    }>`SELECT coalesce(sum(completed), 0)::int AS n FROM version_rollups`.execute(db);
    t.equal(rolled.rows[0].n, 2, 'down rolled up what was queued');
    await sql`UPDATE cases SET status = 'completed' WHERE id = ${third}`.execute(db);
    const atCommit = await sql<{
      n: number;
    }>`SELECT coalesce(sum(completed), 0)::int AS n FROM version_rollups`.execute(db);
    t.equal(atCommit.rows[0].n, 3, 'without the queue, a case is rolled up as it completes');

    const up = await migrator.migrateToLatest();
    t.equal(up.error, undefined);
    await completeCase(new CaseService(db, definitions));
    t.same(await counts(), { rolled: 3, queued: 1 }, 'with the queue again, the next case waits in it');
    // a rebuild while a case waits in the queue counts it from the rows and takes it out of the queue
    await sql`SELECT reflow_roll_up_version('business_registration_bench', 1)`.execute(db);
    t.same(await counts(), { rolled: 4, queued: 0 }, 'a rebuild counts the queued case once');
    t.equal(await drainRollups(db), 0, 'and a drain after it adds nothing');
    await completeCase(new CaseService(db, definitions));
    t.equal(await drainRollups(db), 1);
    t.same(await counts(), { rolled: 5, queued: 0 });
  });
}
