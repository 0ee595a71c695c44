// Migration 2026-12-08-case-links both ways, on each database: down drops the master link and rebuilds the
// master's rollups from its own figures; up finds again which cases a case's messages started (by their starts'
// idempotency keys and the messages), follows them to the master, and rebuilds the master's rollups with the
// department cases' trips and corrections.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('./fixtures/messages/one-thing.bpmn', import.meta.url), 'utf8');
const NAME = '2026-12-08-case-links';

for (const database of testDatabases()) {
  t.test(`the case-links migration down and up again (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, close } = await buildTestApp(opened);
    t.teardown(close);
    const db = opened.db;
    const call = async (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
    const deployed = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: xml,
    });
    t.equal(deployed.statusCode, 201);
    // given a 一件事 run to its end: 3 trips over its cases, one correction
    const master = (
      await call(TOKENS.intake, 'POST', '/api/cases', {
        process: 'ot_master',
        businessKey: 'OT-9',
        channel: 'window',
      })
    ).json().id as string;
    await app.reflow.messages.idle();
    const cases = async () =>
      (
        await sql<{
          id: string;
          process_key: string;
        }>`SELECT id, process_key FROM cases ORDER BY process_key`.execute(db)
      ).rows;
    const complete = async (token: string, caseId: string) => {
      const view = (await call(TOKENS.admin, 'GET', `/api/cases/${caseId}`)).json();
      const res = await call(token, 'POST', `/api/tasks/${view.openTasks[0].id}/complete`, {});
      t.equal(res.statusCode, 200);
      await app.reflow.messages.idle();
    };
    const idOf = async (key: string) => (await cases()).find((c) => c.process_key === key)?.id as string;
    await complete(TOKENS.police, await idOf('ot_seal'));
    await complete(TOKENS.market, await idOf('ot_sub'));
    await complete(TOKENS.tax, await idOf('ot_tax'));
    await complete(TOKENS.centre, master);
    const rollup = async () => {
      await sql`SELECT reflow_drain_rollups(1000)`.execute(db);
      return (
        await sql<{ completed: number; trips: number; first_time: number }>`
          SELECT sum(completed)::int AS completed, sum(sum_trips)::int AS trips, sum(first_time)::int AS first_time
            FROM version_rollups WHERE process_key = 'ot_master'`.execute(db)
      ).rows[0];
    };
    t.same(await rollup(), { completed: 1, trips: 3, first_time: 0 }, 'the 一件事 measured end to end');
    const migrator = new Migrator({
      db: db as Kysely<unknown>,
      provider: { getMigrations: async () => migrations },
    });
    const names = Object.keys(migrations);
    const previous = names[names.indexOf(NAME) - 1];

    // when the migration is undone
    await app.reflow.messages.stop();
    const down = await migrator.migrateTo(previous);
    t.notOk(down.error, String(down.error ?? ''));
    // then the link is gone and the master's rollups are its own case's again
    const columns = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = 'cases' AND column_name = 'root_case_id'`.execute(
      db,
    );
    t.same(columns.rows, [], 'down drops cases.root_case_id');
    t.same(await rollup(), { completed: 1, trips: 1, first_time: 1 }, 'the master alone');
    t.equal((await cases()).length, 4, 'every case is kept');

    // when it is done again
    const up = await migrator.migrateToLatest();
    t.notOk(up.error, String(up.error ?? ''));
    // then each department case names the master again (登记 through 领票) and the figures are end to end
    const roots = await sql<{ process_key: string; root_case_id: string | null }>`
      SELECT process_key, root_case_id FROM cases ORDER BY process_key`.execute(db);
    t.same(
      roots.rows.map((r) => [r.process_key, r.root_case_id]),
      [
        ['ot_master', null],
        ['ot_seal', master],
        ['ot_sub', master],
        ['ot_tax', master],
      ],
    );
    t.same(await rollup(), { completed: 1, trips: 3, first_time: 0 });
  });
}
