// Issue 15, reproduction 1, through the API on each database: a loop with no wait state deploys with a warning,
// and a command that runs into it is stopped at its budget — a 422 naming the case and the loop, nothing of the
// command applied, the case failed with an incident as stored and as remembered — while /healthz keeps answering.
// A timer in front of the loop fires once into the same incident; a timer whose firing fails is retried with
// backoff, then becomes an incident; its attempts never rise for ever.
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import type { Db } from '../../server/db/database.js';
import { checkIntegrity } from '../helpers/case-integrity.js';
import { bearer, buildTestApp, type TestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const endlessLoop = readFileSync(new URL('../engine/runtime/endless-loop.bpmn', import.meta.url), 'utf8');
const timerLoop = readFileSync(new URL('./fixtures/timer-loop.bpmn', import.meta.url), 'utf8');
const crashTimer = readFileSync(new URL('./fixtures/crash-timer.bpmn', import.meta.url), 'utf8');

/** A user task, then the same endless loop. */
const reviewThenLoop = endlessLoop
  .replace('id="endless_loop"', 'id="review_then_loop"')
  .replace('targetRef="count"/>', 'targetRef="review"/>')
  .replace(
    '<bpmn:scriptTask',
    '<bpmn:userTask id="review" gov:department="公安" /><bpmn:sequenceFlow id="f_review" sourceRef="review" targetRef="count"/><bpmn:scriptTask',
  );

async function deploy(app: TestApp['app'], xml: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/definitions',
    headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
    payload: xml,
  });
  return res;
}

/** GET /healthz, timed. */
async function health(app: TestApp['app']): Promise<{ status: number; ms: number }> {
  const from = performance.now();
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  return { status: res.statusCode, ms: performance.now() - from };
}

async function consistent(t: Test, db: Db, app: TestApp['app'], caseId: string, view: unknown) {
  const integrity = await checkIntegrity(db);
  t.same(integrity.problems, [], 'snapshot, steps, tasks, timers and audit chain tell the same story');
  const stored = await app.inject({
    method: 'GET',
    url: `/api/cases/${caseId}`,
    headers: bearer(TOKENS.admin),
  });
  t.same(stored.json(), view, 'the case as stored is the case the answer (from memory) showed');
}

