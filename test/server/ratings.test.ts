// 好差评 through the API on each database: ratings, the rectification loop (受理-核实-整改-反馈-回访) with overdue
// escalation (督办) and appeal (申诉复核), default ratings, and the loop's figures per department.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');
const rectification = readFileSync(
  new URL('../../processes/rating-rectification.bpmn', import.meta.url),
  'utf8',
);
const DAY = 86_400_000;

for (const database of testDatabases()) {
  t.test(`the rating loop (${database.name})`, async (t) => {
    const { app, clock, scheduler, close } = await buildTestApp(await database.open());
    t.teardown(close);
    for (const xml of [permit, rectification]) {
      const deployed = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: xml,
      });
      t.equal(deployed.statusCode, 201, deployed.body);
    }
    const post = (url: string, token: string, payload: unknown = {}) =>
      app.inject({ method: 'POST', url, headers: bearer(token), payload: payload as object });
    const get = async (url: string, token: string) =>
      (await app.inject({ method: 'GET', url, headers: bearer(token) })).json();
    const openTask = async (caseId: string, token: string, elementId?: string) => {
      const tasks = await get(`/api/tasks?caseId=${caseId}&status=open`, token);
      return elementId ? tasks.find((x: { elementId: string }) => x.elementId === elementId) : tasks[0];
    };
    /** A permit case reviewed by 市场监管; `issue` by 公安 left open unless `finish`. */
    const permitCase = async (finish: boolean) => {
      const id = (
        await post('/api/cases', TOKENS.intake, { process: 'permit', variables: { applicant: '赵六' } })
      ).json().id;
      await post(`/api/tasks/${(await openTask(id, TOKENS.market)).id}/complete`, TOKENS.market, {
        variables: { complete: true },
      });
      if (finish) await post(`/api/tasks/${(await openTask(id, TOKENS.police)).id}/complete`, TOKENS.police);
      return id;
    };

    t.test('what may be rated, and only once per channel', async (t) => {
      // given a case whose review is done and whose issue is not
      const caseId = await permitCase(false);
      // then the case as a whole cannot be rated yet, nor a step not done, nor an unknown step
      t.equal((await post(`/api/cases/${caseId}/ratings`, TOKENS.intake, { level: 4 })).statusCode, 409);
      t.equal(
        (await post(`/api/cases/${caseId}/ratings`, TOKENS.intake, { level: 4, elementId: 'issue' }))
          .statusCode,
        409,
      );
      t.equal(
        (await post(`/api/cases/${caseId}/ratings`, TOKENS.intake, { level: 4, elementId: 'nope' }))
          .statusCode,
        400,
      );
      t.equal((await post(`/api/cases/${caseId}/ratings`, TOKENS.intake, { level: 6 })).statusCode, 400);
      t.equal((await post(`/api/cases/${caseId}/ratings`, TOKENS.auditor, { level: 4 })).statusCode, 403);
      t.equal((await post('/api/cases/nope/ratings', TOKENS.intake, { level: 4 })).statusCode, 404);
      // when its done step is rated at the window
      const rated = await post(`/api/cases/${caseId}/ratings`, TOKENS.intake, {
        level: 4,
        elementId: 'review',
        channel: 'window',
      });
      // then the rating names the department that did it; a second one on that channel is refused
      t.equal(rated.statusCode, 201, rated.body);
      t.match(rated.json(), {
        level: 4,
        levelName: '满意',
        department: '市场监管',
        rectificationCaseId: null,
        defaulted: false,
      });
      t.equal(
        (
          await post(`/api/cases/${caseId}/ratings`, TOKENS.intake, {
            level: 2,
            elementId: 'review',
            channel: 'window',
          })
        ).statusCode,
        409,
      );
      t.equal((await get(`/api/cases/${caseId}/ratings`, TOKENS.auditor)).length, 1);
    });

    t.test('a bad rating is rectified, escalated when overdue, answered and called back', async (t) => {
      // given a bad rating of the review
      const caseId = await permitCase(true);
      const bad = (
        await post(`/api/cases/${caseId}/ratings`, TOKENS.intake, {
          level: 2,
          elementId: 'review',
          comment: '材料要求不清楚',
        })
      ).json();
      t.match(bad, { department: '市场监管', deadlineDays: 5 });
      const loop = bad.rectificationCaseId;
      t.ok(loop, 'the rectification case started');
      const loopCase = await get(`/api/cases/${loop}`, TOKENS.auditor);
      t.match(loopCase.variables, { department: '市场监管', ratedCaseId: caseId, level: 2, deadlineDays: 5 });
      // when the centre accepts it and the department finds it justified
      await post(`/api/tasks/${(await openTask(loop, TOKENS.centre)).id}/complete`, TOKENS.centre);
      await post(`/api/tasks/${(await openTask(loop, TOKENS.market)).id}/complete`, TOKENS.market, {
        variables: { ratingMistaken: false },
      });
      const rectify = await openTask(loop, TOKENS.market);
      t.equal(rectify.elementId, 'rectify');
      // and six working days pass without rectification
      clock.now = getDefaultCalendar().addWorkingDays(clock.now, 6);
      t.equal(await scheduler.tick(), 1, 'the deadline timer fires');
      // then 督办 is open beside the rectification, which goes on
      t.same(
        (await get(`/api/tasks?caseId=${loop}&status=open`, TOKENS.admin))
          .map((x: { elementId: string }) => x.elementId)
          .sort(),
        ['rectify', 'supervise'],
      );
      await post(`/api/tasks/${rectify.id}/complete`, TOKENS.market);
      await post(`/api/tasks/${(await openTask(loop, TOKENS.market)).id}/complete`, TOKENS.market); // 反馈
      const callBack = await openTask(loop, TOKENS.centre, 'call_back');
      t.ok(callBack, 'the centre calls back');
      await post(`/api/tasks/${callBack.id}/complete`, TOKENS.centre);
      const supervise = (await get(`/api/tasks?caseId=${loop}&status=open`, TOKENS.admin))[0];
      const done = (await post(`/api/tasks/${supervise.id}/complete`, TOKENS.admin)).json();
      t.equal(done.status, 'completed');
    });

    t.test('an appeal upheld ends the loop without rectification', async (t) => {
      const caseId = await permitCase(true);
      const bad = (
        await post(`/api/cases/${caseId}/ratings`, TOKENS.intake, {
          level: 1,
          elementId: 'review',
          channel: 'sms',
        })
      ).json();
      const loop = bad.rectificationCaseId;
      await post(`/api/tasks/${(await openTask(loop, TOKENS.centre)).id}/complete`, TOKENS.centre);
      await post(`/api/tasks/${(await openTask(loop, TOKENS.market)).id}/complete`, TOKENS.market, {
        variables: { ratingMistaken: true },
      });
      const appeal = await openTask(loop, TOKENS.centre);
      t.equal(appeal.elementId, 'appeal_review');
      const ended = (
        await post(`/api/tasks/${appeal.id}/complete`, TOKENS.centre, { variables: { appealUpheld: true } })
      ).json();
      t.equal(ended.status, 'completed');
      t.notOk(
        ended.timeline.some((s: { elementId: string }) => s.elementId === 'rectify'),
        'nothing rectified',
      );
    });

    t.test('unrated cases get the default rating, apart from real ones; the figures', async (t) => {
      // given a good rating of a whole case, and a case nobody rates
      const praised = await permitCase(true);
      t.equal(
        (await post(`/api/cases/${praised}/ratings`, TOKENS.intake, { level: 5 })).json().department,
        '市场监管',
        "a whole-case rating counts for the intake step's department",
      );
      const unrated = await permitCase(true);
      // when eight days pass
      clock.now += 8 * DAY;
      t.ok((await app.ratings.applyDefaults()) >= 1);
      t.equal(await app.ratings.applyDefaults(), 0, 'idempotent');
      // then the unrated case is rated 基本满意 by default
      t.match(await get(`/api/cases/${unrated}/ratings`, TOKENS.auditor), [
        { level: 3, channel: 'default', defaulted: true, department: '市场监管' },
      ]);
      // and the loop's figures count real ratings only:
      // real: 4 (review, window), 2 (review), 1 (review, appeal upheld), 5 (whole case: 市场监管, the intake
      // step's) → satisfaction 2/4; bad 2;
      // the level-2 one was rectified after 6 working days (> 5: not on time) and called back
      const figures = await get('/api/processes/permit/versions/1/ratings', TOKENS.auditor);
      t.match(figures.total, {
        ratings: 4,
        satisfaction: 0.5,
        badRatings: 2,
        rectified: 1,
        rectifiedOnTime: 0,
        calledBack: 1,
        appealsUpheld: 1,
        open: 0,
      });
      t.ok(figures.total.defaulted >= 1);
      const market = figures.departments.find((d: { department: string }) => d.department === '市场监管');
      t.match(market, { ratings: 4, satisfaction: 0.5, badRatings: 2, rectified: 1 });
      t.notOk(
        figures.departments.find((d: { department: string }) => d.department === '公安'),
        '公安 did no rated step',
      );
      t.equal(
        (
          await app.inject({
            method: 'GET',
            url: '/api/processes/permit/versions/1/ratings',
            headers: bearer(TOKENS.market),
          })
        ).statusCode,
        403,
      );
      // and the version's metrics and report carry the loop
      const metrics = await get('/api/processes/permit/versions/1/metrics', TOKENS.auditor);
      t.match(metrics.dynamic, {
        satisfaction: 0.5,
        badRatings: 2,
        rectified: 1,
        rectifiedOnTime: 0,
        calledBack: 1,
        appealsUpheld: 1,
      });
      t.ok(metrics.dynamic.defaultedRatings >= 1);
      t.same(
        metrics.dynamic.ratingsByDepartment.map((d: { department: string }) => d.department),
        ['市场监管'],
      );
      const report = await app.inject({
        method: 'GET',
        url: '/api/processes/permit/report?from=1&to=1&lang=zh',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(report.statusCode, 200, report.body.slice(0, 300));
      t.match(report.body, /好差评与整改闭环[\s\S]*市场监管/);
    });
  });
}
