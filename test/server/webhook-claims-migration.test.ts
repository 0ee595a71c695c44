// Migration 2026-12-13-webhook-claims, on each database: an event for a paused endpoint is kept (its outbox rows
// written) without waking the delivery workers, one for an endpoint that is not paused wakes them once per
// transaction; a claim takes the due deliveries of the endpoints that are not paused and the probe of a paused one
// whose pause is over, never the rest of its backlog; down brings back one notification an event. The test first
// migrates the database down to this migration (2026-12-15 holds a paused endpoint's events instead of writing rows).
import { type Kysely, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import type pg from 'pg';
import t from 'tap';
import { migrations } from '../../migrations/index.js';
import { claimDueDeliveries, WEBHOOK_CHANNEL } from '../../server/repositories/webhook-repository.js';
import { testDatabases } from '../helpers/test-database.js';

const NAME = '2026-12-13-webhook-claims';
const at = new Date('2026-12-07T02:00:00Z');

for (const database of testDatabases()) {
  t.test(`paused endpoints wake nobody and are not read by claims (${database.name})`, async (t) => {
    const opened = await database.open();
    t.teardown(() => opened.close());
    const db = opened.db as Kysely<unknown>;
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    t.notOk((await migrator.migrateTo(NAME)).error);
    // what the workers would hear: on PostgreSQL a listening connection; PGlite's notifications are not heard here
    const heard: string[] = [];
    let listener: pg.PoolClient | undefined;
    if (opened.pool) {
      listener = await opened.pool.connect();
      listener.on('notification', (n) => heard.push(n.payload ?? ''));
      await listener.query(`LISTEN ${WEBHOOK_CHANNEL}`);
      t.teardown(() => listener?.release());
    }
    const settle = () => new Promise((r) => setTimeout(r, 200));
    const enqueue = (n: number) =>
      db.transaction().execute(async (trx) => {
        for (let i = 0; i < n; i++)
          await sql`SELECT reflow_enqueue_event('case.started', ${JSON.stringify({ i })}::jsonb, ${at})`.execute(
            trx,
          );
      });
    const pending = async (endpoint: string) =>
      Number(
        (
          await sql<{ n: string }>`SELECT count(*) AS n FROM webhook_deliveries
            WHERE endpoint_id = ${endpoint} AND status = 'pending'`.execute(db)
        ).rows[0].n,
      );

    // given an endpoint paused until later
    await sql`INSERT INTO webhook_endpoints (id, url, events, secret, created_at, failures, retry_at)
      VALUES ('down', 'http://127.0.0.1:9/hook', '["case.started"]', 'whsec_x', ${at}, 3,
        ${new Date(at.getTime() + 60_000)})`.execute(db);
    // when three events are written for it: kept, nobody woken
    await enqueue(3);
    await settle();
    t.equal(await pending('down'), 3, 'the paused endpoint keeps its deliveries');
    t.same(heard, [], 'no notification for a paused endpoint');

    // when an endpoint that is not paused subscribes too: three events in a transaction wake the workers once
    await sql`INSERT INTO webhook_endpoints (id, url, events, secret, created_at)
      VALUES ('up', 'http://127.0.0.1:9/hook', '["case.started"]', 'whsec_y', ${at})`.execute(db);
    await enqueue(3);
    await settle();
    t.equal(await pending('up'), 3);
    t.equal(await pending('down'), 6);
    if (listener) t.same(heard, [''], 'one notification for the transaction');

    // a claim during the pause takes only the endpoint that is not paused
    const claim = (now: Date, batch = 50) =>
      claimDueDeliveries(opened.db, {
        nodeId: 'n1',
        now,
        until: new Date(now.getTime() + 15_000),
        batch,
      });
    const during = await claim(new Date(at.getTime() + 1000));
    t.same([...new Set(during.map((d) => d.endpoint_id))], ['up']);
    t.equal(during.length, 3);
    await sql`UPDATE webhook_deliveries SET status = 'delivered' WHERE endpoint_id = 'up'`.execute(db);
    // after the pause: the paused endpoint's probe, one delivery, and nothing else of its backlog
    const after = await claim(new Date(at.getTime() + 61_000));
    t.same(
      after.map((d) => d.endpoint_id),
      ['down'],
      'its probe only',
    );
    t.equal((await claim(new Date(at.getTime() + 62_000))).length, 0, 'the rest waits for the probe');
    // the batch bounds a claim over several endpoints
    await sql`UPDATE webhook_deliveries SET claimed_until = NULL, claimed_by = NULL`.execute(db);
    await sql`UPDATE webhook_endpoints SET failures = 0, retry_at = NULL`.execute(db);
    t.equal((await claim(new Date(at.getTime() + 63_000), 4)).length, 4);

    // down: one notification an event again, deliveries kept
    const names = Object.keys(migrations);
    const down = await migrator.migrateTo(names[names.indexOf(NAME) - 1]);
    t.notOk(down.error, String(down.error ?? ''));
    heard.length = 0;
    await enqueue(2);
    await settle();
    if (listener) t.equal(heard.length, 2, 'one notification an event, naming it');
    if (listener) t.match(heard[0], /^msg_/);
    t.equal(await pending('up'), 2);
    const up = await migrator.migrateTo(NAME);
    t.notOk(up.error, String(up.error ?? ''));
    t.equal(await pending('down'), 8, 'nothing lost either way');
  });
}
