// Migration 2026-12-14-webhook-outbox-writes, on each database: an event gets one delivery for each enabled endpoint
// subscribed to its type (awake or paused), none for a disabled or unsubscribed one, and none at all when nobody
// wants it; the deliveries' foreign keys are gone; down brings them back and writes the same deliveries. The task
// events, written set-based by their statement triggers, are one each for tasks written together in one statement
// (a fork's four approvals), with their payloads, awake and paused endpoints alike. Each test first migrates the
// database down to this migration (later ones change how a paused endpoint's events are kept).
import { readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { CaseService } from '../../server/cases/case-service.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';

const NAME = '2026-12-14-webhook-outbox-writes';
const at = new Date('2026-12-07T02:00:00Z');

for (const database of testDatabases()) {
  t.test(`an event's deliveries, with and without the foreign keys (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db as Kysely<unknown>;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    t.notOk((await migrator.migrateTo(NAME)).error);
    const enqueue = (type: string, data: unknown) =>
      sql`SELECT reflow_enqueue_event(${type}, ${JSON.stringify(data)}::jsonb, ${at})`.execute(db);
    const deliveries = async () =>
      (
        await sql<{ id: string; event_id: string; endpoint_id: string; status: string; next_at: Date }>`
          SELECT d.id, d.event_id, d.endpoint_id, d.status, d.next_at FROM webhook_deliveries d
           ORDER BY d.endpoint_id, d.id`.execute(db)
      ).rows;
    const foreignKeys = async () =>
      (
        await sql<{ conname: string }>`SELECT conname FROM pg_constraint
          WHERE conrelid = 'webhook_deliveries'::regclass AND contype = 'f' ORDER BY conname`.execute(db)
      ).rows.map((r) => r.conname);

    // given an awake endpoint and a paused one subscribed to case.started, a disabled one, and one for other events
    const endpoint = (id: string, events: string[], extra = sql``) =>
      sql`INSERT INTO webhook_endpoints (id, url, events, secret, created_at, enabled, failures)
        VALUES (${id}, 'http://127.0.0.1:9/hook', ${JSON.stringify(events)}, 'whsec_x', ${at}, ${extra})`.execute(
        db,
      );
    await endpoint('awake', ['case.started'], sql`true, 0`);
    await endpoint('paused', ['case.started', 'case.completed'], sql`true, 2`);
    await endpoint('disabled', ['case.started'], sql`false, 0`);
    await endpoint('other', ['task.created'], sql`true, 0`);
    t.same(await foreignKeys(), [], 'no foreign keys on the deliveries');

    // when a case.started event is written: one pending delivery each for the awake and the paused endpoint
    await enqueue('case.started', { caseId: 'c1' });
    let rows = await deliveries();
    t.same(
      rows.map((r) => [r.endpoint_id, r.status]),
      [
        ['awake', 'pending'],
        ['paused', 'pending'],
      ],
    );
    const eventId = rows[0].event_id;
    t.match(eventId, /^msg_[0-9a-f]{32}$/);
    t.same(
      rows.map((r) => r.id),
      [`${eventId}.awake`, `${eventId}.paused`],
      'a delivery is named by its event and endpoint',
    );
    t.equal(new Date(rows[0].next_at).getTime(), at.getTime(), 'due at once');
    const event = (
      await sql<{
        type: string;
        data: unknown;
      }>`SELECT type, data FROM webhook_events WHERE id = ${eventId}`.execute(db)
    ).rows[0];
    t.same(event, { type: 'case.started', data: { caseId: 'c1' } });
    // an event nobody enabled wants writes nothing
    await enqueue('rating.received', { ratingId: 'r1' });
    t.equal((await deliveries()).length, 2);
    t.equal(
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM webhook_events`.execute(db)).rows[0].n),
      1,
      'and no event',
    );

    // down: the foreign keys are back, and an event gets the same deliveries
    const names = Object.keys(migrations);
    const down = await migrator.migrateTo(names[names.indexOf(NAME) - 1]);
    t.notOk(down.error, String(down.error ?? ''));
    t.same(await foreignKeys(), ['webhook_deliveries_endpoint_id_fkey', 'webhook_deliveries_event_id_fkey']);
    await enqueue('case.completed', { caseId: 'c1' });
    rows = await deliveries();
    t.same(
      rows.map((r) => r.endpoint_id),
      ['awake', 'paused', 'paused'],
      'case.completed only for the endpoint subscribed to it',
    );
    const up = await migrator.migrateTo(NAME);
    t.notOk(up.error, String(up.error ?? ''));
    t.same(await foreignKeys(), []);
    await enqueue('case.completed', { caseId: 'c2' });
    t.equal((await deliveries()).length, 4, 'nothing lost either way');
  });
}

