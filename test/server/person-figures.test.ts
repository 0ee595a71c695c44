// Figures per person on a generated log: cases whose steps random members of 市场监管 (and 公安) claim, get
// assigned, transferred and complete after random working time, some rated well or badly; GET
// /api/metrics/people equals an independent recomputation from the timelines and ratings the API shows.
// A bad rating of a step credits that step's handler and department, and its rectification names the handler.
// A member sees their own figures, a lead their department's, an auditor everyone's.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseTokens } from '../../server/auth/tokens.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { openPglite } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');
const rectification = readFileSync(
  new URL('../../processes/rating-rectification.bpmn', import.meta.url),
  'utf8',
);
const MEMBERS = [
  { token: 'person-wang-0001', userId: 'u-wang', name: '王芳', department: '市场监管' },
  { token: 'person-li-000001', userId: 'u-li', name: '李强', department: '市场监管' },
  { token: 'person-zhao-0001', userId: 'u-zhao', name: '赵科长', department: '市场监管', lead: true },
  { token: 'person-chen-0001', userId: 'u-chen', name: '陈警官', department: '公安' },
  { token: 'person-sun-00001', userId: 'u-sun', name: '孙警官', department: '公安' },
];
const people = parseTokens(JSON.stringify(MEMBERS.map((m) => ({ ...m, role: 'department' }))), 'people');
const byId = new Map(MEMBERS.map((m) => [m.userId, m]));

