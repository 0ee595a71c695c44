// Migration 2026-12-15-webhook-held-events, on each database: an event for a paused endpoint is held on the event
// (no delivery row: the command writes less) and its id comes from a sequence; when the endpoint's probe delivers,
// the worker turns what it held into deliveries, oldest first, and each is delivered once, signed; a paused
// endpoint whose every delivery failed for good is probed with its oldest held event; the API counts and lists held
// events as pending; down writes every held event's delivery rows. On PostgreSQL: the end of a pause waits for a
// command that still saw the endpoint paused, so the event it held is released, not forgotten.
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { releaseHeldEvents } from '../../server/repositories/webhook-repository.js';
import { bearer, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';
import { verified } from '../helpers/webhook-receiver.js';
import { downEndpoint } from '../helpers/webhook-rig.js';

const NAME = '2026-12-15-webhook-held-events';
const at = new Date('2026-12-08T02:00:00Z');

const endpointRow = (db: Kysely<unknown>, id: string, events: string[], failures: number, enabled = true) =>
  sql`INSERT INTO webhook_endpoints (id, url, events, secret, created_at, enabled, failures, held)
    VALUES (${id}, 'http://127.0.0.1:9/hook', ${JSON.stringify(events)}, 'whsec_x', ${at}, ${enabled}, ${failures},
      ${failures > 0})`.execute(db);

const enqueueOn = (db: Kysely<unknown>, type: string, data: unknown) =>
  sql`SELECT reflow_enqueue_event(${type}, ${JSON.stringify(data)}::jsonb, ${at})`.execute(db);

const rowsOf = async (db: Kysely<unknown>) => ({
  events: (
    await sql<{ id: string; type: string; owed: string[] | null }>`
      SELECT id, type, owed FROM webhook_events ORDER BY id`.execute(db)
  ).rows,
  deliveries: (
    await sql<{ id: string; endpoint_id: string }>`
      SELECT id, endpoint_id FROM webhook_deliveries ORDER BY endpoint_id, id`.execute(db)
  ).rows,
});

for (const database of testDatabases()) {
  t.test(
    `a paused endpoint's events are held, and down writes their deliveries (${database.name})`,
    async (t) => {
      const opened = await database.open();
      t.teardown(() => opened.close());
      const db = opened.db as Kysely<unknown>;
      // given an awake endpoint, a paused one, and a disabled one, all subscribed to case.started
      await endpointRow(db, 'awake', ['case.started'], 0);
      await endpointRow(db, 'paused', ['case.started', 'case.completed'], 2);
      await endpointRow(db, 'disabled', ['case.started'], 1, false);

      // when two events are written
      await enqueueOn(db, 'case.started', { caseId: 'c1' });
      await enqueueOn(db, 'case.completed', { caseId: 'c1' });
      const { events, deliveries } = await rowsOf(db);

      // then the awake endpoint has a delivery row; the paused one is named on the events, without a row
      t.same(
        events.map((e) => [e.type, e.owed]),
        [
          ['case.started', ['paused']],
          ['case.completed', ['paused']],
        ],
      );
      t.same(
        deliveries.map((d) => d.endpoint_id),
        ['awake'],
      );
      t.match(events[0].id, /^msg_[0-9a-f]{16}$/, 'an id from the sequence');
      t.ok(events[0].id < events[1].id, 'ids in the order events were written');

      // down: the held events get their delivery rows, and nothing is held any more
      const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
      const names = Object.keys(migrations);
      const down = await migrator.migrateTo(names[names.indexOf(NAME) - 1]);
      t.notOk(down.error, String(down.error ?? ''));
      const after = (
        await sql<{ event_id: string; endpoint_id: string }>`
        SELECT event_id, endpoint_id FROM webhook_deliveries ORDER BY endpoint_id, event_id`.execute(db)
      ).rows;
      t.same(
        after.map((d) => [d.endpoint_id, d.event_id]),
        [
          ['awake', events[0].id],
          ['paused', events[0].id],
          ['paused', events[1].id],
        ],
      );
      const up = await migrator.migrateToLatest();
      t.notOk(up.error, String(up.error ?? ''));
      await enqueueOn(db, 'case.started', { caseId: 'c2' });
      t.same((await rowsOf(db)).events.at(-1)?.owed, ['paused'], 'held again after up');
    },
  );

  t.test(
    `events written during a pause are held, then delivered once each when the endpoint answers (${database.name})`,
    async (t) => {
      const opened = await database.open();
      const { service, app, worker, state, rx, key, registered, endpoint } = await downEndpoint(t, opened, 2);
      const db = opened.db as Kysely<unknown>;
      const endpointId = registered.json().id as string;
      const deliveryRows = async () =>
        Number(
          (await sql<{ n: string }>`SELECT count(*) AS n FROM webhook_deliveries`.execute(db)).rows[0].n,
        );

      // given one event, then a receiver that is down: the endpoint is paused
      await service.start({ process: 'licence' }, 'intake');
      t.equal(await worker.tick(), 0);
      t.equal((await endpoint()).failures, 1);

      // when 5 cases start during the pause: their events are held, not given delivery rows
      for (let i = 0; i < 5; i++) await service.start({ process: 'licence' }, 'intake');
      t.equal(await deliveryRows(), 1, 'the first event only');
      t.match(
        await endpoint(),
        { deliveries: { pending: 6, delivered: 0, failed: 0 } },
        'held events are pending',
      );
      const listed = (
        await app.inject({
          method: 'GET',
          url: `/api/webhooks/${endpointId}/deliveries?status=pending`,
          headers: bearer(TOKENS.admin),
        })
      ).json() as { id: string; eventId: string; attempts: number; status: string }[];
      t.equal(listed.length, 6, 'the list shows them');
      t.equal(listed.filter((d) => d.attempts === 0).length, 5, 'five never tried');
      t.ok(
        listed.every((d) => d.id === `${d.eventId}.${endpointId}` && d.status === 'pending'),
        'named as their deliveries will be',
      );

      // the probe fails for good (2 attempts): the paused endpoint has no delivery row left to probe with
      state.now += 1000;
      t.equal(await worker.tick(), 0);
      t.match(await endpoint(), { failures: 2, deliveries: { pending: 5, delivered: 0, failed: 1 } });
      // so its oldest held event becomes its next probe, and when the receiver answers it delivers
      state.up = true;
      state.now += 2000;
      t.equal(await worker.tick(), 5, 'the probe, then the 4 events still held');
      t.match(await endpoint(), { failures: 0, deliveries: { pending: 0, delivered: 5, failed: 1 } });
      const ids = rx.got.slice(2).map((r) => String(r.headers['webhook-id']));
      t.equal(new Set(ids).size, 5, 'each held event delivered once');
      t.same(ids, [...ids].sort(), 'oldest first');
      t.ok(rx.got.slice(2).every((r) => verified(key, r).type === 'case.started'));
      t.same(
        (await sql<{ held: boolean }>`SELECT held FROM webhook_endpoints`.execute(db)).rows,
        [{ held: false }],
        'nothing held any more',
      );
      // and an event after the pause gets its delivery row at once
      await service.start({ process: 'licence' }, 'intake');
      t.equal(await deliveryRows(), 7);
    },
  );
}

t.test(
  'the end of a pause waits for a command that still saw the endpoint paused',
  { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' },
  async (t) => {
    const opened = testDatabases().find((d) => d.name === 'postgres');
    if (!opened) throw new Error('no PostgreSQL');
    const database = await opened.open();
    t.teardown(() => database.close());
    const db = database.db as Kysely<unknown>;
    await endpointRow(db, 'e1', ['case.started'], 1);
    // given a command, not yet committed, that held an event for the paused endpoint
    const command = new pg.Client({
      connectionString: (database.pool as pg.Pool & { options: { connectionString: string } }).options
        .connectionString,
    });
    await command.connect();
    t.teardown(() => command.end());
    await command.query('BEGIN');
    await command.query(`SELECT reflow_enqueue_event('case.started', '{"caseId":"c1"}', now())`);

    // when the pause ends and the held events are released
    await sql`UPDATE webhook_endpoints SET failures = 0, retry_at = NULL`.execute(db);
    let done = false;
    const releasing = releaseHeldEvents(database.db, new Date()).then((n) => {
      done = true;
      return n;
    });
    await new Promise((r) => setTimeout(r, 300));
    t.notOk(done, 'the release waits for the open command');
    await command.query('COMMIT');
    t.equal(await releasing, 1, "then the command's held event is released");
    // and a command starting now sees the endpoint awake: its event gets a delivery row, held for nobody
    await enqueueOn(db, 'case.started', { caseId: 'c2' });
    const { events, deliveries } = await rowsOf(db);
    t.same(
      events.map((e) => e.owed),
      [null, null],
    );
    t.equal(deliveries.length, 2, 'both events have their delivery');
  },
);