// a fork: after the acceptance, four parallel approvals written by one statement of the case writer
const registration = readFileSync(new URL('../bench/business-registration.bpmn', import.meta.url), 'utf8');

for (const database of testDatabases()) {
  t.test(`the tasks of one statement, an event each (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db as Kysely<unknown>;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    t.notOk((await migrator.migrateTo(NAME)).error);
    const now = Date.parse('2026-12-07T02:00:00Z');
    const definitions = new DefinitionStore(opened.db);
    const { key } = await definitions.deploy(registration, new Date(now));
    const service = new CaseService(opened.db, definitions, { clock: () => now });
    await sql`INSERT INTO webhook_endpoints (id, url, events, secret, created_at, failures) VALUES
      ('awake', 'http://127.0.0.1:9/hook', '["task.created", "task.completed"]', 'whsec_x', ${at}, 0),
      ('paused', 'http://127.0.0.1:9/hook', '["task.created"]', 'whsec_y', ${at}, 1)`.execute(db);
    const events = async (type: string) =>
      (
        await sql<{ id: string; data: Record<string, unknown>; endpoints: string[] }>`
          SELECT e.id, e.data, array_agg(d.endpoint_id ORDER BY d.endpoint_id) AS endpoints
            FROM webhook_events e JOIN webhook_deliveries d ON d.event_id = e.id
           WHERE e.type = ${type} GROUP BY e.id, e.data ORDER BY e.data->>'elementId'`.execute(db)
      ).rows;

    // when a case starts (its acceptance) and the acceptance is completed (the fork's four approvals)
    const { view } = await service.start({ process: key }, 'intake');
    const accepted = await service.completeTask(view.openTasks[0].id, {}, 'department:市场监管');
    t.equal(accepted.openTasks.length, 4, 'four approvals open at once');
    const created = await events('task.created');
    t.same(
      created.map((e) => e.data.elementId),
      ['accept', 'fund', 'seal', 'social', 'tax'],
      'one task.created for each task',
    );
    t.ok(
      created.every((e) => e.endpoints.join() === 'awake,paused'),
      'each delivered to the awake and the paused endpoint',
    );
    const seal = created.find((e) => e.data.elementId === 'seal');
    t.same(
      Object.keys(seal?.data ?? {}).sort(),
      ['caseId', 'createdAt', 'department', 'dueAt', 'elementId', 'name', 'taskId'],
      'a task.created names the task, its case, department and times',
    );
    t.match(seal?.data, { caseId: view.id, department: '公安', name: '公章刻制' });
    t.equal(
      seal?.data.taskId,
      accepted.openTasks.find((task) => task.elementId === 'seal')?.id,
      'the task it reports',
    );
    const completed = await events('task.completed');
    t.same(
      completed.map((e) => [e.data.elementId, e.endpoints]),
      [['accept', ['awake']]],
      'one task.completed, for the endpoint subscribed to it',
    );
    t.match(completed[0].data, { caseId: view.id, department: '市场监管', completedAt: String });
  });
}
