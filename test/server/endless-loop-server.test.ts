// Issue 15, reproduction 1, on a real server process with its default configuration: a start that runs into a
// loop with no wait state is answered (422) while /healthz keeps answering; the same loop behind a PT3S timer that
// came due while the server was down no longer keeps the server from listening at restart — the timer fires in the
// background into an incident, once. Nothing else is lost. On PGlite and, with TEST_DATABASE_URL, PostgreSQL.
import t from 'tap';
import { openDatabase } from '../../server/db/database.js';
import { checkIntegrity } from '../helpers/case-integrity.js';
import { CHILD_TOKENS, childSetting, http } from '../helpers/child-server.js';

const endlessLoopFile = new URL('../engine/runtime/endless-loop.bpmn', import.meta.url).pathname;
const timerLoopFile = new URL('./fixtures/timer-loop.bpmn', import.meta.url).pathname;
const timerFile = new URL('./fixtures/crash-timer.bpmn', import.meta.url).pathname;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /healthz, timed (0: no answer). */
async function health(url: string): Promise<{ status: number; ms: number }> {
  const from = performance.now();
  const { status } = await http(url, 'GET', '/healthz', null);
  return { status, ms: performance.now() - from };
}

const backends: { name: 'pglite' | 'postgres'; url?: string }[] = [{ name: 'pglite' }];
if (process.env.TEST_DATABASE_URL) backends.push({ name: 'postgres', url: process.env.TEST_DATABASE_URL });

t.setTimeout(240_000);

for (const backend of backends) {
  t.test(`a loop with no wait state does not take the server down (${backend.name})`, async (t) => {
    const { dataDir, databaseUrl, start } = await childSetting(
      t,
      [endlessLoopFile, timerLoopFile, timerFile],
      backend.url,
    );
    let child = await start();
    t.match(child.output(), /endless_loop v1/);

    // given a case of another process waiting at its review, which must come through unharmed
    const bystander = await http(child.url, 'POST', '/api/cases', CHILD_TOKENS.intake, {
      process: 'crash_timer',
    });
    t.equal(bystander.status, 201);

    // when a start runs into the loop, with /healthz asked all along
    let asking = true;
    const probes: { status: number; ms: number }[] = [];
    const prober = (async () => {
      while (asking) {
        probes.push(await health(child.url));
        await sleep(50);
      }
    })();
    const from = performance.now();
    const looping = await http(child.url, 'POST', '/api/cases', CHILD_TOKENS.intake, {
      process: 'endless_loop',
      variables: { applicant: '张三' },
    });
    const answeredMs = performance.now() - from;
    asking = false;
    await prober;
    // then
    t.equal(looping.status, 422, JSON.stringify(looping.body));
    t.match(looping.body, {
      type: 'urn:reflow:problem:case-incident',
      caseId: String,
      incident: { elementId: 'count', elements: ['count', 'check'] },
    });
    t.ok(answeredMs < 10_000, `the start was answered in ${Math.round(answeredMs)} ms`);
    t.ok(
      probes.every((p) => p.status === 200),
      `/healthz answered every time while the command ran (slowest ${Math.round(Math.max(...probes.map((p) => p.ms)))} ms)`,
    );
    for (let i = 0; i < 3; i++) {
      const after = await health(child.url);
      t.equal(after.status, 200);
      t.ok(after.ms < 3000, `/healthz afterwards in ${Math.round(after.ms)} ms`);
    }
    const failed = await http(child.url, 'GET', `/api/cases/${looping.body.caseId}`, CHILD_TOKENS.admin);
    t.match(failed.body, {
      status: 'failed',
      variables: { applicant: '张三' },
      incidents: [{ elementId: 'count' }],
    });

    // given a case whose PT3S timer leads into the same loop, and the server stopped before it is due
    const timed = await http(child.url, 'POST', '/api/cases', CHILD_TOKENS.intake, { process: 'timer_loop' });
    t.equal(timed.status, 201);
    const stoppedAt = Date.now();
    await child.stop();
    await sleep(Math.max(0, 3_500 - (Date.now() - stoppedAt)));

    // when the server starts again with the timer due
    const restartFrom = performance.now();
    child = await start();
    const restartMs = performance.now() - restartFrom;
    // then it listens, and the timer fires in the background into the incident
    // (an embedded database's start on a loaded CI machine has taken 40 s; a start waiting on the loop never ends)
    t.ok(restartMs < 90_000, `listening again ${Math.round(restartMs)} ms after the restart`);
    const healthz = await health(child.url);
    t.equal(healthz.status, 200);
    t.ok(healthz.ms < 3000, `/healthz at once in ${Math.round(healthz.ms)} ms`);
    let view = (await http(child.url, 'GET', `/api/cases/${timed.body.id}`, CHILD_TOKENS.admin)).body;
    for (let i = 0; i < 150 && view.status === 'active'; i++) {
      await sleep(100);
      view = (await http(child.url, 'GET', `/api/cases/${timed.body.id}`, CHILD_TOKENS.admin)).body;
    }
    t.match(view, { status: 'failed', incidents: [{ elementId: 'count', elements: ['count', 'check'] }] });
    t.equal((await health(child.url)).status, 200);
    const still = await http(child.url, 'GET', `/api/cases/${bystander.body.id}`, CHILD_TOKENS.admin);
    t.match(still.body, { status: String, timeline: [{ elementId: 'review' }] }, 'the other case is kept');
    await child.stop();

    // nothing half-applied, the timer fired once and is gone
    const database = await openDatabase(databaseUrl ? { databaseUrl } : { dataDir });
    try {
      const report = await checkIntegrity(database.db);
      t.same(report.problems, []);
      const timers = await database.db.selectFrom('timers').selectAll().execute();
      t.same(
        timers.filter((r) => r.case_id === timed.body.id),
        [],
        'the looping timer is not left to fire again',
      );
      t.same(report.cases.get(timed.body.id)?.audit.filter((a) => a.type === 'incidentRaised').length, 1);
    } finally {
      await database.close();
    }
  });
}
