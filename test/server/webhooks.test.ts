// Webhooks: a local receiver gets each event once, signed per Standard Webhooks (checked with the standardwebhooks
// library's Webhook.verify); a receiver that is down gets retries until it answers, with the same webhook-id,
// nothing lost; an endpoint that never answers is recorded as failed after its attempts; an endpoint that is down
// is paused as a whole (one probe a pause) and delivers what it kept once it answers; bad registrations are
// refused naming what is wrong; a server killed with SIGKILL mid-delivery delivers again after its restart with the
// same webhook-id.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { DeliveryWorker } from '../../server/webhooks/delivery-worker.js';
import {
  CHILD_TOKENS,
  type ChildServer,
  createPostgresDatabase,
  http,
  startChild,
} from '../helpers/child-server.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';
import { receiver, secret, verified } from '../helpers/webhook-receiver.js';
import { downEndpoint } from '../helpers/webhook-rig.js';

const licenceFile = new URL('./fixtures/warnings.bpmn', import.meta.url).pathname;
const licence = readFileSync(licenceFile, 'utf8');

for (const database of testDatabases()) {
  t.test(`each event once, signed (${database.name})`, async (t) => {
    const opened = await database.open();
    const test = await buildTestApp(opened);
    const { app, service, clock } = test;
    const worker = new DeliveryWorker(opened.db, { nodeId: 'w1', pollMs: 3_600_000 });
    const cards = new WarningScheduler(opened.db, service, { nodeId: 'c1', clock: () => clock.now });
    t.teardown(async () => {
      await worker.stop();
      await cards.stop();
      await test.close();
    });
    await service.definitions.deploy(licence, new Date(clock.now));
    const rx = await receiver(t);
    const key = secret();
    const res = await app.inject({
      method: 'POST',
      url: '/api/webhooks',
      headers: bearer(TOKENS.admin),
      payload: {
        url: rx.url,
        secret: key,
        events: [
          'case.started',
          'case.completed',
          'task.created',
          'task.completed',
          'warning.raised',
          'rating.received',
        ],
      },
    });
    t.equal(res.statusCode, 201, res.body);
    const endpoint = res.json() as { id: string };
    t.notOk('secret' in res.json(), 'the secret is never answered');

    const caseId = (await service.start({ process: 'licence' }, 'intake')).view.id;
    clock.now += 30 * 86_400_000; // a month later: the review is past its limit
    await cards.tick();
    for (const department of ['市场监管', '政务服务中心', '公安']) {
      const task = await opened.db
        .selectFrom('tasks')
        .select('id')
        .where('case_id', '=', caseId)
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow();
      await service.completeTask(task.id, {}, `department:${department}`);
    }
    const rated = await app.inject({
      method: 'POST',
      url: `/api/cases/${caseId}/ratings`,
      headers: bearer(TOKENS.intake),
      payload: { level: 5 },
    });
    t.equal(rated.statusCode, 201, rated.body);
    await worker.tick();
    await worker.tick();
    const events = rx.got.map((r) => ({ id: r.headers['webhook-id'], ...verified(key, r) }));
    const types = events.map((e) => e.type).sort();
    t.same(
      types,
      [
        'case.completed',
        'case.started',
        'rating.received',
        'task.completed',
        'task.completed',
        'task.completed',
        'task.created',
        'task.created',
        'task.created',
        'warning.raised',
        'warning.raised',
        'warning.raised',
        'warning.raised',
      ],
      'every event, once each',
    );
    t.equal(new Set(events.map((e) => e.id)).size, events.length, 'each its own webhook-id');
    t.ok(
      events.every((e) => e.data.caseId === caseId),
      'each names the case',
    );
    t.throws(() => verified(secret(), rx.got[0]), 'another key does not verify');
    t.throws(
      () => verified(key, { ...rx.got[0], body: rx.got[0].body.replace(caseId, 'forged') }),
      'a changed body does not verify',
    );
    const listed = (
      await app.inject({ method: 'GET', url: '/api/webhooks', headers: bearer(TOKENS.admin) })
    ).json();
    t.same(listed[0].deliveries, { pending: 0, delivered: events.length, failed: 0 });
    const deliveries = (
      await app.inject({
        method: 'GET',
        url: `/api/webhooks/${endpoint.id}/deliveries`,
        headers: bearer(TOKENS.admin),
      })
    ).json() as { status: string; attempts: number; lastStatus: number }[];
    t.ok(deliveries.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastStatus === 204));
    t.equal(
      (
        await app.inject({
          method: 'GET',
          url: '/api/webhooks/nope/deliveries',
          headers: bearer(TOKENS.admin),
        })
      ).statusCode,
      404,
    );
  });

  t.test(
    `a receiver down: retried with the same id until it answers; failed after the attempts (${database.name})`,
    async (t) => {
      const opened = await database.open();
      const test = await buildTestApp(opened);
      const { app, service, clock } = test;
      let now = Date.now();
      const worker = new DeliveryWorker(opened.db, {
        nodeId: 'w1',
        retryMs: 1000,
        maxAttempts: 4,
        clock: () => now,
      });
      t.teardown(async () => {
        await worker.stop();
        await test.close();
      });
      await service.definitions.deploy(licence, new Date(clock.now));
      const flaky = await receiver(t, (n) => (n <= 2 ? 503 : 200));
      const dead = await receiver(t, () => 500);
      const keys = [secret(), secret()];
      for (const [i, rx] of [flaky, dead].entries()) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/webhooks',
          headers: bearer(TOKENS.admin),
          payload: { url: rx.url, secret: keys[i], events: ['case.started'] },
        });
        t.equal(res.statusCode, 201);
      }
      await service.start({ process: 'licence' }, 'intake');
      t.equal(await worker.tick(), 0, 'first attempt fails');
      t.equal(await worker.tick(), 0, 'not due again before its pause');
      now += 1000;
      t.equal(await worker.tick(), 0, 'second attempt fails');
      now += 2000;
      t.equal(await worker.tick(), 1, 'third attempt delivered');
      now += 4000;
      await worker.tick(); // the dead endpoint's fourth and last attempt
      t.equal(flaky.got.length, 3);
      t.equal(
        new Set(flaky.got.map((r) => r.headers['webhook-id'])).size,
        1,
        'the same webhook-id on every attempt',
      );
      t.ok(flaky.got.every((r) => verified(keys[0], r).type === 'case.started'));
      t.equal(dead.got.length, 4);
      const listed = (
        await app.inject({ method: 'GET', url: '/api/webhooks', headers: bearer(TOKENS.admin) })
      ).json() as {
        id: string;
        deliveries: Record<string, number>;
      }[];
      t.same(
        listed.map((e) => e.deliveries),
        [
          { pending: 0, delivered: 1, failed: 0 },
          { pending: 0, delivered: 0, failed: 1 },
        ],
      );
      const failed = (
        await app.inject({
          method: 'GET',
          url: `/api/webhooks/${listed[1].id}/deliveries`,
          headers: bearer(TOKENS.admin),
        })
      ).json()[0];
      t.match(failed, {
        status: 'failed',
        attempts: 4,
        lastStatus: 500,
        lastError: 'HTTP 500',
        type: 'case.started',
      });
    },
  );

  t.test(
    `an endpoint that is down is paused as a whole: one probe a pause, the rest kept untried until it answers (${database.name})`,
    async (t) => {
      const opened = await database.open();
      const { service, worker, state, rx, key, registered, endpoint } = await downEndpoint(t, opened, 3);
      t.equal(registered.statusCode, 201);
      t.match(registered.json(), { failures: 0, retryAt: null });
      // given 12 events while the receiver is down
      for (let i = 0; i < 12; i++) await service.start({ process: 'licence' }, 'intake');
      // when the worker runs: the first attempt fails, and the endpoint's other 11 deliveries wait untried
      t.equal(await worker.tick(), 0);
      t.equal(rx.got.length, 1, 'one attempt, not one per event');
      t.match(await endpoint(), {
        failures: 1,
        retryAt: new Date(state.now + 1000).toISOString(),
        deliveries: { pending: 12, delivered: 0, failed: 0 },
      });
      t.equal(await worker.tick(), 0);
      t.equal(rx.got.length, 1, 'nothing tried during the pause');
      // then one probe a pause, the pause doubling: 1 s, then 2 s
      state.now += 1000;
      await worker.tick();
      t.equal(rx.got.length, 2, 'a probe after 1 s');
      state.now += 1000;
      await worker.tick();
      t.equal(rx.got.length, 2, 'the second pause is 2 s');
      state.now += 1000;
      await worker.tick();
      t.equal(rx.got.length, 3, 'a probe after 2 s more');
      // the probed delivery has had its 3 attempts: failed for good; the other 11 were never tried
      t.match(await endpoint(), { failures: 3, deliveries: { pending: 11, delivered: 0, failed: 1 } });
      // when the receiver answers again: the probe delivers, the pause ends, and every kept event is delivered
      state.up = true;
      state.now += 4000;
      t.equal(await worker.tick(), 11, 'the probe and then the 10 kept deliveries');
      t.match(await endpoint(), {
        failures: 0,
        retryAt: null,
        deliveries: { pending: 0, delivered: 11, failed: 1 },
      });
      const delivered = rx.got.slice(3).map((r) => verified(key, r).type);
      t.equal(delivered.length, 11);
      t.ok(delivered.every((type) => type === 'case.started'));
      t.equal(
        new Set(rx.got.slice(3).map((r) => r.headers['webhook-id'])).size,
        11,
        'each kept event delivered once',
      );
    },
  );

  t.test(`registration checked (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, close } = await buildTestApp(opened);
    t.teardown(close);
    const post = (payload: object, language = 'zh-CN') =>
      app.inject({
        method: 'POST',
        url: '/api/webhooks',
        headers: { ...bearer(TOKENS.admin), 'accept-language': language },
        payload,
      });
    const good = { url: 'https://example.gov.cn/events', secret: secret(), events: ['case.started'] };
    t.equal((await post(good)).statusCode, 201);
    // each refusal in Chinese (the default), and in English when asked
    const refusals: [object, RegExp, RegExp][] = [
      [{ url: 'ftp://x/y' }, /不是 http 或 https/, /not http or https/],
      [{ url: 'not a url' }, /不是完整网址/, /not an absolute URL/],
      // an unknown event type is refused by the route's schema, listing the types
      [
        { events: ['case.exploded'] },
        /只能是以下值之一：case\.started、case\.completed/,
        /one of the allowed values: "case\.started"/,
      ],
      [{ secret: 'plain-secret-123' }, /whsec_/, /whsec_/],
      [{ secret: 'whsec_YWJj' }, /密钥短于 16 个字节/, /shorter than 16 bytes/],
    ];
    for (const [change, zh, en] of refusals) {
      const chinese = await post({ ...good, ...change });
      t.equal(chinese.statusCode, 400);
      t.match(chinese.json().detail, zh);
      t.match((await post({ ...good, ...change }, 'en')).json().detail, en);
    }
  });
}

t.test('SIGKILL mid-delivery: delivered again after the restart, same webhook-id', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reflow-webhooks-'));
  const processesDir = join(dir, 'processes');
  mkdirSync(processesDir);
  copyFileSync(licenceFile, join(processesDir, 'licence.bpmn'));
  let databaseUrl: string | undefined;
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const created = await createPostgresDatabase(url);
    databaseUrl = created.url;
    t.teardown(created.drop);
  }
  const children: ChildServer[] = [];
  t.teardown(async () => {
    for (const c of children) await c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async () => {
    const child = await startChild({
      dataDir: join(dir, 'data'),
      databaseUrl,
      processesDir,
      env: { REFLOW_WEBHOOK_TIMEOUT_MS: '1000', REFLOW_SEED_DEMO: 'false' },
    });
    children.push(child);
    return child;
  };
  let hang = true;
  const rx = await receiver(t, () => (hang ? null : 200));
  const key = secret();
  const first = await start();
  const registered = await http(first.url, 'POST', '/api/webhooks', CHILD_TOKENS.admin, {
    url: rx.url,
    secret: key,
    events: ['case.started'],
  });
  t.equal(registered.status, 201);
  const started = await http(first.url, 'POST', '/api/cases', CHILD_TOKENS.intake, { process: 'licence' });
  t.equal(started.status, 201);
  const until = async (what: () => boolean, ms: number) => {
    const deadline = Date.now() + ms;
    while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return what();
  };
  t.ok(await until(() => rx.got.length >= 1, 20_000), 'the first attempt reached the receiver');
  await first.kill('SIGKILL'); // mid-delivery: the receiver has not answered
  hang = false;
  const second = await start();
  t.ok(await until(() => rx.got.length >= 2, 30_000), 'delivered again after the restart');
  const ids = rx.got.map((r) => r.headers['webhook-id']);
  t.equal(new Set(ids).size, 1, `the same webhook-id: ${ids.join(', ')}`);
  t.equal(verified(key, rx.got[1]).data.caseId, started.body.id);
  // the receiver has answered; the child records the delivery just after
  const deliveries = async () =>
    (await http(second.url, 'GET', `/api/webhooks/${registered.body.id}/deliveries`, CHILD_TOKENS.admin))
      .body;
  let listed = await deliveries();
  for (const deadline = Date.now() + 10_000; listed[0]?.status !== 'delivered' && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100));
    listed = await deliveries();
  }
  t.match(listed[0], { status: 'delivered', eventId: ids[0] });
});
