// Several Reflow nodes on one database: cases driven through all of them at once, the parallel approvals of one
// case completed through different nodes at the same moment (each task even twice, through two nodes), and
// SLA reminder timers fired by whichever node's scheduler claims them. With TEST_DATABASE_URL: three server
// processes on one PostgreSQL database. Without: three in-process nodes (app, case service, scheduler each) on
// one PGlite database.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildApp } from '../../server/app.js';
import { parseTokens } from '../../server/auth/tokens.js';
import { CaseService } from '../../server/cases/case-service.js';
import { type Db, openDatabase } from '../../server/db/database.js';
import { TimerScheduler } from '../../server/scheduler/timer-scheduler.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { checkIntegrity } from '../helpers/case-integrity.js';
import {
  CHILD_TOKENS,
  type ChildServer,
  createPostgresDatabase,
  DEPARTMENT_TOKENS,
  type HttpResult,
  holdServerCluster,
  http,
  startChild,
} from '../helpers/child-server.js';
import { openPglite } from '../helpers/test-database.js';

const registrationFile = new URL('../bench/business-registration.bpmn', import.meta.url).pathname;
const slaFile = new URL('./fixtures/registration-sla.bpmn', import.meta.url).pathname; // + R2/PT1S reminder on 'tax'
// 100 + 20 cases (200 + 40 before, for the same checks): every one of their 480 approvals is still completed
// through two nodes at the same moment, the 32 requests in flight stay busy across the three nodes for the whole
// run, and 40 reminder timers are claimed by three schedulers; more cases repeat the same races at seconds of CPU
const CASES = 100;
const SLA_CASES = 20;
const IN_FLIGHT = 32;
const APPROVALS = ['seal', 'tax', 'social', 'fund'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface NodeClient {
  name: string;
  request(method: string, path: string, token: string, body?: unknown): Promise<HttpResult>;
}

interface Cluster {
  nodes: NodeClient[];
  /** Stops every node and returns what they logged as errors. */
  stop(): Promise<string[]>;
  /** Opens the shared database for inspection after stop(). */
  inspect<T>(read: (db: Db) => Promise<T>): Promise<T>;
}

/** Three server processes started at once (migrating and deploying concurrently) on one fresh PostgreSQL database. */
async function processCluster(url: string, t: Test): Promise<Cluster> {
  await holdServerCluster(t);
  const database = await createPostgresDatabase(url);
  const dir = mkdtempSync(join(tmpdir(), 'reflow-multi-'));
  const processesDir = join(dir, 'processes');
  mkdirSync(processesDir);
  copyFileSync(registrationFile, join(processesDir, 'business-registration.bpmn'));
  copyFileSync(slaFile, join(processesDir, 'registration-sla.bpmn'));
  const children: ChildServer[] = [];
  t.teardown(async () => {
    for (const c of children) await c.kill('SIGKILL');
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const started = await Promise.allSettled(
    [0, 1, 2].map((i) =>
      startChild({ dataDir: join(dir, `node${i}`), databaseUrl: database.url, processesDir, pollMs: 200 }),
    ),
  );
  for (const s of started) if (s.status === 'fulfilled') children.push(s.value);
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  return {
    nodes: children.map((c, i) => ({
      name: `process ${i}`,
      request: (method, path, token, body) => http(c.url, method, path, token, body),
    })),
    async stop() {
      for (const c of children) await c.stop();
      return children.flatMap((c) =>
        c
          .output()
          .split('\n')
          .filter((line) => /"level":(50|60)/.test(line)),
      );
    },
    async inspect(read) {
      const opened = await openDatabase({ databaseUrl: database.url });
      try {
        return await read(opened.db);
      } finally {
        await opened.close();
      }
    },
  };
}

/** Three nodes in this process — each its own definition store, case service, app and scheduler — on one PGlite. */
async function inProcessCluster(t: Test): Promise<Cluster> {
  const database = await openPglite();
  const principals = parseTokens(
    JSON.stringify([
      { token: CHILD_TOKENS.designer, role: 'designer' },
      { token: CHILD_TOKENS.intake, role: 'intake' },
      { token: CHILD_TOKENS.admin, role: 'admin' },
      ...Object.entries(DEPARTMENT_TOKENS).map(([department, token]) => ({
        token,
        role: 'department',
        department,
      })),
    ]),
    'multi-node tokens',
  );
  const errors: string[] = [];
  const nodes = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const definitions = new DefinitionStore(database.db);
      const service = new CaseService(database.db, definitions);
      const app = await buildApp({ db: database.db, service, definitions, principals });
      const scheduler = new TimerScheduler(database.db, service, {
        nodeId: `node-${i}`,
        pollMs: 200,
        onError: (e) => errors.push(`node-${i}: ${e}`),
      });
      return { app, scheduler, definitions };
    }),
  );
  // every node deploys the same files at start, as startNode does with REFLOW_PROCESSES_DIR
  for (const file of [registrationFile, slaFile]) {
    await Promise.all(nodes.map((n) => n.definitions.deploy(readFileSync(file, 'utf8'), new Date())));
  }
  for (const n of nodes) await n.scheduler.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return errors;
    stopped = true;
    for (const n of nodes) {
      await n.app.close();
      await n.scheduler.stop();
    }
    return errors;
  };
  t.teardown(async () => {
    await stop();
    await database.close();
  });
  return {
    nodes: nodes.map((n, i) => ({
      name: `node ${i}`,
      async request(method, url, token, body) {
        const res = await n.app.inject({
          method: method as 'GET',
          url,
          headers: { authorization: `Bearer ${token}` },
          payload: body as object,
        });
        let parsed: unknown = res.body;
        try {
          parsed = res.json();
        } catch {
          // not JSON
        }
        return { status: res.statusCode, body: parsed };
      },
    })),
    stop,
    inspect: (read) => read(database.db),
  };
}