/** A fixed pseudo-random sequence: the same log every run. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

t.test('per-person figures equal an independent recomputation on a generated log', async (t) => {
  const built = await buildTestApp(await openPglite(), { people });
  t.teardown(built.close);
  const { app, clock } = built;
  const as = async (token: string, method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  for (const xml of [permit, rectification])
    await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: xml,
    });
  const next = random(7);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
  const market = MEMBERS.filter((m) => m.department === '市场监管');
  const police = MEMBERS.filter((m) => m.department === '公安');
  const caseIds: string[] = [];
  const openHeld: string[] = []; // the holder of each task left open
  const transfersFrom = new Map<string, number>();
  for (let i = 0; i < 40; i++) {
    const started = await as(TOKENS.intake, 'POST', '/api/cases', {
      process: 'permit',
      variables: { applicant: `申请人${i}` },
    });
    caseIds.push(started.id);
    const review = started.openTasks[0].id;
    const member = pick(market);
    const how = next();
    if (how < 0.5) await as(member.token, 'POST', `/api/tasks/${review}/claim`);
    else if (how < 0.7)
      await as('person-zhao-0001', 'POST', `/api/tasks/${review}/assign`, { userId: member.userId });
    clock.now += Math.floor(next() * 4 * 24) * 3_600_000; // up to four days, by the hour
    if (i % 10 === 9) {
      // left open with whoever holds it
      if (how < 0.7) openHeld.push(member.userId);
      continue;
    }
    if (i % 13 === 5 && how < 0.7) {
      // the lead transfers it to another member, who completes it
      const other = market.find((m) => m.userId !== member.userId)!;
      await as('person-zhao-0001', 'POST', `/api/tasks/${review}/transfer`, {
        userId: other.userId,
        reason: '调整分工',
      });
      transfersFrom.set(member.userId, (transfersFrom.get(member.userId) ?? 0) + 1);
      await as(other.token, 'POST', `/api/tasks/${review}/complete`, { variables: { complete: true } });
    } else {
      const completer = how < 0.7 ? member : pick(market);
      await as(completer.token, 'POST', `/api/tasks/${review}/complete`, { variables: { complete: true } });
    }
    const view = await as(TOKENS.admin, 'GET', `/api/cases/${started.id}`);
    const issue = view.openTasks[0].id;
    clock.now += Math.floor(next() * 3 * 24) * 3_600_000;
    await as(pick(police).token, 'POST', `/api/tasks/${issue}/complete`, {});
    const level = 1 + Math.floor(next() * 5);
    await as(TOKENS.intake, 'POST', `/api/cases/${started.id}/ratings`, { level, elementId: 'review' });
  }

  // the independent recomputation: from the timelines and ratings the API shows
  const expected = new Map<string, Record<string, number | null | string>>();
  const row = (userId: string) => {
    let r = expected.get(userId);
    if (!r) {
      r = { userId, openTasks: 0, completedTasks: 0, transfers: transfersFrom.get(userId) ?? 0 };
      expected.set(userId, r);
    }
    return r;
  };
  for (const id of openHeld) (row(id).openTasks as number)++;
  const days = new Map<string, number[]>();
  const limited = new Map<string, [number, number]>();
  const rated = new Map<string, number[]>();
  for (const caseId of caseIds) {
    const view = await as(TOKENS.admin, 'GET', `/api/cases/${caseId}`);
    for (const step of view.timeline) {
      if (!step.handler || step.status !== 'completed') continue;
      const r = row(step.handler.userId);
      (r.completedTasks as number)++;
      days.set(step.handler.userId, [...(days.get(step.handler.userId) ?? []), step.workingDays]);
      if (step.elementId === 'review') {
        const [on, all] = limited.get(step.handler.userId) ?? [0, 0];
        limited.set(step.handler.userId, [on + (step.workingDays <= 2 ? 1 : 0), all + 1]);
      }
    }
    for (const rating of await as(TOKENS.auditor, 'GET', `/api/cases/${caseId}/ratings`)) {
      const handler = view.timeline.find((s: { elementId: string }) => s.elementId === 'review').handler;
      t.same(rating.handler, handler, 'the rating credits the rated step’s handler');
      t.equal(rating.department, '市场监管', 'and its department');
      rated.set(handler.userId, [...(rated.get(handler.userId) ?? []), rating.level]);
      if (rating.level <= 2) {
        const loop = await as(TOKENS.admin, 'GET', `/api/cases/${rating.rectificationCaseId}`);
        t.equal(loop.variables.handlerName, handler.name, 'the rectification names the handler');
      }
    }
  }
  for (const [userId, r] of expected) {
    const list = [...(days.get(userId) ?? [])].sort((a, b) => a - b);
    r.meanStepWorkingDays = list.length ? list.reduce((a, b) => a + b, 0) / list.length : null;
    const rank = 0.9 * (list.length - 1);
    r.p90StepWorkingDays = list.length
      ? list[Math.floor(rank)] + (rank - Math.floor(rank)) * (list[Math.ceil(rank)] - list[Math.floor(rank)])
      : null;
    const [on, all] = limited.get(userId) ?? [0, 0];
    r.stepsWithLimit = all;
    r.stepOnTimeRate = all ? on / all : null;
    // no warning scheduler runs here: no cards (test/server/warning-figures.test.ts counts them)
    r.warnedSteps = 0;
    r.redCardSteps = 0;
    r.stepWarningRate = all ? 0 : null;
    r.stepRedCardRate = all ? 0 : null;
    const levels = rated.get(userId) ?? [];
    r.ratings = levels.length;
    r.satisfaction = levels.length ? levels.filter((l) => l >= 4).length / levels.length : null;
    r.badRatings = levels.filter((l) => l <= 2).length;
    r.rectified = 0;
    r.rectifiedOnTime = 0;
  }

  const answer = await as(TOKENS.auditor, 'GET', '/api/metrics/people');
  t.same(answer.figures.map((f: { key: string }) => f.key).sort(), [
    'badRatings',
    'completedTasks',
    'meanStepWorkingDays',
    'openTasks',
    'p90StepWorkingDays',
    'rectified',
    'rectifiedOnTime',
    'redCardSteps',
    'satisfaction',
    'stepOnTimeRate',
    'stepRedCardRate',
    'stepWarningRate',
    'stepsWithLimit',
    'transfers',
    'warnedSteps',
  ]);
  t.equal(answer.people.length, expected.size, 'everyone who held or handled a task');
  for (const got of answer.people) {
    const want = expected.get(got.userId)!;
    t.ok(want, `${got.userId} is expected`);
    t.equal(got.name, byId.get(got.userId)?.name, `${got.userId}: the name`);
    for (const [key, value] of Object.entries(want)) {
      if (typeof value === 'number' && !Number.isInteger(value))
        t.ok(Math.abs((got[key] as number) - value) < 1e-9, `${got.userId} ${key}: ${got[key]} ≈ ${value}`);
      else t.equal(got[key], value, `${got.userId} ${key}`);
    }
    t.notOk('phone' in got || 'idNumber' in got, 'no phone or ID number');
  }
  t.ok(
    answer.people.some((p: { badRatings: number }) => p.badRatings > 0),
    'the generated log has bad ratings',
  );

  // who sees what
  const own = await as('person-wang-0001', 'GET', '/api/metrics/people');
  t.same(
    own.people.map((p: { userId: string }) => p.userId),
    ['u-wang'],
    'a member: their own',
  );
  const refused = await app.inject({
    method: 'GET',
    url: '/api/metrics/people?userId=u-li',
    headers: bearer('person-wang-0001'),
  });
  t.equal(refused.statusCode, 403, "a member may not read another's figures");
  const team = await as('person-zhao-0001', 'GET', '/api/metrics/people');
  t.same(
    team.people.map((p: { userId: string }) => p.userId).sort(),
    ['u-li', 'u-wang', 'u-zhao'].filter((u) => expected.has(u)),
    'a lead: their department',
  );
  const other = await app.inject({
    method: 'GET',
    url: `/api/metrics/people?department=${encodeURIComponent('公安')}`,
    headers: bearer('person-zhao-0001'),
  });
  t.equal(other.statusCode, 403, "a lead may not read another department's");
});
