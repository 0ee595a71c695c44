// Work items for people: claim, release, assign, transfer (转办) and complete, with every role and the 403/409
// paths; a completion records its handler (经办人) in the task, the timeline and the audit log, which verifies;
// an unclaimed task completed by a member is claimed for them in the same write; concurrent claims of one task:
// exactly one wins (PGlite and PostgreSQL).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseTokens } from '../../server/auth/tokens.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');
const PEOPLE = {
  wang: 'person-wang-0001',
  li: 'person-li-00001',
  zhao: 'person-zhao-0001',
  chen: 'person-chen-0001',
} as const;
const people = parseTokens(
  JSON.stringify([
    { token: PEOPLE.wang, role: 'department', department: '市场监管', userId: 'u-wang', name: '王芳' },
    { token: PEOPLE.li, role: 'department', department: '市场监管', userId: 'u-li', name: '李强' },
    {
      token: PEOPLE.zhao,
      role: 'department',
      department: '市场监管',
      userId: 'u-zhao',
      name: '赵科长',
      lead: true,
    },
    { token: PEOPLE.chen, role: 'department', department: '公安', userId: 'u-chen', name: '陈警官' },
  ]),
  'people',
);
type Who = keyof typeof PEOPLE | keyof typeof TOKENS;
const tokenOf = (who: Who) =>
  (PEOPLE as Record<string, string>)[who] ?? (TOKENS as Record<string, string>)[who];

