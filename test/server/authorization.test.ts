// The authorisation matrix: every route of the OpenAPI document × every role × department, table-driven.
// Each row says which callers succeed (and with which status); every other caller gets 403 problem+json and
// leaves the database exactly as it was; no token, an unknown token or a malformed header gets 401. Routes
// that change state get a fresh case or task per caller (one a refused caller left as it was, the check says,
// is fresh still and goes to the next caller). A route missing from the table fails the test.
import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { type TableState, tableState } from '../helpers/db-checksum.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');
const permitV2 = permit.replace('name="许可（测试）"', 'name="许可（测试，改革后）"');

const CALLERS = [
  'admin',
  'designer',
  'intake',
  'auditor',
  'supervisor',
  'publisher',
  'market',
  'police',
  'tax',
] as const;
type Caller = (typeof CALLERS)[number];
const DEPARTMENT: Partial<Record<Caller, string>> = { market: '市场监管', police: '公安', tax: '税务' };

interface Call {
  url: string;
  payload?: string | object;
  contentType?: string;
}

interface Row {
  /** What the row is about (the department cases read better with a word of context). */
  title: string;
  method: 'GET' | 'POST' | 'PUT';
  /** The route's path as the OpenAPI document names it. */
  route: string;
  /** Who succeeds, with the status they get; everyone else gets 403. */
  allowed: Partial<Record<Caller, number>>;
  /** The request for one caller; routes that change state prepare a fresh case or task for each. */
  call: (who: Caller) => Promise<Call>;
  /**
   * The call prepares a case or task in a state the request changes: a call a refused caller made (changing
   * nothing) is made again by the next caller, instead of preparing another.
   */
  fresh?: true;
  /** More checks on a success (what a department sees of other departments' work). */
  check?: (t: Test, who: Caller, res: LightMyRequestResponse) => void;
}

const everyone = (status = 200): Partial<Record<Caller, number>> =>
  Object.fromEntries(CALLERS.map((c) => [c, status]));

