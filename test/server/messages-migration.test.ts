// Migration 2026-12-07-messages-between-cases both ways, on each database: down drops the subscription and message
// tables and keeps every case; up makes the waits of the cases still waiting again from their snapshots, so a
// message by name and key reaches them.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { CaseService } from '../../server/cases/case-service.js';
import { MessageService } from '../../server/messages/message-service.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('./fixtures/messages/await-settlement.bpmn', import.meta.url), 'utf8');
const NAME = '2026-12-07-messages-between-cases';

for (const database of testDatabases()) {
  t.test(`the messages migration down and up again (${database.name})`, async (t) => {
    // given a case waiting for fee-settled keyed by its orderNo
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db;
    const clock = { now: Date.UTC(2026, 0, 5, 1, 0, 0) };
    const definitions = new DefinitionStore(db);
    await definitions.deploy(xml, new Date(clock.now));
    const cases = new CaseService(db, definitions, { clock: () => clock.now, cacheSize: 0 });
    const { view } = await cases.start(
      { process: 'await_settlement', businessKey: 'BK-1', variables: { orderNo: 'O-1' } },
      'test',
    );
    const waits = async () =>
      (
        await sql<{ case_id: string; kind: string; name: string; correlation_key: string | null }>`
          SELECT case_id, kind, name, correlation_key FROM case_subscriptions`.execute(db)
      ).rows;
    t.same(await waits(), [
      { case_id: view.id, kind: 'message', name: 'fee-settled', correlation_key: 'O-1' },
    ]);
    const migrator = new Migrator({
      db: db as Kysely<unknown>,
      provider: { getMigrations: async () => migrations },
    });
    const names = Object.keys(migrations);
    const previous = names[names.indexOf(NAME) - 1];
    // when the migration is undone
    const down = await migrator.migrateTo(previous);
    t.notOk(down.error, String(down.error ?? ''));
    const tables = async () =>
      (
        await sql<{ table_name: string }>`
          SELECT table_name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_name IN ('case_subscriptions', 'messages')
          ORDER BY table_name`.execute(db)
      ).rows.map((r) => r.table_name);
    t.same(await tables(), [], 'down drops both tables');
    const count = await sql<{ n: number }>`SELECT count(*)::int AS n FROM cases`.execute(db);
    t.equal(count.rows[0].n, 1, 'and keeps the case');
    // and done again
    const up = await migrator.migrateToLatest();
    t.notOk(up.error, String(up.error ?? ''));
    t.same(await tables(), ['case_subscriptions', 'messages']);
    // then the waiting case's wait is back, with the key its snapshot holds, and a message reaches it
    t.same(await waits(), [
      { case_id: view.id, kind: 'message', name: 'fee-settled', correlation_key: 'O-1' },
    ]);
    const messages = new MessageService(db, cases, definitions);
    const sent = await messages.send({ name: 'fee-settled', correlationKey: 'O-1' }, 'test');
    t.same(sent.delivered, [view.id]);
    t.equal((await cases.view(view.id)).status, 'completed');
    await messages.stop();
  });
}
