// Every route's roles and error paths through app.inject(), on each test database.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');
const xmlHeaders = (token: string) => ({ ...bearer(token), 'content-type': 'application/xml' });

for (const database of testDatabases()) {
  t.test(`API routes (${database.name})`, async (t) => {
    const { app, clock, cacheChecks, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const deploy = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: xmlHeaders(TOKENS.designer),
      payload: permit,
    });
    t.equal(deploy.statusCode, 201, deploy.body);

    t.test('authentication and roles', async (t) => {
      // given each route and the roles the README's HTTP API table allows on it
      const started = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'permit', variables: { applicant: 'A' } },
      });
      const caseId = started.json().id;
      const matrix: {
        method: 'GET' | 'POST';
        url: string;
        payload?: unknown;
        xml?: boolean;
        allowed: (keyof typeof TOKENS)[];
      }[] = [
        {
          method: 'POST',
          url: '/api/definitions',
          payload: permit,
          xml: true,
          allowed: ['designer', 'admin'],
        },
        {
          method: 'GET',
          url: '/api/definitions',
          allowed: ['admin', 'designer', 'intake', 'auditor', 'market', 'police'],
        },
        {
          method: 'GET',
          url: '/api/definitions/permit/versions/1',
          allowed: ['admin', 'designer', 'intake', 'auditor', 'market', 'police'],
        },
        {
          method: 'POST',
          url: '/api/cases',
          payload: { process: 'permit', variables: { applicant: 'B' } },
          allowed: ['intake', 'admin'],
        },
        { method: 'GET', url: `/api/cases/${caseId}`, allowed: ['intake', 'auditor', 'admin', 'market'] },
        { method: 'GET', url: '/api/cases', allowed: ['intake', 'auditor', 'admin'] },
        { method: 'GET', url: `/api/cases/${caseId}/events`, allowed: ['auditor', 'admin'] },
        { method: 'GET', url: '/api/tasks?status=open', allowed: ['market', 'police', 'auditor', 'admin'] },
      ];
      for (const route of matrix) {
        for (const role of ['admin', 'designer', 'intake', 'auditor', 'market', 'police'] as const) {
          // when the role calls the route
          const response = await app.inject({
            method: route.method,
            url: route.url,
            headers: route.xml ? xmlHeaders(TOKENS[role]) : bearer(TOKENS[role]),
            ...(route.payload !== undefined ? { payload: route.payload as string } : {}),
          });
          // then it is allowed exactly for the listed roles
          const allowed = route.allowed.includes(role);
          t.equal(
            response.statusCode < 300,
            allowed,
            `${role} ${route.method} ${route.url} → ${response.statusCode}`,
          );
          if (!allowed) {
            t.equal(response.statusCode, 403);
            t.match(response.headers['content-type'], /application\/problem\+json/);
          }
        }
        const anonymous = await app.inject({ method: route.method, url: route.url });
        t.equal(anonymous.statusCode, 401, `no token on ${route.url}`);
      }
      const unknown = await app.inject({
        method: 'GET',
        url: '/api/cases',
        headers: bearer('not-a-real-token'),
      });
      t.equal(unknown.statusCode, 401);
      t.equal(
        (await app.inject({ method: 'GET', url: '/healthz' })).statusCode,
        200,
        'healthz needs no token',
      );
    });

    t.test('deploy errors', async (t) => {
      // given broken, hostile and oversized BPMN
      const refused = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: xmlHeaders(TOKENS.designer),
        payload: permit.replace(
          '<bpmn:endEvent id="end" />',
          '<bpmn:complexGateway id="cg" /><bpmn:endEvent id="end" />',
        ),
      });
      // then each gets a precise problem
      t.equal(refused.statusCode, 422);
      t.ok(
        refused
          .json()
          .errors.some(
            (e: { elementId: string; type: string }) =>
              e.elementId === 'cg' && e.type === 'unsupportedElement',
          ),
        'the complex gateway is named',
      );
      const malformed = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: xmlHeaders(TOKENS.designer),
        payload:
          '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="x">',
      });
      t.equal(malformed.statusCode, 422);
      t.match(malformed.json().errors[0], { type: 'malformedXml' });
      const doctype = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: xmlHeaders(TOKENS.designer),
        payload: `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${permit.replace(/^<\?xml[^>]*>/, '')}`,
      });
      t.equal(doctype.statusCode, 400);
      t.match(doctype.json().type, /doctype-refused/);
      const json = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: bearer(TOKENS.designer),
        payload: { xml: permit },
      });
      t.equal(json.statusCode, 415, 'a JSON body is not BPMN');
      const huge = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: xmlHeaders(TOKENS.designer),
        payload: permit.replace(
          '</bpmn:definitions>',
          `<!-- ${'x'.repeat(6 * 1024 * 1024)} --></bpmn:definitions>`,
        ),
      });
      t.equal(huge.statusCode, 413);
      const versions = await app.inject({
        method: 'GET',
        url: '/api/definitions',
        headers: bearer(TOKENS.auditor),
      });
      t.same(
        versions.json().map((d: { key: string; versions: unknown[] }) => [d.key, d.versions.length]),
        [['permit', 1]],
        'nothing refused was stored',
      );
      const missing = await app.inject({
        method: 'GET',
        url: '/api/definitions/permit/versions/9',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(missing.statusCode, 404);
      const version = await app.inject({
        method: 'GET',
        url: '/api/definitions/permit/versions/1',
        headers: bearer(TOKENS.auditor),
      });
      t.match(version.json(), {
        key: 'permit',
        version: 1,
        metrics: { steps: 3, materials: 2, applicantMaterials: 1, timeLimitDays: 5, trips: 1 },
      });
    });

    t.test('case start validation and forms', async (t) => {
      const bad = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'permit', version: 'x', extra: 1 },
      });
      t.equal(bad.statusCode, 400);
      t.match(bad.json().detail, /version/);
      const noProcess = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'nope' },
      });
      t.equal(noProcess.statusCode, 404);
      const form = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'permit', variables: { capital: -1 } },
      });
      t.equal(form.statusCode, 400);
      t.same(
        form
          .json()
          .errors.map((e: { field: string }) => e.field)
          .sort(),
        ['variables.applicant', 'variables.capital'],
      );
      const material = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'permit', variables: { applicant: 'A' }, materials: ['passport'] },
      });
      t.equal(material.statusCode, 400);
      t.match(material.json().detail, /passport/);
    });

    t.test('correction loop with messages, task forms and a department’s view', async (t) => {
      // given a case started at a window
      const started = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: {
          process: 'permit',
          variables: { applicant: '李四' },
          materials: ['id_card'],
          channel: 'window',
        },
      });
      const caseId = started.json().id;
      const [review] = (
        await app.inject({
          method: 'GET',
          url: `/api/tasks?caseId=${caseId}`,
          headers: bearer(TOKENS.market),
        })
      ).json();
      t.equal(
        review.dueAt,
        '2026-01-06T09:00:00.000Z',
        'due at the end of the 2nd working day: Tuesday 17:00 Beijing',
      );
      // when the review finds materials missing
      const noForm = await app.inject({
        method: 'POST',
        url: `/api/tasks/${review.id}/complete`,
        headers: bearer(TOKENS.market),
        payload: { variables: {} },
      });
      t.equal(noForm.statusCode, 400);
      t.match(noForm.json().errors, [{ field: 'variables.complete' }]);
      const nothingWaits = await app.inject({
        method: 'POST',
        url: `/api/cases/${caseId}/messages`,
        headers: bearer(TOKENS.intake),
        payload: { name: 'materials-supplemented' },
      });
      t.equal(nothingWaits.statusCode, 409, 'no message is awaited yet');
      clock.now += 3_600_000;
      await app.inject({
        method: 'POST',
        url: `/api/tasks/${review.id}/complete`,
        headers: bearer(TOKENS.market),
        payload: { variables: { complete: false } },
      });
      const [ask] = (
        await app.inject({
          method: 'GET',
          url: `/api/tasks?caseId=${caseId}&status=open`,
          headers: bearer(TOKENS.market),
        })
      ).json();
      await app.inject({
        method: 'POST',
        url: `/api/tasks/${ask.id}/complete`,
        headers: bearer(TOKENS.market),
        payload: {},
      });
      clock.now += 24 * 3_600_000;
      const supplemented = await app.inject({
        method: 'POST',
        url: `/api/cases/${caseId}/messages`,
        headers: bearer(TOKENS.intake),
        payload: { name: 'materials-supplemented', channel: 'window', variables: { supplemented: true } },
      });
      t.equal(supplemented.statusCode, 200, supplemented.body);
      const [review2] = (
        await app.inject({
          method: 'GET',
          url: `/api/tasks?caseId=${caseId}&status=open`,
          headers: bearer(TOKENS.market),
        })
      ).json();
      await app.inject({
        method: 'POST',
        url: `/api/tasks/${review2.id}/complete`,
        headers: bearer(TOKENS.market),
        payload: { variables: { complete: true } },
      });
      // then 公安 sees the case once it has a task there; 税务 never does
      t.equal(
        (await app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: bearer(TOKENS.tax) }))
          .statusCode,
        403,
      );
      t.equal(
        (
          await app.inject({
            method: 'GET',
            url: '/api/tasks?department=市场监管',
            headers: bearer(TOKENS.police),
          })
        ).statusCode,
        403,
        'a department may not list another’s tasks',
      );
      const [issue] = (
        await app.inject({ method: 'GET', url: `/api/tasks?status=open`, headers: bearer(TOKENS.police) })
      ).json();
      t.equal(
        (await app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: bearer(TOKENS.police) }))
          .statusCode,
        200,
      );
      const done = await app.inject({
        method: 'POST',
        url: `/api/tasks/${issue.id}/complete`,
        headers: bearer(TOKENS.police),
        payload: {},
      });
      const view = done.json();
      t.equal(view.status, 'completed');
      t.equal(view.trips, 3, 'window start + window supplement + in-person pick-up');
      t.equal(view.firstTime, false, 'a correction was requested');
      t.same(
        view.timeline.map((s: { elementId: string }) => s.elementId),
        ['review', 'ask', 'wait_supplement', 'review', 'issue'],
      );
      t.ok(
        view.workingDays <
          view.timeline.reduce((sum: number, s: { workingDays: number }) => sum + s.workingDays, 0),
        'time waiting for the supplement does not count',
      );
    });

    t.test('cancel and messages on ended cases', async (t) => {
      const started = await app.inject({
        method: 'POST',
        url: '/api/cases',
        headers: bearer(TOKENS.intake),
        payload: { process: 'permit', variables: { applicant: 'C' } },
      });
      const caseId = started.json().id;
      t.equal(
        (
          await app.inject({
            method: 'POST',
            url: `/api/cases/${caseId}/cancel`,
            headers: bearer(TOKENS.intake),
            payload: {},
          })
        ).statusCode,
        403,
      );
      const cancelled = await app.inject({
        method: 'POST',
        url: `/api/cases/${caseId}/cancel`,
        headers: bearer(TOKENS.admin),
        payload: { reason: '申请人撤回' },
      });
      t.equal(cancelled.json().status, 'cancelled');
      t.same(
        cancelled.json().timeline.map((s: { status: string }) => s.status),
        ['cancelled'],
      );
      t.equal(
        (
          await app.inject({
            method: 'POST',
            url: `/api/cases/${caseId}/cancel`,
            headers: bearer(TOKENS.admin),
            payload: {},
          })
        ).statusCode,
        409,
      );
      const tasks = (
        await app.inject({ method: 'GET', url: `/api/tasks?caseId=${caseId}`, headers: bearer(TOKENS.admin) })
      ).json();
      t.same(
        tasks.map((x: { status: string }) => x.status),
        ['cancelled'],
      );
      t.equal(
        (await app.inject({ method: 'GET', url: '/api/cases/nope', headers: bearer(TOKENS.auditor) }))
          .statusCode,
        404,
      );
      t.equal(
        (await app.inject({ method: 'GET', url: '/api/cases/nope/events', headers: bearer(TOKENS.auditor) }))
          .statusCode,
        404,
      );
      t.equal(
        (
          await app.inject({
            method: 'POST',
            url: '/api/tasks/nope/complete',
            headers: bearer(TOKENS.admin),
            payload: {},
          })
        ).statusCode,
        404,
      );
      t.equal(
        (await app.inject({ method: 'GET', url: '/api/nothing-here', headers: bearer(TOKENS.admin) }))
          .statusCode,
        404,
      );
      const page1 = await app.inject({
        method: 'GET',
        url: '/api/cases?process=permit&limit=2',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(page1.json().items.length, 2);
      const page2 = await app.inject({
        method: 'GET',
        url: `/api/cases?process=permit&limit=2&after=${page1.json().next}`,
        headers: bearer(TOKENS.auditor),
      });
      t.notSame(page2.json().items[0]?.id, page1.json().items[0].id, 'the cursor moves on');
      t.equal(
        (await app.inject({ method: 'GET', url: '/api/cases?limit=0', headers: bearer(TOKENS.auditor) }))
          .statusCode,
        400,
      );
    });

    t.test('after every command the node remembered its case as the database holds it', async (t) => {
      // buildTestApp compares them after each command answered with a case (a difference fails that request)
      t.ok(cacheChecks.compared >= 10, `${cacheChecks.compared} commands compared`);
    });
  });
}