for (const database of testDatabases()) {
  t.test(`authorisation matrix (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, close } = await buildTestApp(opened);
    t.teardown(close);
    const send = (method: 'GET' | 'POST' | 'PUT', call: Call, headers: Record<string, string>) =>
      app.inject({
        method,
        url: call.url,
        headers: {
          ...headers,
          ...(call.payload !== undefined ? { 'content-type': call.contentType ?? 'application/json' } : {}),
        },
        ...(call.payload !== undefined ? { payload: call.payload as string } : {}),
      });
    const as = (who: Caller, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
      send(method, { url, payload }, bearer(TOKENS[who]));

    for (const xml of [permit, permitV2]) {
      const deployed = await send(
        'POST',
        { url: '/api/definitions', payload: xml, contentType: 'application/xml' },
        bearer(TOKENS.designer),
      );
      t.equal(deployed.statusCode, 201, deployed.body);
    }

    // fixtures: a case at 市场监管's review, one at 公安's issue, one waiting for the applicant's supplement
    let n = 0;
    const atReview = async () => {
      const res = await as('intake', 'POST', '/api/cases', {
        process: 'permit',
        variables: { applicant: `申请人${++n}` },
      });
      const view = res.json();
      return {
        caseId: view.id as string,
        taskId: view.timeline.find((s: { elementId: string }) => s.elementId === 'review').id as string,
      };
    };
    const atIssue = async () => {
      const { caseId, taskId } = await atReview();
      const view = (
        await as('market', 'POST', `/api/tasks/${taskId}/complete`, { variables: { complete: true } })
      ).json();
      return {
        caseId,
        taskId: view.timeline.find(
          (s: { elementId: string; status: string }) => s.elementId === 'issue' && s.status === 'active',
        ).id as string,
      };
    };
    const waitingForSupplement = async () => {
      const { caseId, taskId } = await atReview();
      const view = (
        await as('market', 'POST', `/api/tasks/${taskId}/complete`, { variables: { complete: false } })
      ).json();
      const ask = view.timeline.find(
        (s: { elementId: string; status: string }) => s.elementId === 'ask' && s.status === 'active',
      ).id;
      await as('market', 'POST', `/api/tasks/${ask}/complete`, {});
      return caseId;
    };
    const completedCase = async () => {
      const { caseId, taskId } = await atIssue();
      await as('police', 'POST', `/api/tasks/${taskId}/complete`, {});
      return caseId;
    };
    const reviewCase = await atReview();
    const issueCase = await atIssue();
    const doneCase = await completedCase();
    // a month later every open task is past its limit: cards to list and to write notes on
    const cards = new WarningScheduler(opened.db, app.reflow.cases, {
      nodeId: 'matrix',
      clock: () => Date.UTC(2026, 1, 9, 1, 0, 0),
    });
    await cards.tick();
    await cards.stop();
    const cardId = (await opened.db.selectFrom('warnings').select('id').executeTakeFirstOrThrow()).id;
    const endpointId = (
      await as('admin', 'POST', '/api/webhooks', {
        url: 'https://example.gov.cn/hooks',
        events: ['task.completed'],
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      })
    ).json().id;
    let imports = 0;
    const historicalLog = () => {
      const id = `H-${++imports}`;
      return [
        'case_id,activity,element_id,department,lifecycle,timestamp',
        `${id},审查,review,市场监管,start,2025-03-03T01:00:00.000Z`,
        `${id},审查,review,市场监管,complete,2025-03-03T03:00:00.000Z`,
        `${id},发证,issue,公安,start,2025-03-03T05:00:00.000Z`,
        `${id},发证,issue,公安,complete,2025-03-03T06:00:00.000Z`,
      ].join('\n');
    };
    const onlyOwnTasks = (t: Test, who: Caller, res: LightMyRequestResponse) => {
      const departments = new Set(res.json().map((k: { department: string }) => k.department));
      if (DEPARTMENT[who])
        t.same(
          [...departments].filter((d) => d !== DEPARTMENT[who]),
          [],
          `${who} sees only ${DEPARTMENT[who]}'s tasks`,
        );
    };
    const same = (url: string) => async (): Promise<Call> => ({ url });

    const matrix: Row[] = [
      {
        title: 'deploy',
        method: 'POST',
        route: '/api/definitions',
        allowed: { designer: 200, admin: 200 },
        call: async () => ({ url: '/api/definitions', payload: permit, contentType: 'application/xml' }),
      },
      {
        title: 'list definitions',
        method: 'GET',
        route: '/api/definitions',
        allowed: everyone(),
        call: same('/api/definitions'),
      },
      {
        title: 'read a version',
        method: 'GET',
        route: '/api/definitions/{key}/versions/{version}',
        allowed: everyone(),
        call: same('/api/definitions/permit/versions/1'),
      },
      {
        title: 'diff two versions',
        method: 'GET',
        route: '/api/definitions/{key}/versions/{version}/diff',
        allowed: everyone(),
        call: same('/api/definitions/permit/versions/2/diff?against=1'),
      },
      {
        title: 'publish a version',
        method: 'POST',
        route: '/api/definitions/{key}/versions/{version}/publish',
        allowed: { publisher: 200, admin: 200 },
        call: async () => ({ url: '/api/definitions/permit/versions/2/publish', payload: {} }),
      },
      {
        title: 'start a case',
        method: 'POST',
        route: '/api/cases',
        allowed: { intake: 201, admin: 201 },
        call: async () => ({
          url: '/api/cases',
          payload: { process: 'permit', variables: { applicant: `申请人${++n}` } },
        }),
      },
      {
        title: 'list cases',
        method: 'GET',
        route: '/api/cases',
        allowed: { intake: 200, auditor: 200, supervisor: 200, admin: 200 },
        call: same('/api/cases?limit=5'),
      },
      {
        title: 'read a case with a 市场监管 task only',
        method: 'GET',
        route: '/api/cases/{id}',
        allowed: { intake: 200, auditor: 200, supervisor: 200, admin: 200, market: 200 },
        call: async () => ({ url: `/api/cases/${reviewCase.caseId}` }),
      },
      {
        title: 'read a case with 市场监管 and 公安 tasks',
        method: 'GET',
        route: '/api/cases/{id}',
        allowed: { intake: 200, auditor: 200, supervisor: 200, admin: 200, market: 200, police: 200 },
        call: async () => ({ url: `/api/cases/${issueCase.caseId}` }),
      },
      {
        title: 'send a message to a case of 市场监管',
        method: 'POST',
        route: '/api/cases/{id}/messages',
        allowed: { intake: 200, admin: 200, market: 200 },
        fresh: true,
        call: async () => ({
          url: `/api/cases/${await waitingForSupplement()}/messages`,
          payload: { name: 'materials-supplemented' },
        }),
      },
      {
        title: 'send a message by name and correlation key',
        method: 'POST',
        route: '/api/messages',
        allowed: { intake: 200, admin: 200, market: 200, police: 200, tax: 200 },
        // nothing waits for it: kept for its time to live (buffered)
        call: async (who) => ({
          url: '/api/messages',
          payload: { name: 'authorisation-probe', correlationKey: who, ttlSeconds: 60 },
        }),
      },
      {
        title: 'list messages between cases',
        method: 'GET',
        route: '/api/messages',
        allowed: { auditor: 200, admin: 200 },
        call: same('/api/messages?status=buffered'),
      },
      {
        title: 'broadcast a signal',
        method: 'POST',
        route: '/api/signals',
        allowed: { admin: 200 },
        call: async () => ({ url: '/api/signals', payload: { name: 'authorisation-probe' } }),
      },
      {
        title: 'cancel a case',
        method: 'POST',
        route: '/api/cases/{id}/cancel',
        allowed: { admin: 200 },
        fresh: true,
        call: async () => ({
          url: `/api/cases/${(await atReview()).caseId}/cancel`,
          payload: { reason: '测试' },
        }),
      },
      {
        title: 'read the audit log',
        method: 'GET',
        route: '/api/cases/{id}/events',
        allowed: { auditor: 200, admin: 200 },
        call: async () => ({ url: `/api/cases/${issueCase.caseId}/events` }),
      },
      {
        title: 'list tasks (a department: its own)',
        method: 'GET',
        route: '/api/tasks',
        allowed: { auditor: 200, admin: 200, market: 200, police: 200, tax: 200 },
        call: same('/api/tasks'),
        check: onlyOwnTasks,
      },
      {
        title: 'list the tasks of department=市场监管',
        method: 'GET',
        route: '/api/tasks',
        allowed: { auditor: 200, admin: 200, market: 200 },
        call: same(`/api/tasks?department=${encodeURIComponent('市场监管')}&status=open`),
        check: (t, _who, res) =>
          t.ok(
            res.json().length > 0 &&
              res.json().every((k: { department: string }) => k.department === '市场监管'),
          ),
      },
      {
        title: 'list the tasks of department=公安',
        method: 'GET',
        route: '/api/tasks',
        allowed: { auditor: 200, admin: 200, police: 200 },
        call: same(`/api/tasks?department=${encodeURIComponent('公安')}`),
      },
      {
        title: "list the tasks of another department's case (caseId=): nothing leaks",
        method: 'GET',
        route: '/api/tasks',
        allowed: { auditor: 200, admin: 200, market: 200, police: 200, tax: 200 },
        call: async () => ({ url: `/api/tasks?caseId=${reviewCase.caseId}` }),
        check: (t, who, res) => {
          onlyOwnTasks(t, who, res);
          t.equal(
            res.json().length,
            who === 'police' || who === 'tax' ? 0 : 1,
            `${who} sees ${who === 'police' || who === 'tax' ? 'none' : 'the review task'}`,
          );
        },
      },
      {
        title: 'complete a 市场监管 task',
        method: 'POST',
        route: '/api/tasks/{id}/complete',
        allowed: { market: 200, admin: 200 },
        fresh: true,
        call: async () => ({
          url: `/api/tasks/${(await atReview()).taskId}/complete`,
          payload: { variables: { complete: true } },
        }),
      },
      {
        title: 'complete a 公安 task of a case 市场监管 worked on',
        method: 'POST',
        route: '/api/tasks/{id}/complete',
        allowed: { police: 200, admin: 200 },
        fresh: true,
        call: async () => ({ url: `/api/tasks/${(await atIssue()).taskId}/complete`, payload: {} }),
      },
      {
        title: 'claim a 市场监管 task',
        method: 'POST',
        route: '/api/tasks/{id}/claim',
        allowed: { market: 200, admin: 200 },
        fresh: true,
        call: async () => ({ url: `/api/tasks/${(await atReview()).taskId}/claim` }),
      },
      {
        title: 'release a 市场监管 task its member claimed',
        method: 'POST',
        route: '/api/tasks/{id}/release',
        allowed: { market: 200, admin: 200 },
        fresh: true,
        call: async () => {
          const { taskId } = await atReview();
          await as('market', 'POST', `/api/tasks/${taskId}/claim`);
          return { url: `/api/tasks/${taskId}/release` };
        },
      },
      {
        title: 'assign a 市场监管 task (a lead; the test tokens lead nothing)',
        method: 'POST',
        route: '/api/tasks/{id}/assign',
        allowed: { admin: 200 },
        fresh: true,
        call: async () => ({
          url: `/api/tasks/${(await atReview()).taskId}/assign`,
          payload: { userId: 'u-1001' },
        }),
      },
      {
        title: 'transfer a 市场监管 task to 公安 (a lead; the test tokens lead nothing)',
        method: 'POST',
        route: '/api/tasks/{id}/transfer',
        allowed: { admin: 200 },
        fresh: true,
        call: async () => ({
          url: `/api/tasks/${(await atReview()).taskId}/transfer`,
          payload: { department: '公安', reason: '属公安职责' },
        }),
      },
      {
        title: 'metrics of a version',
        method: 'GET',
        route: '/api/processes/{key}/versions/{version}/metrics',
        allowed: { auditor: 200, designer: 200, admin: 200 },
        call: same('/api/processes/permit/versions/1/metrics'),
      },
      {
        title: 'compare versions',
        method: 'GET',
        route: '/api/processes/{key}/compare',
        allowed: { auditor: 200, admin: 200 },
        call: same('/api/processes/permit/compare?from=1&to=2'),
      },
      {
        title: 'the duration histogram of two versions',
        method: 'GET',
        route: '/api/processes/{key}/histogram',
        allowed: { auditor: 200, admin: 200 },
        call: same('/api/processes/permit/histogram?from=1&to=2'),
      },
      {
        title: 'the card figures per department of two versions',
        method: 'GET',
        route: '/api/processes/{key}/departments',
        allowed: { auditor: 200, admin: 200 },
        call: same('/api/processes/permit/departments?from=1&to=2'),
      },
      {
        title: 'the report',
        method: 'GET',
        route: '/api/processes/{key}/report',
        allowed: { auditor: 200, admin: 200 },
        call: same('/api/processes/permit/report?from=1&to=2'),
      },
      {
        title: 'export XES',
        method: 'GET',
        route: '/api/processes/{key}/versions/{version}/log.xes',
        allowed: { auditor: 200, admin: 200 },
        call: same('/api/processes/permit/versions/2/log.xes?status=all'),
      },
      {
        title: 'export CSV',
        method: 'GET',
        route: '/api/processes/{key}/versions/{version}/log.csv',
        allowed: { auditor: 200, admin: 200 },
        call: same('/api/processes/permit/versions/2/log.csv?status=all'),
      },
      {
        title: 'import a historical log',
        method: 'POST',
        route: '/api/processes/{key}/versions/{version}/log',
        allowed: { admin: 200 },
        call: async () => ({
          url: '/api/processes/permit/versions/1/log',
          payload: historicalLog(),
          contentType: 'text/csv',
        }),
      },
      {
        title: 'rate a completed case',
        method: 'POST',
        route: '/api/cases/{id}/ratings',
        allowed: { intake: 201, admin: 201 },
        fresh: true,
        call: async () => ({
          url: `/api/cases/${await completedCase()}/ratings`,
          payload: { level: 5, channel: 'online' },
        }),
      },
      {
        title: 'read the ratings of a case',
        method: 'GET',
        route: '/api/cases/{id}/ratings',
        allowed: { intake: 200, auditor: 200, admin: 200 },
        call: async () => ({ url: `/api/cases/${doneCase}/ratings` }),
      },
      {
        title: 'the rating loop of a version',
        method: 'GET',
        route: '/api/processes/{key}/versions/{version}/ratings',
        allowed: { auditor: 200, designer: 200, admin: 200 },
        call: same('/api/processes/permit/versions/2/ratings'),
      },
      {
        title: 'the holiday calendar and its horizon',
        method: 'GET',
        route: '/api/calendar',
        allowed: everyone(),
        call: same('/api/calendar'),
      },
      {
        title: "a year's holiday schedule",
        method: 'GET',
        route: '/api/calendar/years/{year}',
        allowed: everyone(),
        call: same('/api/calendar/years/2025'),
      },
      {
        title: "load a year's official schedule (2025's own dates again: nothing moves)",
        method: 'PUT',
        route: '/api/calendar/years/{year}',
        allowed: { admin: 200 },
        call: async () => {
          const { holidays, workdays } = (await as('admin', 'GET', '/api/calendar/years/2025')).json();
          return { url: '/api/calendar/years/2025', payload: { holidays, workdays } };
        },
      },
      {
        title: "the calendar's audit log",
        method: 'GET',
        route: '/api/calendar/events',
        allowed: { auditor: 200, admin: 200 },
        call: same('/api/calendar/events'),
      },
      {
        title: 'figures per person (a member: their own)',
        method: 'GET',
        route: '/api/metrics/people',
        allowed: { auditor: 200, admin: 200, market: 200, police: 200, tax: 200 },
        call: same('/api/metrics/people'),
      },
      {
        title: "figures of 公安's people (a member may not)",
        method: 'GET',
        route: '/api/metrics/people',
        allowed: { auditor: 200, admin: 200 },
        call: same(`/api/metrics/people?department=${encodeURIComponent('公安')}`),
      },
      {
        title: 'who the caller is',
        method: 'GET',
        route: '/api/me',
        allowed: everyone(),
        call: same('/api/me'),
        check: (t, who, res) =>
          t.same(res.json().department, DEPARTMENT[who] ?? null, `${who}: its department`),
      },
      {
        title: 'verify the audit chains',
        method: 'GET',
        route: '/api/audit/verify',
        allowed: { auditor: 200, admin: 200 },
        call: same('/api/audit/verify'),
      },
      {
        title: 'the open yellow and red cards (a department: its own)',
        method: 'GET',
        route: '/api/warnings',
        allowed: { auditor: 200, supervisor: 200, admin: 200, market: 200, police: 200, tax: 200 },
        call: same('/api/warnings'),
        check: onlyOwnTasks,
      },
      {
        title: 'a follow-up note (督办意见) on a card',
        method: 'POST',
        route: '/api/warnings/{id}/notes',
        allowed: { supervisor: 201, admin: 201 },
        call: async () => ({ url: `/api/warnings/${cardId}/notes`, payload: { text: '请尽快办结' } }),
      },
      {
        title: 'register a webhook endpoint',
        method: 'POST',
        route: '/api/webhooks',
        allowed: { admin: 201 },
        call: async () => ({
          url: '/api/webhooks',
          payload: {
            url: 'https://example.gov.cn/events',
            events: ['case.started'],
            secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          },
        }),
      },
      {
        title: 'webhook endpoints',
        method: 'GET',
        route: '/api/webhooks',
        allowed: { admin: 200 },
        call: same('/api/webhooks'),
      },
      {
        title: "a webhook endpoint's deliveries",
        method: 'GET',
        route: '/api/webhooks/{id}/deliveries',
        allowed: { admin: 200 },
        call: async () => ({ url: `/api/webhooks/${endpointId}/deliveries` }),
      },
    ];

    await t.test('every route of the API is in the matrix', async (t) => {
      await app.ready();
      const documented = Object.entries(
        (app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths,
      ).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      // public: health probes, and how the browser signs in (asked before anyone has)
      const covered = new Set([
        ...matrix.map((r) => `${r.method} ${r.route}`),
        'GET /healthz',
        'GET /api/auth/config',
      ]);
      t.same(
        documented.filter((r) => !covered.has(r)),
        [],
        "a route with no row: add it to the matrix with the roles the README's HTTP API table gives it",
      );
      t.same(
        [...covered].filter((r) => !documented.includes(r)),
        [],
        'no row for a route that does not exist',
      );
      for (const headers of [
        {},
        bearer('not-a-real-token'),
        { authorization: TOKENS.admin },
        { authorization: 'Basic YWRtaW46YWRtaW4=' },
      ]) {
        const res = await app.inject({ method: 'GET', url: '/healthz', headers });
        t.equal(res.statusCode, 200, 'healthz is public');
        const signIn = await app.inject({ method: 'GET', url: '/api/auth/config', headers });
        t.same([signIn.statusCode, signIn.json()], [200, { oidc: null }], 'the sign-in settings are public');
      }
    });

    for (const row of matrix) {
      await t.test(`${row.method} ${row.route}: ${row.title}`, async (t) => {
        // the checksums read before and after each call, reused while nothing has been written
        let state: TableState | undefined;
        let spare: Call | undefined;
        for (const who of CALLERS) {
          const call = spare ?? (await row.call(who));
          spare = undefined;
          const expected = row.allowed[who];
          if (expected !== undefined) {
            const res = await send(row.method, call, bearer(TOKENS[who]));
            t.equal(
              res.statusCode,
              expected,
              `${who} → ${res.statusCode} ${res.statusCode >= 300 ? res.body.slice(0, 300) : ''}`,
            );
            row.check?.(t, who, res);
          } else {
            const before = await tableState(opened.db, state);
            const res = await send(row.method, call, bearer(TOKENS[who]));
            t.equal(res.statusCode, 403, `${who} is refused → ${res.statusCode}`);
            t.match(res.headers['content-type'], /^application\/problem\+json/);
            t.match(res.json(), { type: 'urn:reflow:problem:forbidden', status: 403, detail: String });
            state = await tableState(opened.db, before);
            if (
              t.same(state.checksums, before.checksums, `${who}'s refused call changed nothing`) &&
              row.fresh
            )
              spare = call;
          }
        }
        const call = spare ?? (await row.call('admin'));
        const before = await tableState(opened.db, state);
        for (const headers of [
          {},
          bearer('not-a-real-token'),
          { authorization: TOKENS.admin },
          { authorization: 'Bearer ' },
        ]) {
          const res = await send(row.method, call, headers);
          t.equal(res.statusCode, 401, `${JSON.stringify(headers)} → 401`);
          t.match(res.json(), { type: 'urn:reflow:problem:unauthenticated', status: 401 });
        }
        t.same(
          (await tableState(opened.db, before)).checksums,
          before.checksums,
          'unauthenticated calls changed nothing',
        );
      });
    }

    await t.test('what a department sees of cases and tasks that are not its own', async (t) => {
      // 税务 has no task anywhere: it reads no case, however it asks
      for (const caseId of [reviewCase.caseId, issueCase.caseId]) {
        t.equal((await as('tax', 'GET', `/api/cases/${caseId}`)).statusCode, 403);
        t.equal(
          (await as('tax', 'POST', `/api/cases/${caseId}/messages`, { name: 'materials-supplemented' }))
            .statusCode,
          403,
        );
      }
      t.same((await as('tax', 'GET', '/api/tasks')).json(), [], '税务 has no tasks');
      t.equal(
        (
          await as(
            'tax',
            'GET',
            `/api/tasks?department=${encodeURIComponent('市场监管')}&caseId=${reviewCase.caseId}`,
          )
        ).statusCode,
        403,
      );
      // 公安 may not complete 市场监管's task, even on a case it shares; the task stays open
      const shared = await atIssue();
      const { caseId } = shared;
      const market = (
        await as('admin', 'GET', `/api/tasks?caseId=${caseId}&department=${encodeURIComponent('市场监管')}`)
      ).json();
      t.equal(market.length, 1);
      t.equal(
        (
          await as('police', 'POST', `/api/tasks/${market[0].id}/complete`, {
            variables: { complete: false },
          })
        ).statusCode,
        403,
        'a completed task of another department',
      );
      const review = await atReview();
      const refused = await as('police', 'POST', `/api/tasks/${review.taskId}/complete`, {
        variables: { complete: true },
      });
      t.equal(refused.statusCode, 403);
      t.match(refused.json().detail, /属于“市场监管”，不属于“公安”/);
      t.equal(
        (await as('admin', 'GET', `/api/tasks?caseId=${review.caseId}`)).json()[0].status,
        'open',
        'the task is still open',
      );
      // an unknown case or task is 404 for everyone allowed to ask
      t.equal((await as('market', 'GET', '/api/cases/no-such-case')).statusCode, 404);
      t.equal((await as('market', 'POST', '/api/tasks/no-such-task/complete', {})).statusCode, 404);
    });
  });
}
