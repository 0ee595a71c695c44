// Messages and signals between cases, through the API: correlation by business key and by a FEEL expression, a
// message start event starting a department case whose answer flows back to the master, buffering with a time
// to live, expiry recorded as undelivered, the 409 when nothing waits, and signals across cases.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import { insertMessage } from '../../server/repositories/message-repository.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/messages/${name}.bpmn`, import.meta.url), 'utf8');

interface Step {
  elementId: string;
  status: string;
}

for (const database of testDatabases()) {
  t.test(`messages and signals between cases (${database.name})`, async (t) => {
    const { app, clock, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const messages = app.reflow.messages;
    const call = async (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
    for (const name of ['master', 'department', 'payment', 'policy', 'announce', 'pay']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: fixture(name),
      });
      t.equal(res.statusCode, 201, `${name} deploys: ${res.body}`);
    }
    const view = async (id: string) => (await call(TOKENS.admin, 'GET', `/api/cases/${id}`)).json();
    const active = (v: { timeline: Step[] }) =>
      v.timeline.filter((s) => s.status === 'active').map((s) => s.elementId);
    const start = async (process: string, body: object = {}) => {
      const res = await call(TOKENS.intake, 'POST', '/api/cases', { process, ...body });
      t.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };
    const listed = async (status: string) =>
      (await call(TOKENS.auditor, 'GET', `/api/messages?status=${status}`)).json() as {
        id: string;
        name: string;
        correlationKey: string | null;
        targetCaseId: string | null;
        sourceCaseId: string | null;
        reason: string | null;
      }[];

    await t.test('a master case starts a department case by message; its answer flows back', async (t) => {
      // given the master (throws seal-apply, then waits for seal-done) and the department (starts on seal-apply)
      // when 政务服务中心 starts the master with business key QY-001
      const master = await start('opening_master', { businessKey: 'QY-001' });
      await messages.idle();
      // then the department case is started by the message, with the master's business key
      const [apply] = (await listed('started')).filter((m) => m.name === 'seal-apply');
      t.match(
        apply,
        { correlationKey: 'QY-001', sourceCaseId: master },
        'the master sent seal-apply keyed by its business key',
      );
      const department = await view(apply.targetCaseId as string);
      t.match(department, { process: 'seal_department', businessKey: 'QY-001', status: 'active' });
      t.same(active(department), ['make_seal'], 'the department case waits at 刻章');
      t.same(active(await view(master)), ['wait_seal'], 'the master waits for the answer');
      // when 公安 makes the seal
      const task = department.openTasks[0].id;
      const done = await call(TOKENS.police, 'POST', `/api/tasks/${task}/complete`, {});
      t.equal(done.statusCode, 200, done.body);
      t.equal(done.json().status, 'completed', 'the department case ends with its message end event');
      await messages.idle();
      // then the answer reaches the master (correlated by the business key), which moves on to 发放
      const after = await view(master);
      t.same(active(after), ['hand_over'], 'the master received seal-done');
      const [reply] = (await listed('delivered')).filter((m) => m.name === 'seal-done');
      t.match(reply, { correlationKey: 'QY-001', targetCaseId: master, sourceCaseId: department.id });
      const handOver = after.openTasks[0].id;
      const finished = await call(TOKENS.centre, 'POST', `/api/tasks/${handOver}/complete`, {});
      t.equal(finished.json().status, 'completed', 'the master completes');
    });

    await t.test(
      'correlation by a FEEL expression: the message reaches the one case with that key',
      async (t) => {
        // given two cases waiting for fee-paid, keyed by =orderNo
        const seven = await start('fee_payment', { variables: { orderNo: 'ORD-7' } });
        const eight = await start('fee_payment', { variables: { orderNo: 'ORD-8' } });
        // when a portal sends fee-paid for ORD-8
        const res = await call(TOKENS.intake, 'POST', '/api/messages', {
          name: 'fee-paid',
          correlationKey: 'ORD-8',
          variables: { amount: 50 },
        });
        t.equal(res.statusCode, 200, res.body);
        t.match(res.json(), { delivered: [eight], started: [], buffered: false, messageId: String });
        // then only ORD-8's case moved on, with the message's variables
        const moved = await view(eight);
        t.same(active(moved), ['wait_policy']);
        t.equal(moved.variables.amount, 50);
        t.same(active(await view(seven)), ['wait_paid'], 'ORD-7 still waits');
        // and a second message with the same key finds nothing waiting: 409 naming the message and key
        const again = await call(TOKENS.market, 'POST', '/api/messages', {
          name: 'fee-paid',
          correlationKey: 'ORD-8',
        });
        t.equal(again.statusCode, 409, again.body);
        t.match(again.json().detail, /fee-paid.*ORD-8/);
      },
    );

    await t.test('two cases waiting with the same key: one message reaches exactly one', async (t) => {
      const first = await start('fee_payment', { variables: { orderNo: 'ORD-TWIN' } });
      const second = await start('fee_payment', { variables: { orderNo: 'ORD-TWIN' } });
      const res = await call(TOKENS.intake, 'POST', '/api/messages', {
        name: 'fee-paid',
        correlationKey: 'ORD-TWIN',
      });
      t.same(res.json().delivered, [first], 'the case that waited longest');
      t.same(active(await view(second)), ['wait_paid']);
    });

    await t.test('a message nobody waits for is buffered for its time to live, then delivered', async (t) => {
      // when a message arrives before its case waits, with ttlSeconds
      const res = await call(TOKENS.intake, 'POST', '/api/messages', {
        name: 'fee-paid',
        correlationKey: 'ORD-9',
        ttlSeconds: 60,
        variables: { amount: 9 },
      });
      t.equal(res.statusCode, 200, res.body);
      t.match(res.json(), { delivered: [], started: [], buffered: true });
      // then the case that begins waiting for it within the time to live receives it
      clock.now += 30_000;
      const nine = await start('fee_payment', { variables: { orderNo: 'ORD-9' } });
      await messages.idle();
      const moved = await view(nine);
      t.same(active(moved), ['wait_policy'], 'the buffered message was delivered when the wait began');
      t.equal(moved.variables.amount, 9);
      t.notOk(
        (await listed('buffered')).some((m) => m.id === res.json().messageId),
        'no longer buffered',
      );
    });

    await t.test('a buffered message past its time to live is recorded undelivered', async (t) => {
      const res = await call(TOKENS.intake, 'POST', '/api/messages', {
        name: 'fee-paid',
        correlationKey: 'ORD-10',
        ttlSeconds: 10,
      });
      t.equal(res.json().buffered, true);
      clock.now += 11_000;
      await messages.sweep();
      const undelivered = await listed('undelivered');
      const expired = undelivered.find((m) => m.id === res.json().messageId);
      t.match(expired, { name: 'fee-paid', correlationKey: 'ORD-10', reason: /time to live/ });
      // a case waiting for it now does not get it
      const ten = await start('fee_payment', { variables: { orderNo: 'ORD-10' } });
      await messages.idle();
      t.same(active(await view(ten)), ['wait_paid']);
      const forbidden = await call(TOKENS.intake, 'GET', '/api/messages?status=undelivered');
      t.equal(forbidden.statusCode, 403, 'the list is for auditors and administrators');
    });

    await t.test(
      'a case sends before the receiver waits: kept for the default time to live, then delivered',
      async (t) => {
        // given a cashier case that throws fee-paid keyed by =orderNo before any case waits for ORD-20
        const cashier = await start('fee_cashier', { variables: { orderNo: 'ORD-20', amount: 20 } });
        await messages.idle();
        const [kept] = (await listed('buffered')).filter((m) => m.sourceCaseId === cashier);
        t.match(kept, { name: 'fee-paid', correlationKey: 'ORD-20' }, 'the sent message is buffered');
        // when the case waiting for ORD-20 begins
        const payer = await start('fee_payment', { variables: { orderNo: 'ORD-20' } });
        await messages.idle();
        // then it receives the cashier's message, with the cashier's variables
        const moved = await view(payer);
        t.same(active(moved), ['wait_policy']);
        t.equal(moved.variables.amount, 20);
      },
    );

    await t.test('what a stopped node left pending or claimed is delivered by the sweep, once', async (t) => {
      const db = app.reflow.db;
      const waiting = await start('fee_payment', { variables: { orderNo: 'ORD-30' } });
      // a message stored as sent (the node stopped before delivering it)
      await insertMessage(db, {
        id: 'left-pending',
        name: 'fee-paid',
        correlationKey: 'ORD-30',
        variables: { amount: 30 },
        at: new Date(clock.now),
      });
      // and one claimed for a wait whose case already received it (the node stopped before marking it)
      const received = await start('fee_payment', { variables: { orderNo: 'ORD-31' } });
      const sent = await call(TOKENS.intake, 'POST', '/api/messages', {
        name: 'fee-paid',
        correlationKey: 'ORD-31',
      });
      t.same(sent.json().delivered, [received]);
      await sql`UPDATE messages SET status = 'claimed', claimed_at = ${new Date(clock.now)}
        WHERE id = ${sent.json().messageId}`.execute(db);
      clock.now += 60_000;
      await messages.sweep();
      const moved = await view(waiting);
      t.same(active(moved), ['wait_policy'], 'the pending message was delivered');
      t.equal(moved.variables.amount, 30);
      const events = (await call(TOKENS.auditor, 'GET', `/api/cases/${received}/events`)).json();
      const list = Array.isArray(events) ? events : events.events;
      t.equal(
        list.filter((e: { type: string }) => e.type === 'messageReceived').length,
        1,
        'the case that had received the claimed message did not get it twice',
      );
      const delivered = (await listed('delivered')).map((m) => m.id);
      t.ok(
        delivered.includes('left-pending') && delivered.includes(sent.json().messageId),
        'both recorded delivered',
      );
    });

    await t.test('a correlation key that is not FEEL is refused at deploy', async (t) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: fixture('payment').replace(
          'gov:correlationKey="=orderNo"',
          'gov:correlationKey="=orderNo +"',
        ),
      });
      t.equal(res.statusCode, 422, res.body);
      t.match(res.json().errors, [
        { elementId: 'wait_paid', message: /gov:correlationKey of message 'fee-paid'/ },
      ]);
    });

    await t.test('nothing waiting and no time to live: 409 naming the message and key', async (t) => {
      const res = await call(TOKENS.intake, 'POST', '/api/messages', {
        name: 'fee-paid',
        correlationKey: 'ORD-404',
      });
      t.equal(res.statusCode, 409);
      t.match(res.json(), {
        type: 'urn:reflow:problem:message-not-deliverable',
        detail: /fee-paid.*ORD-404/,
      });
    });

    await t.test(
      'signals reach every waiting case and start cases, from the API and from a case',
      async (t) => {
        // given two cases waiting for the policy-changed signal
        const a = await start('fee_payment', { variables: { orderNo: 'SIG-A' } });
        const b = await start('fee_payment', { variables: { orderNo: 'SIG-B' } });
        for (const key of ['SIG-A', 'SIG-B'])
          await call(TOKENS.intake, 'POST', '/api/messages', { name: 'fee-paid', correlationKey: key });
        const { rows } = await sql<{ n: number }>`
        SELECT count(DISTINCT case_id)::int AS n FROM case_subscriptions
        WHERE kind = 'signal' AND name = 'policy-changed'`.execute(app.reflow.db);
        t.ok(
          rows[0].n >= 2,
          `${rows[0].n} cases wait for the signal (the two above and those of the tests before)`,
        );
        // when an administrator broadcasts it
        const forbidden = await call(TOKENS.intake, 'POST', '/api/signals', { name: 'policy-changed' });
        t.equal(forbidden.statusCode, 403);
        const res = await call(TOKENS.admin, 'POST', '/api/signals', { name: 'policy-changed' });
        t.equal(res.statusCode, 200, res.body);
        // then every case waiting for it received it, and the signal start event started a case
        t.equal(res.json().delivered, rows[0].n, 'every case waiting for it');
        t.equal(res.json().started, 1, 'policy_review started by its signal start event');
        t.equal((await view(a)).status, 'completed');
        t.equal((await view(b)).status, 'completed');
        // given another case waiting for the signal, when a case throws it by its signal end event
        const c = await start('fee_payment', { variables: { orderNo: 'SIG-C' } });
        await call(TOKENS.intake, 'POST', '/api/messages', { name: 'fee-paid', correlationKey: 'SIG-C' });
        const announcer = await start('policy_announce');
        await messages.idle();
        // then the other case receives it too
        t.equal((await view(c)).status, 'completed', 'the signal thrown in one case reached another');
        const [broadcast] = (await listed('delivered')).filter((m) => m.sourceCaseId === announcer);
        t.match(broadcast, { name: 'policy-changed' }, 'the broadcast is recorded');
      },
    );
  });
}
