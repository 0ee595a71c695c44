// 谁办理、谁负责 on each database: a case whose steps three departments did, rated on each step and as a whole;
// each rating counts for the department that did the rated step, a whole-case rating (and a default one) for
// the department of the case's intake step — in the version's rating figures, its metrics and its report.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const three = readFileSync(new URL('./fixtures/three-departments.bpmn', import.meta.url), 'utf8');
const rectification = readFileSync(
  new URL('../../processes/rating-rectification.bpmn', import.meta.url),
  'utf8',
);
const DAY = 86_400_000;

for (const database of testDatabases()) {
  t.test(`ratings by department (${database.name})`, async (t) => {
    const { app, clock, close } = await buildTestApp(await database.open());
    t.teardown(close);
    for (const xml of [three, rectification]) {
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
    /** A case through 受理 (政务服务中心), 审查 (市场监管) and 税务登记 (税务). */
    const finishedCase = async () => {
      const id = (await post('/api/cases', TOKENS.intake, { process: 'three_departments' })).json().id;
      for (const token of [TOKENS.centre, TOKENS.market, TOKENS.tax]) {
        const [task] = await get(`/api/tasks?caseId=${id}&status=open`, token);
        t.ok(task, 'an open task for the next department');
        const done = await post(`/api/tasks/${task.id}/complete`, token);
        t.equal(done.statusCode, 200, done.body);
      }
      t.equal((await get(`/api/cases/${id}`, TOKENS.auditor)).status, 'completed');
      return id;
    };

    // given a case rated on each of its three steps and as a whole, one channel each
    const rated = await finishedCase();
    const rate = async (body: object) => {
      const r = await post(`/api/cases/${rated}/ratings`, TOKENS.intake, body);
      t.equal(r.statusCode, 201, r.body);
      return r.json();
    };
    const onAccept = await rate({ level: 5, elementId: 'accept', channel: 'window' });
    const onReview = await rate({ level: 2, elementId: 'review', channel: 'online' });
    const onRegister = await rate({ level: 4, elementId: 'register', channel: 'app' });
    const whole = await rate({ level: 1, channel: 'sms' });
    // then each names the department that did the rated step; the whole-case one the intake step's
    t.equal(onAccept.department, '政务服务中心');
    t.equal(onReview.department, '市场监管');
    t.equal(onRegister.department, '税务');
    t.equal(whole.department, '政务服务中心', "a whole-case rating counts for the intake step's department");
    // and each bad rating's rectification goes to that department
    const loopOf = async (rating: { rectificationCaseId: string }) =>
      (await get(`/api/cases/${rating.rectificationCaseId}`, TOKENS.auditor)).variables.department;
    t.equal(await loopOf(onReview), '市场监管');
    t.equal(await loopOf(whole), '政务服务中心');

    // given a second case nobody rates, when eight days pass, its default rating counts for the intake step's
    const unrated = await finishedCase();
    clock.now += 8 * DAY;
    t.equal(await app.ratings.applyDefaults(), 1);
    t.match(await get(`/api/cases/${unrated}/ratings`, TOKENS.auditor), [
      { defaulted: true, department: '政务服务中心' },
    ]);

    // then the version's figures per department are exactly these
    const figures = await get('/api/processes/three_departments/versions/1/ratings', TOKENS.auditor);
    const of = (name: string) =>
      figures.departments.find((d: { department: string }) => d.department === name);
    t.same(
      figures.departments.map((d: { department: string }) => d.department).sort(),
      ['市场监管', '政务服务中心', '税务'].sort(),
    );
    t.match(of('政务服务中心'), { ratings: 2, satisfaction: 0.5, badRatings: 1, defaulted: 1 });
    t.match(of('市场监管'), { ratings: 1, satisfaction: 0, badRatings: 1, defaulted: 0 });
    t.match(of('税务'), { ratings: 1, satisfaction: 1, badRatings: 0, defaulted: 0 });
    t.match(figures.total, { ratings: 4, satisfaction: 0.5, badRatings: 2, defaulted: 1 });
    // and the metrics and the report carry the same table
    const metrics = await get('/api/processes/three_departments/versions/1/metrics', TOKENS.auditor);
    t.same(
      metrics.dynamic.ratingsByDepartment.map((d: { department: string; ratings: number }) => [
        d.department,
        d.ratings,
      ]),
      figures.departments.map((d: { department: string; ratings: number }) => [d.department, d.ratings]),
    );
    const report = await app.inject({
      method: 'GET',
      url: '/api/processes/three_departments/report?from=1&to=1&lang=zh',
      headers: bearer(TOKENS.auditor),
    });
    t.equal(report.statusCode, 200, report.body.slice(0, 300));
    for (const department of ['政务服务中心', '市场监管', '税务'])
      t.match(report.body, new RegExp(`好差评与整改闭环[\\s\\S]*${department}`), department);
  });
}
