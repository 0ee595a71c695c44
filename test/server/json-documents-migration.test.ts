// Migration 2026-11-29-006 (snapshots and audit payloads as json) both ways, on each database: what was stored
// reads back the same, the audit chains still verify, and cases go on under either column type.
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { verifyAudit } from '../../server/audit/verify.js';
import { CaseService } from '../../server/cases/case-service.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('../bench/business-registration.bpmn', import.meta.url), 'utf8');

for (const database of testDatabases()) {
  t.test(`the json documents migration down and up again (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db;
    const definitions = new DefinitionStore(db);
    await definitions.deploy(xml, new Date());
    const types = async () =>
      (
        await sql<{ table_name: string; data_type: string }>`
          SELECT table_name, data_type FROM information_schema.columns
           WHERE (table_name, column_name) IN (('cases', 'snapshot'), ('audit_events', 'payload'))
           ORDER BY table_name`.execute(db)
      ).rows.map((r) => `${r.table_name}:${r.data_type}`);
    const stored = async () =>
      (
        await sql<{ id: string; snapshot: unknown; payloads: unknown }>`
          SELECT c.id, c.snapshot,
                 (SELECT json_agg(a.payload ORDER BY a.seq) FROM audit_events a WHERE a.case_id = c.id) AS payloads
            FROM cases c ORDER BY c.id`.execute(db)
      ).rows;
    // one case halfway (the parallel approvals open), one case completed
    const service = new CaseService(db, definitions, { cacheSize: 0 });
    const halfway = await service.start(
      { process: 'business_registration_bench', variables: { n: 1.5 } },
      'test',
    );
    await service.completeTask(halfway.view.openTasks[0].id, { note: '引号 "quoted" \\ backslash' }, 'test');
    const done = await service.start({ process: 'business_registration_bench' }, 'test');
    const open = [...done.view.openTasks];
    for (let task = open.shift(); task; task = open.shift()) {
      const after = await service.completeTask(task.id, {}, 'test');
      for (const next of after.openTasks) if (!open.some((o) => o.id === next.id)) open.push(next);
    }
    t.same(await types(), ['audit_events:json', 'cases:json']);
    const before = await stored();

    const migrator = new Migrator({
      db: db as Kysely<unknown>,
      provider: { getMigrations: async () => migrations },
    });
    const down = await migrator.migrateTo('2026-11-29-005-rollup-queue');
    t.equal(down.error, undefined);
    t.same(await types(), ['audit_events:jsonb', 'cases:jsonb'], 'down: jsonb again');
    t.same(await stored(), before, 'down: the same documents');
    // (today's verifier no longer runs on a schema this old: it also checks the claims and handlers of tasks,
    // columns of migration 2026-12-08-people; the chains verify after migrating up, below)
    // (today's writer no longer runs on a schema this old: it also writes the waits and messages tables of
    // migration 2026-12-07-messages-between-cases, so a node is upgraded after its database, not before)

    const up = await migrator.migrateToLatest();
    t.equal(up.error, undefined);
    t.same(await types(), ['audit_events:json', 'cases:json'], 'up: json');
    const after = await stored();
    t.same(after.length, 2);
    t.same(
      after.find((c) => c.id === done.view.id),
      before.find((c) => c.id === done.view.id),
      'up: the same documents',
    );
    const report = await verifyAudit(db);
    t.ok(report.ok, 'up: the chains verify');
    t.equal(report.checkedCases, 2);
    // the writer's json values go into the json columns again
    const approvals = (await service.view(halfway.view.id)).openTasks;
    t.ok(approvals.length > 0);
    await service.completeTask(approvals[0].id, {}, 'test');
    const view = await service.view(halfway.view.id);
    t.same(view.variables, { n: 1.5, note: '引号 "quoted" \\ backslash' }, 'variables read back exactly');
    for (const task of view.openTasks) await service.completeTask(task.id, {}, 'test');
    t.ok((await verifyAudit(db)).ok, 'a case goes on after the round trip');
  });
}
