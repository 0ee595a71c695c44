// The main path through the API on each database: deploy, start, complete parallel approvals, read the case.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('../bench/business-registration.bpmn', import.meta.url), 'utf8');

for (const database of testDatabases()) {
  t.test(`business registration through the API (${database.name})`, async (t) => {
    // given a deployed process and a started case
    const { app, clock, close } = await buildTestApp(await database.open());
    t.teardown(close);
    const deployed = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: xml,
    });
    t.equal(deployed.statusCode, 201, deployed.body);
    const again = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: xml,
    });
    t.equal(again.statusCode, 200, 'identical content returns the existing version');
    t.equal(again.json().version, 1);
    const application = {
      process: 'business_registration_bench',
      businessKey: 'BR-1',
      variables: { applicant: '张三' },
    };
    const started = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { ...bearer(TOKENS.intake), 'idempotency-key': 'k1' },
      payload: application,
    });
    t.equal(started.statusCode, 201, started.body);
    const caseId = started.json().id;
    const repeat = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: { ...bearer(TOKENS.intake), 'idempotency-key': 'k1' },
      payload: application,
    });
    t.equal(repeat.statusCode, 200, repeat.body);
    t.equal(repeat.json().id, caseId, 'the same Idempotency-Key and request return the same case');
    const [waiting] = started.json().openTasks;
    t.match(
      waiting,
      { elementId: 'accept', name: '受理', department: '市场监管', createdAt: String, dueAt: null },
      'the answer says who has the case now',
    );
    t.same(repeat.json().openTasks, started.json().openTasks, 'and so does the case read again');

    // when 市场监管 accepts, then the four departments approve in parallel
    const open = async (token: string) =>
      (await app.inject({ method: 'GET', url: '/api/tasks?status=open', headers: bearer(token) })).json();
    const [accept] = await open(TOKENS.market);
    t.equal(accept.elementId, 'accept');
    clock.now += 3_600_000;
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: `/api/tasks/${accept.id}/complete`,
          headers: bearer(TOKENS.police),
          payload: {},
        })
      ).statusCode,
      403,
      'another department may not complete it',
    );
    const afterAccept = await app.inject({
      method: 'POST',
      url: `/api/tasks/${accept.id}/complete`,
      headers: bearer(TOKENS.market),
      payload: { variables: { accepted: true } },
    });
    t.equal(afterAccept.statusCode, 200, afterAccept.body);
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: `/api/tasks/${accept.id}/complete`,
          headers: bearer(TOKENS.market),
          payload: {},
        })
      ).statusCode,
      409,
      'a completed task is not open',
    );
    const [seal] = await open(TOKENS.police);
    const [tax] = await open(TOKENS.tax);
    clock.now += 3_600_000;
    const both = await Promise.all([
      app.inject({
        method: 'POST',
        url: `/api/tasks/${seal.id}/complete`,
        headers: bearer(TOKENS.police),
        payload: {},
      }),
      app.inject({
        method: 'POST',
        url: `/api/tasks/${tax.id}/complete`,
        headers: bearer(TOKENS.tax),
        payload: {},
      }),
    ]);
    t.same(
      both.map((r) => r.statusCode),
      [200, 200],
    );
    for (const task of (
      await app.inject({
        method: 'GET',
        url: `/api/tasks?caseId=${caseId}&status=open`,
        headers: bearer(TOKENS.admin),
      })
    ).json()) {
      await app.inject({
        method: 'POST',
        url: `/api/tasks/${task.id}/complete`,
        headers: bearer(TOKENS.admin),
        payload: {},
      });
    }
    const [issue] = (
      await app.inject({
        method: 'GET',
        url: `/api/tasks?caseId=${caseId}&status=open`,
        headers: bearer(TOKENS.admin),
      })
    ).json();
    t.equal(issue.elementId, 'issue', 'the join fired once: one issue task');
    const done = await app.inject({
      method: 'POST',
      url: `/api/tasks/${issue.id}/complete`,
      headers: bearer(TOKENS.market),
      payload: {},
    });

    // then the case is completed with a full timeline
    const view = done.json();
    t.equal(view.status, 'completed');
    t.same(
      view.timeline.map((s: { elementId: string }) => s.elementId).sort(),
      ['accept', 'fund', 'issue', 'seal', 'social', 'tax'].sort(),
    );
    t.equal(
      view.timeline.find((s: { elementId: string }) => s.elementId === 'accept').workingDays,
      1 / 7,
      'one working hour is 1/7 working day',
    );
    t.equal(view.variables.applicant, '张三');
    const events = await app.inject({
      method: 'GET',
      url: `/api/cases/${caseId}/events`,
      headers: bearer(TOKENS.auditor),
    });
    t.ok(events.json().length > 10);
    t.equal(events.json()[1].prevHash, events.json()[0].hash, 'the audit log is hash-chained');
    const list = await app.inject({
      method: 'GET',
      url: '/api/cases?businessKey=BR-1',
      headers: bearer(TOKENS.intake),
    });
    t.equal(list.json().items[0].id, caseId);
  });
}