for (const database of testDatabases()) {
  t.test(`work items for people (${database.name})`, async (t) => {
    const built = await buildTestApp(await database.open(), { people });
    t.teardown(built.close);
    const { app } = built;
    const call = (who: Who, method: 'GET' | 'POST', url: string, payload?: object) =>
      app.inject({ method, url, headers: bearer(tokenOf(who)), ...(payload ? { payload } : {}) });
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/api/definitions',
          headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
          payload: permit,
        })
      ).statusCode,
      201,
    );
    let n = 0;
    const review = async () => {
      const view = (
        await call('intake', 'POST', '/api/cases', {
          process: 'permit',
          businessKey: `BK-${++n}`,
          variables: { applicant: `申请人${n}` },
        })
      ).json();
      return { caseId: view.id as string, taskId: view.openTasks[0].id as string };
    };
    const verify = async (caseId: string) =>
      (await call('auditor', 'GET', `/api/audit/verify?caseId=${caseId}`)).json();

    await t.test('claim, release, claim again; others get 403 or 409', async (t) => {
      const { caseId, taskId } = await review();
      t.equal(
        (await call('chen', 'POST', `/api/tasks/${taskId}/claim`)).statusCode,
        403,
        'another department',
      );
      t.equal((await call('auditor', 'POST', `/api/tasks/${taskId}/claim`)).statusCode, 403, 'an auditor');
      const claimed = await call('wang', 'POST', `/api/tasks/${taskId}/claim`);
      t.equal(claimed.statusCode, 200, claimed.body);
      t.same(claimed.json().claimedBy, { userId: 'u-wang', name: '王芳' });
      t.equal((await call('wang', 'POST', `/api/tasks/${taskId}/claim`)).statusCode, 200, 'again: unchanged');
      const taken = await call('li', 'POST', `/api/tasks/${taskId}/claim`);
      t.equal(taken.statusCode, 409, 'claiming a claimed task');
      t.match(taken.json().detail, /已由 王芳（u-wang）认领/);
      t.equal(
        (await call('li', 'POST', `/api/tasks/${taskId}/release`)).statusCode,
        403,
        "not li's to release",
      );
      const mine = (await call('wang', 'GET', '/api/tasks?claimedBy=me&status=open')).json();
      t.same(
        mine.map((k: { id: string }) => k.id),
        [taskId],
        '我的待办',
      );
      t.equal(mine[0].businessKey, `BK-${n}`, 'the business number on the row');
      t.equal(mine[0].processName, '许可（测试）', 'the service on the row');
      t.equal(mine[0].remainingWorkingDays, 2, 'working days left');
      const queue = (await call('li', 'GET', '/api/tasks?claimed=false&status=open&sort=due')).json();
      t.notOk(
        queue.some((k: { id: string }) => k.id === taskId),
        '部门待办 holds only unclaimed tasks',
      );
      t.equal((await call('wang', 'POST', `/api/tasks/${taskId}/release`)).statusCode, 200);
      t.equal((await call('wang', 'POST', `/api/tasks/${taskId}/release`)).statusCode, 409, 'not claimed');
      t.equal((await call('li', 'POST', `/api/tasks/${taskId}/claim`)).statusCode, 200, 'back in the queue');
      const view = (await call('admin', 'GET', `/api/cases/${caseId}`)).json();
      t.same(view.openTasks[0].claimedBy, { userId: 'u-li', name: '李强' });
      t.match(await verify(caseId), { ok: true, checkedCases: 1 });
    });

    await t.test('completing: the claimant, or the lead; someone else 409', async (t) => {
      const { caseId, taskId } = await review();
      await call('wang', 'POST', `/api/tasks/${taskId}/claim`);
      const refused = await call('li', 'POST', `/api/tasks/${taskId}/complete`, {
        variables: { complete: true },
      });
      t.equal(refused.statusCode, 409, 'claimed by someone else');
      t.match(refused.json().detail, /已由 王芳（u-wang）认领/);
      const done = await call('zhao', 'POST', `/api/tasks/${taskId}/complete`, {
        variables: { complete: true },
      });
      t.equal(done.statusCode, 200, `the lead may: ${done.body}`);
      const step = done.json().timeline.find((s: { id: string }) => s.id === taskId);
      t.same(step.handler, { userId: 'u-zhao', name: '赵科长' }, 'the handler is who completed it');
      const issue = done.json().openTasks[0];
      const unclaimed = await call('chen', 'POST', `/api/tasks/${issue.id}/complete`, {});
      t.equal(unclaimed.statusCode, 200, 'an unclaimed task completed by a member');
      const listed = (await call('admin', 'GET', `/api/tasks?caseId=${caseId}`)).json();
      const issueRow = listed.find((k: { id: string }) => k.id === issue.id);
      t.same(issueRow.claimedBy, { userId: 'u-chen', name: '陈警官' }, 'claimed for them in the same write');
      t.same(issueRow.handler, { userId: 'u-chen', name: '陈警官' });
      const events = (await call('auditor', 'GET', `/api/cases/${caseId}/events`)).json();
      const completions = (Array.isArray(events) ? events : events.events).filter(
        (e: { type: string }) => e.type === 'taskCompleted',
      );
      t.same(
        completions.map((e: { payload: { handler: unknown } }) => e.payload.handler),
        [
          { userId: 'u-zhao', name: '赵科长' },
          { userId: 'u-chen', name: '陈警官' },
        ],
        'the audit log names each handler',
      );
      t.match(await verify(caseId), { ok: true });
      t.equal(
        (await call('wang', 'POST', `/api/tasks/${taskId}/claim`)).statusCode,
        409,
        'claiming a completed task',
      );
    });

    await t.test(
      'handlers in the event logs: XES org:resource and the CSV, read back by the import',
      async (t) => {
        // personal data: left out unless asked
        const plain = await call('auditor', 'GET', '/api/processes/permit/versions/1/log.xes');
        t.equal(plain.statusCode, 200);
        t.notMatch(plain.body, /org:resource/, 'no handler in the XES unless asked');
        t.notMatch(
          (await call('auditor', 'GET', '/api/processes/permit/versions/1/log.csv')).body,
          /u-zhao|u-chen/,
          'nor in the CSV',
        );
        const xes = await call('auditor', 'GET', '/api/processes/permit/versions/1/log.xes?handlers=true');
        t.equal(xes.statusCode, 200);
        t.match(
          xes.body,
          /<string key="org:resource" value="u-zhao"\/>/,
          'the lead who completed the review',
        );
        t.match(
          xes.body,
          /<string key="org:resource" value="u-chen"\/>/,
          'the member who completed the issue',
        );
        const csv = (await call('auditor', 'GET', '/api/processes/permit/versions/1/log.csv?handlers=true'))
          .body;
        t.match(csv, /,审查,review,市场监管,complete,[^,]+,u-zhao\n/, 'the CSV names the handler');
        const v2 = permit.replace('name="许可（测试）"', 'name="许可（测试，导入）"');
        const deployed = await app.inject({
          method: 'POST',
          url: '/api/definitions',
          headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
          payload: v2,
        });
        t.equal(deployed.statusCode, 201, deployed.body);
        for (const [format, type] of [
          ['xes', 'application/xml'],
          ['csv', 'text/csv'],
        ] as const) {
          const log = (
            await call('auditor', 'GET', `/api/processes/permit/versions/1/log.${format}?handlers=true`)
          ).body;
          const imported = await app.inject({
            method: 'POST',
            url: '/api/processes/permit/versions/2/log',
            headers: { ...bearer(TOKENS.admin), 'content-type': type },
            payload: log,
          });
          t.equal(imported.statusCode, 200, imported.body);
        }
        const handlers = await app.reflow.db
          .selectFrom('steps')
          .select(['element_id', 'handler_id'])
          .where('version', '=', 2)
          .where('status', '=', 'completed')
          .orderBy('element_id')
          .execute();
        t.same(
          handlers.map((h) => `${h.element_id} ${h.handler_id}`),
          ['issue u-chen', 'issue u-chen', 'review u-zhao', 'review u-zhao'],
          'each imported step names its handler, from XES and from CSV',
        );
        const importedCase = await app.reflow.db
          .selectFrom('cases')
          .select('id')
          .where('version', '=', 2)
          .executeTakeFirstOrThrow();
        const view = (await call('auditor', 'GET', `/api/cases/${importedCase.id}`)).json();
        t.same(
          view.timeline
            .filter((s: { status: string }) => s.status === 'completed')
            .map((s: { elementId: string; handler: unknown }) => [s.elementId, s.handler]),
          [
            ['review', { userId: 'u-zhao', name: 'u-zhao' }],
            ['issue', { userId: 'u-chen', name: 'u-chen' }],
          ],
          "an imported case's timeline names each step's handler (经办人)",
        );
      },
    );

    await t.test('assign and transfer: the lead or an admin, with a reason', async (t) => {
      const { caseId, taskId } = await review();
      t.equal(
        (await call('wang', 'POST', `/api/tasks/${taskId}/assign`, { userId: 'u-li' })).statusCode,
        403,
      );
      t.equal(
        (await call('chen', 'POST', `/api/tasks/${taskId}/assign`, { userId: 'u-li' })).statusCode,
        403,
      );
      const assigned = await call('zhao', 'POST', `/api/tasks/${taskId}/assign`, { userId: 'u-li' });
      t.equal(assigned.statusCode, 200, assigned.body);
      t.same(assigned.json().claimedBy, { userId: 'u-li', name: '李强' }, 'the name from the tokens file');
      t.equal(
        (await call('zhao', 'POST', `/api/tasks/${taskId}/transfer`, { department: '公安' })).statusCode,
        400,
        'a transfer needs a reason',
      );
      t.equal(
        (await call('zhao', 'POST', `/api/tasks/${taskId}/transfer`, { reason: '无去向' })).statusCode,
        400,
        'and where to',
      );
      t.equal(
        (
          await call('li', 'POST', `/api/tasks/${taskId}/transfer`, {
            department: '公安',
            reason: '属公安职责',
          })
        ).statusCode,
        403,
        'a member may not transfer',
      );
      const moved = await call('zhao', 'POST', `/api/tasks/${taskId}/transfer`, {
        department: '公安',
        reason: '属公安职责',
      });
      t.equal(moved.statusCode, 200, moved.body);
      t.match(moved.json(), { department: '公安', claimedBy: null, transfers: 1 });
      t.equal(
        (await call('li', 'POST', `/api/tasks/${taskId}/complete`, { variables: { complete: true } }))
          .statusCode,
        403,
        'no longer 市场监管’s',
      );
      const done = await call('chen', 'POST', `/api/tasks/${taskId}/complete`, {
        variables: { complete: true },
      });
      t.equal(done.statusCode, 200, done.body);
      const step = done.json().timeline.find((s: { id: string }) => s.id === taskId);
      t.equal(step.department, '公安', 'the step completed in its new department');
      t.same(step.handler, { userId: 'u-chen', name: '陈警官' });
      t.equal(
        (await call('admin', 'POST', `/api/tasks/${taskId}/transfer`, { department: '税务', reason: '再转' }))
          .statusCode,
        409,
        'transferring a completed task',
      );
      t.match(await verify(caseId), { ok: true });
    });

    await t.test(
      'gov:candidates (FEEL allowed) restricts who may claim; a bad expression is a 422 at deploy',
      async (t) => {
        const deploy = (xml: string) =>
          app.inject({
            method: 'POST',
            url: '/api/definitions',
            headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
            payload: xml,
          });
        const withCandidates = (value: string) =>
          permit
            .replace('id="permit" name="许可（测试）"', 'id="permit_c" name="许可（候选人）"')
            .replace(
              'gov:department="市场监管" gov:timeLimit="2"',
              `gov:department="市场监管" gov:timeLimit="2" gov:candidates="${value}"`,
            );
        t.equal(
          (
            await deploy(
              withCandidates(
                '=if applicant = &quot;要人&quot; then [&quot;u-zhao&quot;] else &quot;u-wang 公安&quot;',
              ),
            )
          ).statusCode,
          201,
        );
        const start = async (applicant: string) =>
          (
            await call('intake', 'POST', '/api/cases', { process: 'permit_c', variables: { applicant } })
          ).json().openTasks[0].id as string;
        const plain = await start('张三');
        const refused = await call('li', 'POST', `/api/tasks/${plain}/claim`);
        t.equal(refused.statusCode, 403, 'li is no candidate');
        t.match(refused.json().detail, /只能由其候选人认领（u-wang、公安）/);
        t.equal((await call('wang', 'POST', `/api/tasks/${plain}/claim`)).statusCode, 200, 'wang is');
        const special = await start('要人');
        t.equal(
          (await call('wang', 'POST', `/api/tasks/${special}/claim`)).statusCode,
          403,
          'the expression decides',
        );
        t.equal((await call('zhao', 'POST', `/api/tasks/${special}/claim`)).statusCode, 200);
        const bad = await deploy(withCandidates('=if then').replace('permit_c', 'permit_bad'));
        t.equal(bad.statusCode, 422, 'a FEEL syntax error is refused at deploy');
        t.match(bad.body, /gov:candidates/);
      },
    );

    await t.test('concurrent claims of one task: exactly one wins', async (t) => {
      for (let round = 0; round < 3; round++) {
        const { caseId, taskId } = await review();
        const answers = await Promise.all(
          (['wang', 'li', 'zhao', 'wang', 'li', 'zhao'] as const).map((who, i) =>
            // the same person twice: one of theirs may answer 200 "already yours", but never two people
            call(i < 3 ? who : who, 'POST', `/api/tasks/${taskId}/claim`),
          ),
        );
        const winners = new Set(
          answers.filter((a) => a.statusCode === 200).map((a) => a.json().claimedBy.userId as string),
        );
        t.equal(winners.size, 1, `round ${round}: one person holds it (${[...winners]})`);
        t.ok(
          answers.every((a) => a.statusCode === 200 || a.statusCode === 409),
          'the others get 409',
        );
        t.match(await verify(caseId), { ok: true });
      }
    });
  });
}
