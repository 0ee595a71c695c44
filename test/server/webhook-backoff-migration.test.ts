// Migration 2026-12-12-webhook-endpoint-backoff both ways, on each database: up gives every endpoint its failures in
// a row (0) and no pause; down takes the two columns away; registered endpoints are kept either way.
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { testDatabases } from '../helpers/test-database.js';

const NAME = '2026-12-12-webhook-endpoint-backoff';

for (const database of testDatabases()) {
  t.test(`webhook endpoints gain their pause, and lose it on down (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db as Kysely<unknown>;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const names = Object.keys(migrations);
    const columns = async () =>
      (
        await sql<{ column_name: string }>`
          SELECT column_name FROM information_schema.columns
          WHERE table_name = 'webhook_endpoints' AND table_schema = current_schema()
            AND column_name IN ('failures', 'retry_at')
          ORDER BY column_name`.execute(db)
      ).rows.map((r) => r.column_name);
    t.same(await columns(), ['failures', 'retry_at']);
    // given the migration undone and an endpoint registered before it
    const down = await migrator.migrateTo(names[names.indexOf(NAME) - 1]);
    t.notOk(down.error, String(down.error ?? ''));
    t.same(await columns(), []);
    await sql`INSERT INTO webhook_endpoints (id, url, events, secret, created_at)
      VALUES ('e1', 'http://127.0.0.1:9/hook', '["case.started"]', 'whsec_x', now())`.execute(db);
    // when it is done again, the endpoint is kept, delivering (no failures, no pause)
    const up = await migrator.migrateToLatest();
    t.notOk(up.error, String(up.error ?? ''));
    t.same(await columns(), ['failures', 'retry_at']);
    const { rows } = await sql<{ id: string; failures: number; retry_at: Date | null }>`
      SELECT id, failures, retry_at FROM webhook_endpoints`.execute(db);
    t.same(rows, [{ id: 'e1', failures: 0, retry_at: null }]);
  });
}
