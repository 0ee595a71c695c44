// Migration 2026-12-08-publishing on each database: the versions stored before it keep their history (each in force
// from its deployment until the next), so the newest version of each key is published and the others retired;
// nothing else changes, audit verification passes, and down removes the publications again.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { verifyAudit } from '../../server/audit/verify.js';
import { CaseService } from '../../server/cases/case-service.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');
const permitV2 = permit.replace('gov:timeLimit="2"', 'gov:timeLimit="1"');

// the columns that existed before the migration (later migrations add others, e.g. original_xml)
const VERSION_COLUMNS =
  'id, key, version, name, xml, hash, semantic_hash, static_metrics, warnings, deployed_at';

for (const database of testDatabases()) {
  t.test(`the publishing migration (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db;
    const migrator = new Migrator({
      db: db as Kysely<unknown>,
      provider: { getMigrations: async () => migrations },
    });
    // given a database from before publishing with two versions of a key, stored as the server then stored them
    t.equal((await migrator.migrateTo('2026-12-07-messages-between-cases')).error, undefined);
    for (const [version, xml, at] of [
      [1, permit, '2026-03-01T00:00:00Z'],
      [2, permitV2, '2026-04-01T00:00:00Z'],
    ] as const)
      await db
        .insertInto('definition_versions')
        .values({
          id: `permit:${version}`,
          key: 'permit',
          version,
          name: 'permit',
          xml,
          hash: `hash-${version}`,
          semantic_hash: null,
          static_metrics: '{}',
          warnings: '[]',
          deployed_at: new Date(at),
        })
        .execute();
    const versionsBefore =
      await sql`SELECT ${sql.raw(VERSION_COLUMNS)} FROM definition_versions ORDER BY id`.execute(db);

    // when migrated up
    t.equal((await migrator.migrateToLatest()).error, undefined);

    // then v2 is published, v1 retired, each from its deployment, and nothing else changed
    const [summary] = await new DefinitionStore(db).summaries(new Date('2026-12-08T00:00:00Z'), 'permit');
    t.match(summary, {
      inForce: 2,
      versions: [
        { version: 1, status: 'retired', effectiveAt: new Date('2026-03-01T00:00:00Z') },
        { version: 2, status: 'published', effectiveAt: new Date('2026-04-01T00:00:00Z') },
      ],
    });
    const rows = await db.selectFrom('definition_publications').selectAll().orderBy('seq').execute();
    t.match(rows, [
      { version: 1, from_version: null, published_by: 'migration:2026-12-08-publishing', system_seq: null },
      { version: 2, from_version: 1, published_by: 'migration:2026-12-08-publishing', system_seq: null },
    ]);
    t.same(
      (await sql`SELECT ${sql.raw(VERSION_COLUMNS)} FROM definition_versions ORDER BY id`.execute(db)).rows,
      versionsBefore.rows,
    );
    const definitions = new DefinitionStore(db);
    const service = new CaseService(db, definitions, {
      cacheSize: 0,
      clock: () => Date.parse('2026-12-08T01:00:00Z'),
    });
    const onV1 = await service.start(
      { process: 'permit', version: 1, variables: { applicant: '张三' } },
      'test',
    );
    t.equal(onV1.view.version, 1, 'a retired version may still be started by naming it');
    const started = await service.start({ process: 'permit', variables: { applicant: '李四' } }, 'test');
    t.equal(started.view.version, 2, 'new cases start on the newest, as before the migration');
    const report = await verifyAudit(db);
    t.match(report, { ok: true, publications: { checked: 2, broken: [] } });

    // and down removes the publications, keeping the versions
    t.equal((await migrator.migrateTo('2026-12-07-messages-between-cases')).error, undefined);
    t.equal(
      (
        await sql<{
          present: boolean;
        }>`SELECT to_regclass('definition_publications') IS NOT NULL AS present`.execute(db)
      ).rows[0].present,
      false,
    );
    t.equal((await sql`SELECT id FROM definition_versions`.execute(db)).rows.length, 2);
    t.equal((await migrator.migrateToLatest()).error, undefined);
  });
}
