// Migration 2026-12-11-hot-case-updates both ways, on each database: up leaves room in the pages of cases and
// steps (their fillfactor), so a command's update of a case row can stay in its page without new index entries;
// down gives the tables PostgreSQL's default back; stored cases are kept either way.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { CaseService } from '../../server/cases/case-service.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('../bench/business-registration.bpmn', import.meta.url), 'utf8');
const NAME = '2026-12-11-hot-case-updates';

for (const database of testDatabases()) {
  t.test(`cases and steps keep room for updates in their pages (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db;
    const options = async () =>
      (
        await sql<{ relname: string; reloptions: string[] | null }>`
          SELECT relname, reloptions FROM pg_class
          WHERE relname IN ('cases', 'steps') AND relnamespace = current_schema()::regnamespace
          ORDER BY relname`.execute(db)
      ).rows.map((r) => [r.relname, r.reloptions ?? []]);
    t.same(await options(), [
      ['cases', ['fillfactor=50']],
      ['steps', ['fillfactor=80']],
    ]);
    // given a case worked through its acceptance
    const definitions = new DefinitionStore(db);
    const { key } = await definitions.deploy(xml, new Date(Date.UTC(2026, 0, 5)));
    const service = new CaseService(db, definitions, { clock: () => Date.UTC(2026, 0, 5, 1) });
    const { view } = await service.start({ process: key }, 'test');
    await service.completeTask(view.openTasks[0].id, {}, 'test');
    const migrator = new Migrator({
      db: db as Kysely<unknown>,
      provider: { getMigrations: async () => migrations },
    });
    const names = Object.keys(migrations);
    // when the migration is undone
    const down = await migrator.migrateTo(names[names.indexOf(NAME) - 1]);
    t.notOk(down.error, String(down.error ?? ''));
    t.same(await options(), [
      ['cases', []],
      ['steps', []],
    ]);
    // and done again
    const up = await migrator.migrateToLatest();
    t.notOk(up.error, String(up.error ?? ''));
    t.same(await options(), [
      ['cases', ['fillfactor=50']],
      ['steps', ['fillfactor=80']],
    ]);
    // then the case is as it was, and takes its next command
    const stored = await service.view(view.id);
    t.equal(stored.openTasks.length, 4);
    const after = await service.completeTask(stored.openTasks[0].id, {}, 'test');
    t.equal(after.openTasks.length, 3);
  });
}