for (const database of testDatabases()) {
  t.test(`a loop with no wait state: deploy warns, the start is stopped (${database.name})`, async (t) => {
    // given
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    // when
    const deployed = await deploy(app, endlessLoop);
    // then
    t.equal(deployed.statusCode, 201, deployed.body);
    t.match(deployed.json().warnings, [
      { elementId: 'count', type: 'loopWithoutWaitState', message: /'count' → 'check' → 'count'/ },
    ]);

    // when
    const from = performance.now();
    const started = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: bearer(TOKENS.intake),
      payload: { process: 'endless_loop', variables: { applicant: '张三' } },
    });
    const ms = performance.now() - from;
    // then
    t.equal(started.statusCode, 422, started.body);
    const problem = started.json();
    t.match(problem, {
      type: 'urn:reflow:problem:case-incident',
      status: 422,
      caseId: String,
      incident: { elementId: 'count', elements: ['count', 'check'], message: /kept running/ },
      errors: [
        { elementId: 'count', type: 'loopWithoutWaitState' },
        { elementId: 'check', type: 'loopWithoutWaitState' },
      ],
    });
    t.ok(ms < 10_000, `answered in ${Math.round(ms)} ms`);
    const healthz = await health(app);
    t.equal(healthz.status, 200);
    t.ok(healthz.ms < 3000, `/healthz answered in ${Math.round(healthz.ms)} ms`);

    // the case was kept, failed, with the applicant's variables and nothing of the run
    const caseView = await app.inject({
      method: 'GET',
      url: `/api/cases/${problem.caseId}`,
      headers: bearer(TOKENS.admin),
    });
    t.match(caseView.json(), {
      status: 'failed',
      variables: { applicant: '张三' },
      incidents: [{ elementId: 'count', elements: ['count', 'check'] }],
      timeline: [],
      openTasks: [],
    });
    t.equal(caseView.json().variables.n, undefined, 'no variable of the stopped run is stored');
    await consistent(t, app.reflow.db, app, problem.caseId, caseView.json());
    // the same start again with an idempotency key gets the same answer, and no second case
    const keyed = () =>
      app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: { ...bearer(TOKENS.intake), 'idempotency-key': 'loop-1' },
        payload: { process: 'endless_loop', variables: { applicant: '王五' } },
      });
    const first = await keyed();
    const second = await keyed();
    t.equal(first.statusCode, 422);
    t.equal(second.statusCode, 422, 'a retry is answered as the first request was');
    t.equal(second.json().caseId, first.json().caseId);
    t.same(second.json().incident, first.json().incident);
    const failedList = await app.inject({
      method: 'GET',
      url: '/api/cases?status=failed',
      headers: bearer(TOKENS.auditor),
    });
    t.same(
      failedList
        .json()
        .items.map((c: { id: string }) => c.id)
        .sort(),
      [problem.caseId, first.json().caseId].sort(),
      'an admin finds them among the failed cases',
    );
  });

  t.test(
    `a task completion that runs into the loop applies nothing of itself (${database.name})`,
    async (t) => {
      // given a case waiting at its review
      const { app, service, close } = await buildTestApp(await database.open());
      t.teardown(close);
      t.equal((await deploy(app, reviewThenLoop)).statusCode, 201);
      const started = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'review_then_loop', variables: { applicant: '李四' } },
      });
      t.equal(started.statusCode, 201, started.body);
      const caseId = started.json().id;
      const [task] = started.json().openTasks;
      // when 公安 completes it
      const completed = await app.inject({
        method: 'POST',
        url: `/api/tasks/${task.id}/complete`,
        headers: bearer(TOKENS.police),
        payload: { variables: { opinion: '同意' } },
      });
      // then
      t.equal(completed.statusCode, 422, completed.body);
      t.match(completed.json(), { caseId, incident: { elementId: 'count', elements: ['count', 'check'] } });
      t.equal((await health(app)).status, 200);
      const view = (
        await app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: bearer(TOKENS.admin) })
      ).json();
      t.match(view, { status: 'failed', variables: { applicant: '李四' }, openTasks: [] });
      t.equal(view.variables.opinion, undefined, "the completion's variables are not applied");
      t.same(
        view.timeline.map((s: { elementId: string; status: string }) => [s.elementId, s.status]),
        [['review', 'cancelled']],
        'the review was cancelled with the case, not completed; no step of the loop is recorded',
      );
      const tasks = await app.reflow.db.selectFrom('tasks').select(['id', 'status']).execute();
      t.same(tasks, [{ id: task.id, status: 'cancelled' }]);
      await consistent(t, app.reflow.db, app, caseId, view);
      // the node remembers the failed case as stored: a further command is refused as for any failed case
      const again = await app.inject({
        method: 'POST',
        url: `/api/tasks/${task.id}/complete`,
        headers: bearer(TOKENS.police),
        payload: { variables: {} },
      });
      t.equal(again.statusCode, 409, again.body);
      // the case as the service shows it, and as the API did (which adds its 一件事: none here)
      const { rootCaseId, oneThing, ...asServed } = view;
      t.same([rootCaseId, oneThing], [null, null]);
      t.same(await service.view(caseId), asServed);
    },
  );

  t.test(`the CPU time limit stops a command too (${database.name})`, async (t) => {
    // given a budget of many activations but 1 ms of CPU
    const { app, close } = await buildTestApp(await database.open(), {
      budget: { activations: 10_000_000, cpuMs: 1 },
    });
    t.teardown(close);
    await deploy(app, endlessLoop);
    // when
    const started = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: bearer(TOKENS.intake),
      payload: { process: 'endless_loop' },
    });
    // then
    t.equal(started.statusCode, 422, started.body);
    t.match(started.json().incident, { elements: ['count', 'check'], message: /more than 1 ms of CPU time/ });
    t.same((await checkIntegrity(app.reflow.db)).problems, []);
  });

  t.test(`a timer in front of the loop fires once into the incident (${database.name})`, async (t) => {
    // given a case waiting 3 s before the loop
    const { app, scheduler, clock, close } = await buildTestApp(await database.open());
    t.teardown(close);
    t.equal((await deploy(app, timerLoop)).statusCode, 201);
    const started = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: bearer(TOKENS.intake),
      payload: { process: 'timer_loop' },
    });
    t.equal(started.statusCode, 201, started.body);
    const caseId = started.json().id;
    // when the timer is due and the scheduler ticks
    clock.now += 3_000;
    await scheduler.tick();
    // then
    const view = (
      await app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: bearer(TOKENS.admin) })
    ).json();
    t.match(view, { status: 'failed', incidents: [{ elementId: 'count', elements: ['count', 'check'] }] });
    t.same(
      view.timeline.map((s: { elementId: string; status: string }) => [s.elementId, s.status]),
      [['wait', 'cancelled']],
      'nothing of the firing is applied: the catch event is cancelled with the case',
    );
    t.same(await app.reflow.db.selectFrom('timers').selectAll().execute(), [], 'the timer row is gone');
    clock.now += 60_000;
    t.equal(await scheduler.tick(), 0, 'nothing is left to fire');
    t.same((await checkIntegrity(app.reflow.db)).problems, []);
  });

  t.test(
    `a timer whose firing fails is retried with backoff, then an incident (${database.name})`,
    async (t) => {
      // given a case whose 2 s boundary timer is due, and a firing that fails (the database away, say)
      const errors: unknown[] = [];
      const { app, service, scheduler, clock, close } = await buildTestApp(await database.open(), {
        scheduler: { maxAttempts: 3, retryMs: 1000, onError: (e) => errors.push(e) },
      });
      t.teardown(close);
      await deploy(app, crashTimer);
      const { view } = await service.start({ process: 'crash_timer' }, 'test');
      const fire = service.fireTimer.bind(service);
      service.fireTimer = async () => {
        throw new Error('the database is away');
      };
      const row = async () =>
        app.reflow.db.selectFrom('timers').select(['attempts', 'retry_at', 'last_error']).executeTakeFirst();
      clock.now += 2_000;
      // when it fails the first time
      await scheduler.tick();
      // then it waits 1 s before the next attempt
      t.match(await row(), { attempts: 1, last_error: 'the database is away' });
      t.equal((await row())!.retry_at!.getTime(), clock.now + 1000);
      t.equal(await scheduler.tick(), 0, 'not claimed again before its retry time');
      t.equal((await row())!.attempts, 1);
      // when it fails again after the pause: the next pause doubles
      clock.now += 1000;
      await scheduler.tick();
      t.match(await row(), { attempts: 2 });
      t.equal((await row())!.retry_at!.getTime(), clock.now + 2000);
      // when the last attempt fails
      clock.now += 2000;
      await scheduler.tick();
      // then the case fails with an incident naming the timer's element and the error, and the timer is gone
      t.equal(await row(), undefined, 'no timer row is left to retry');
      const failed = await service.view(view.id);
      t.match(failed, {
        status: 'failed',
        incidents: [{ elementId: 'deadline', message: /3 attempts failed, the last: the database is away/ }],
      });
      t.equal(errors.length, 3, 'each failure was reported');
      clock.now += 3_600_000;
      t.equal(await scheduler.tick(), 0);
      service.fireTimer = fire;
      t.same((await checkIntegrity(app.reflow.db)).problems, []);
    },
  );

  t.test(`a timer claimed too often without an outcome is given up (${database.name})`, async (t) => {
    // given a due timer already claimed 5 times by nodes that died while firing it
    const { app, service, scheduler, clock, close } = await buildTestApp(await database.open(), {
      scheduler: { maxAttempts: 5 },
    });
    t.teardown(close);
    await deploy(app, crashTimer);
    const { view } = await service.start({ process: 'crash_timer' }, 'test');
    clock.now += 2_000;
    await app.reflow.db.updateTable('timers').set({ attempts: 5 }).execute();
    let fired = 0;
    service.fireTimer = async () => {
      fired++;
      return true;
    };
    // when
    await scheduler.tick();
    // then it is not fired a sixth time: the case gets the incident
    t.equal(fired, 0);
    t.match(await service.view(view.id), {
      status: 'failed',
      incidents: [{ elementId: 'deadline', message: /claimed 5 times: its firing never completed/ }],
    });
    t.same(await app.reflow.db.selectFrom('timers').selectAll().execute(), []);
  });

  t.test(
    `a timer of a case that moved on is dropped, not turned into an incident (${database.name})`,
    async (t) => {
      // given a due timer row whose case no longer holds it
      const { app, service, close } = await buildTestApp(await database.open());
      t.teardown(close);
      await deploy(app, crashTimer);
      const { view } = await service.start({ process: 'crash_timer' }, 'test');
      const timer = await app.reflow.db
        .selectFrom('timers')
        .select(['id', 'element_id'])
        .executeTakeFirstOrThrow();
      await service.command(view.id, { type: 'cancel' }, 'admin');
      await app.reflow.db
        .insertInto('timers')
        .values({ id: timer.id, case_id: view.id, element_id: timer.element_id, due_at: new Date() })
        .execute();
      // when
      await service.timerIncident(timer.id, view.id, timer.element_id, 'given up');
      // then
      t.match(await service.view(view.id), { status: 'cancelled', incidents: [] });
      t.same(await app.reflow.db.selectFrom('timers').selectAll().execute(), []);
    },
  );
}