/** At most `n` requests in flight; waits in between hold no slot. */
function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await job();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

interface StepView {
  id: string;
  elementId: string;
  type: string;
  department: string | null;
  status: string;
}

const url = process.env.TEST_DATABASE_URL;
const title = url
  ? `3 server processes on one PostgreSQL database complete ${CASES}+${SLA_CASES} cases concurrently`
  : `3 in-process nodes on one PGlite database (TEST_DATABASE_URL unset) complete ${CASES}+${SLA_CASES} cases concurrently`;

t.setTimeout(240_000);

t.test(title, async (t) => {
  const began = Date.now();
  const cluster = url ? await processCluster(url, t) : await inProcessCluster(t);
  const startedAt = Date.now();
  const { nodes } = cluster;
  const slot = limiter(IN_FLIGHT);
  const serverErrors: string[] = [];
  const raceViolations: string[] = [];
  const flowErrors: string[] = [];
  let requests = 0;
  const call = async (
    node: NodeClient,
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<HttpResult> => {
    const res = await slot(() => node.request(method, path, token, body));
    requests++;
    if (res.status === 0 || res.status >= 500)
      serverErrors.push(`${node.name} ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const read = async (caseId: string, via: NodeClient): Promise<StepView[]> => {
    const res = await call(via, 'GET', `/api/cases/${caseId}`, CHILD_TOKENS.intake);
    if (res.status !== 200) throw new Error(`GET case ${caseId}: ${res.status}`);
    return res.body.timeline;
  };
  /** The same task completed through two nodes at the same moment: exactly one may win. */
  const completeTwice = async (step: StepView, a: NodeClient, b: NodeClient) => {
    const token = DEPARTMENT_TOKENS[step.department ?? ''];
    const both = await Promise.all(
      [a, b].map((n) =>
        call(n, 'POST', `/api/tasks/${step.id}/complete`, token, {
          variables: { [`${step.elementId}Node`]: n.name },
        }),
      ),
    );
    const statuses = both.map((r) => r.status).sort();
    if (statuses[0] !== 200 || statuses[1] !== 409)
      raceViolations.push(`${step.elementId} ${step.id}: ${statuses}`);
  };

  const flow = async (i: number, processKey: string) => {
    const node = (k: number) => nodes[(i + k) % nodes.length];
    const started = await call(node(0), 'POST', '/api/cases', CHILD_TOKENS.intake, {
      process: processKey,
      businessKey: `M-${i}`,
    });
    if (started.status !== 201)
      throw new Error(`start ${i}: ${started.status} ${JSON.stringify(started.body)}`);
    const caseId: string = started.body.id;
    const [accept] = (started.body.timeline as StepView[]).filter((s) => s.status === 'active');
    const accepted = await call(node(1), 'POST', `/api/tasks/${accept.id}/complete`, CHILD_TOKENS.market, {});
    if (accepted.status !== 200) throw new Error(`accept ${caseId}: ${accepted.status}`);
    const approvals = (accepted.body.timeline as StepView[]).filter(
      (s) => s.status === 'active' && APPROVALS.includes(s.elementId),
    );
    if (approvals.length !== 4) throw new Error(`case ${caseId}: ${approvals.length} approvals after accept`);
    const sla = processKey === 'business_registration_sla';
    // the four departments at once, each task through two different nodes at the same moment
    await Promise.all(
      approvals
        .filter((s) => !(sla && s.elementId === 'tax'))
        .map((s, k) => completeTwice(s, node(k), node(k + 1))),
    );
    if (sla) {
      // leave 税务 open until both SLA reminders (R2/PT1S) have fired, then complete it
      for (let poll = 0; ; poll++) {
        const reminders = (await read(caseId, node(poll))).filter((s) => s.elementId === 'remind').length;
        if (reminders >= 2) break;
        if (poll > 100) throw new Error(`case ${caseId}: ${reminders} reminders after ${poll} polls`);
        await sleep(300);
      }
      await completeTwice(approvals.find((s) => s.elementId === 'tax')!, node(2), node(0));
    }
    const issue = (await read(caseId, node(2))).filter((s) => s.elementId === 'issue');
    if (issue.length !== 1 || issue[0].status !== 'active')
      throw new Error(`case ${caseId}: issue steps ${JSON.stringify(issue)}`);
    const done = await call(node(2), 'POST', `/api/tasks/${issue[0].id}/complete`, CHILD_TOKENS.market, {});
    if (done.status !== 200 || done.body.status !== 'completed')
      throw new Error(`issue ${caseId}: ${done.status} ${done.body.status}`);
  };

  const flows = [
    ...Array.from({ length: SLA_CASES }, (_, i) => flow(i, 'business_registration_sla')),
    ...Array.from({ length: CASES }, (_, i) => flow(SLA_CASES + i, 'business_registration_bench')),
  ];
  for (const r of await Promise.allSettled(flows))
    if (r.status === 'rejected') flowErrors.push(String(r.reason));
  const drivenMs = Date.now() - startedAt;
  const loggedErrors = await cluster.stop();

  t.same(serverErrors, [], `no 5xx and no dropped connection in ${requests} requests`);
  t.same(flowErrors, [], 'every case went its way');
  t.same(
    raceViolations,
    [],
    `each of ${(CASES + SLA_CASES) * 4} approvals completed through two nodes at once: one 200, one 409`,
  );
  t.same(loggedErrors, [], 'no node logged an error (timer failures included)');

  const report = await cluster.inspect(checkIntegrity);
  t.same(report.problems, [], `no inconsistency and every audit chain verifies (${report.cases.size} cases)`);
  const cases = [...report.cases.values()];
  t.equal(cases.length, CASES + SLA_CASES);
  t.same(
    cases.filter((c) => c.status !== 'completed').map((c) => c.id),
    [],
    'every case ended completed',
  );
  const stepCounts = (c: (typeof cases)[number]) =>
    Object.fromEntries(
      ['accept', ...APPROVALS, 'issue', 'remind'].map((e) => [
        e,
        c.steps.filter((s) => s.element_id === e).length,
      ]),
    );
  const badSteps = cases
    .map((c) => ({ id: c.id, counts: stepCounts(c), sla: c.processKey === 'business_registration_sla' }))
    .filter(
      ({ counts, sla }) =>
        JSON.stringify(counts) !==
        JSON.stringify({ accept: 1, seal: 1, tax: 1, social: 1, fund: 1, issue: 1, remind: sla ? 2 : 0 }),
    );
  t.same(
    badSteps,
    [],
    'each case: one step per approval, the join fired once (one issue step), two reminders on SLA cases',
  );
  const twice = [...report.timerFired].filter(([, n]) => n !== 1);
  t.same(twice, [], 'no timer fired twice');
  const timerBad = cases.filter((c) => {
    const scheduled = report.timersScheduled.get(c.id) ?? [];
    const expected = c.processKey === 'business_registration_sla' ? 2 : 0;
    return scheduled.length !== expected || scheduled.some((id) => report.timerFired.get(id) !== 1);
  });
  t.same(
    timerBad.map((c) => c.id),
    [],
    `every scheduled timer fired exactly once (${report.timerFired.size} timers)`,
  );
  t.equal(report.timerFired.size, SLA_CASES * 2);
  t.comment(`${requests} requests; driven in ${drivenMs} ms; total ${Date.now() - began} ms`);
});
