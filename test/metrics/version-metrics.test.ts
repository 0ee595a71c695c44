// Dynamic metrics and the comparison through the API, on engine-run cases whose figures are worked out below by
// hand; the rollups kept at commit equal a rebuild from the rows.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { BUCKET_MS } from '../../engine/metrics/dynamic-metrics.js';
import { figureDefinition } from '../../engine/metrics/figures.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/permit.bpmn', import.meta.url), 'utf8');
const xml = (token: string) => ({ ...bearer(token), 'content-type': 'application/xml' });
const H = 3_600_000;
/** Beijing wall-clock time as epoch ms (UTC+8). */
const bj = (date: string, hour: number) => Date.parse(`${date}T00:00:00Z`) + (hour - 8) * H;
const close = (t: Test, actual: number | null, expected: number, what: string) =>
  t.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≈ ${expected}`);

for (const database of testDatabases()) {
  t.test(`version metrics and compare (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, clock, close: shut } = await buildTestApp(opened, { now: bj('2026-01-05', 9) });
    t.teardown(shut);
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/api/definitions',
          headers: xml(TOKENS.designer),
          payload: permit,
        })
      ).statusCode,
      201,
    );
    const at = (ms: number) => {
      clock.now = ms;
    };
    const open = async (caseId: string) =>
      (
        await app.inject({
          method: 'GET',
          url: `/api/tasks?caseId=${caseId}&status=open`,
          headers: bearer(TOKENS.admin),
        })
      ).json()[0];
    const complete = async (caseId: string, variables: Record<string, unknown> = {}) => {
      const task = await open(caseId);
      const res = await app.inject({
        method: 'POST',
        url: `/api/tasks/${task.id}/complete`,
        headers: bearer(TOKENS.admin),
        payload: { variables },
      });
      t.equal(res.statusCode, 200, res.body);
      return task.elementId as string;
    };
    const start = async (channel: string) =>
      (
        await app.inject({
          method: 'POST',
          url: '/api/cases',
          headers: bearer(TOKENS.intake),
          payload: { process: 'permit', variables: { applicant: 'A' }, channel },
        })
      ).json().id as string;

    // Case 1, week of 2026-01-05 (working hours 09–12, 13–17: 7 h a day): started at a window Mon 09:00 (1 trip);
    // review done Thu 10:00 = 7+7+7+1 = 22 h, over its 2-day (14 h) limit: a breach; issue (in person: a trip)
    // Thu 10:00→12:00 = 2 h. Case: 24 h = 3.428571 days, on time (limit 5 days), first time, 2 trips.
    const c1 = await start('window');
    at(bj('2026-01-08', 10));
    t.equal(await complete(c1, { complete: true }), 'review');
    at(bj('2026-01-08', 12));
    t.equal(await complete(c1), 'issue');
    // Case 2, Mon 2026-01-12 09:00 online (0 trips): review Mon 09→10 (1 h) finds materials missing; the 补正
    // request is done at once (a correction: not first time); waiting for materials (pauses the clock) Mon 10:00 →
    // Tue 10:00 = 2+4+1 = 7 h; review again Tue 10→11 (1 h); issue Tue 11→15 = 1+2 = 3 h (a trip).
    // Case: Mon 09:00→Tue 15:00 = 7+5 = 12 h minus the 7 h pause = 5 h = 0.714286 days; 1 trip.
    at(bj('2026-01-12', 9));
    const c2 = await start('online');
    at(bj('2026-01-12', 10));
    t.equal(await complete(c2, { complete: false }), 'review');
    t.equal(await complete(c2), 'ask');
    at(bj('2026-01-13', 10));
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: `/api/cases/${c2}/messages`,
          headers: bearer(TOKENS.intake),
          payload: { name: 'materials-supplemented' },
        })
      ).statusCode,
      200,
    );
    at(bj('2026-01-13', 11));
    t.equal(await complete(c2, { complete: true }), 'review');
    at(bj('2026-01-13', 15));
    t.equal(await complete(c2), 'issue');
    // Case 3 stays open: counted in `cases`, in nothing else.
    at(bj('2026-01-14', 9));
    await start('online');

    t.test('every dynamic figure', async (t) => {
      const res = await app.inject({
        method: 'GET',
        url: '/api/processes/permit/versions/1/metrics',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(res.statusCode, 200, res.body);
      const { static: figures, dynamic: d } = res.json();
      t.match(figures, { steps: 3, timeLimitDays: 5, trips: 1 });
      t.equal(d.cases, 3);
      t.equal(d.completed, 2);
      // durations 24 h and 5 h: mean = median = 14.5 h; p90 = 5 + 0.9 × (24 − 5) = 22.1 h
      close(t, d.meanWorkingDays, 14.5 / 7, 'mean');
      close(t, d.medianWorkingDays, 14.5 / 7, 'median');
      close(t, d.p90WorkingDays, 22.1 / 7, 'p90');
      t.equal(d.meanTrips, 1.5, 'trips (2 + 1) / 2');
      t.equal(d.firstTimeRate, 0.5, 'case 2 reached the correction');
      t.equal(d.onTimeRate, 1, 'both within 5 working days');
      t.equal(d.satisfaction, null, 'no ratings table yet');
      t.equal(d.badRatings, 0);
      const step = (id: string) => d.steps.find((s: { elementId: string }) => s.elementId === id);
      // review: 22 h, 1 h, 1 h → mean 8 h; p90 rank 1.8 → 1 + 0.8 × 21 = 17.8 h; one breach of the 2-day limit
      t.match(step('review'), { name: '审查', count: 3, breaches: 1 });
      close(t, step('review').meanWorkingDays, 8 / 7, 'review mean');
      close(t, step('review').p90WorkingDays, 17.8 / 7, 'review p90');
      // issue: 2 h, 3 h → mean 2.5 h, p90 2.9 h; no limit, no breach
      t.match(step('issue'), { count: 2, breaches: 0 });
      close(t, step('issue').meanWorkingDays, 2.5 / 7, 'issue mean');
      close(t, step('issue').p90WorkingDays, 2.9 / 7, 'issue p90');
      // the wait is a step of 7 working hours (a step's own time is not paused)
      t.match(step('wait_supplement'), { count: 1 });
      close(t, step('wait_supplement').meanWorkingDays, 1, 'wait');
      t.ok(
        d.steps.findIndex((s: { elementId: string }) => s.elementId === 'review') <
          d.steps.findIndex((s: { elementId: string }) => s.elementId === 'issue'),
        'steps in document order',
      );
      t.match(d.method, {
        percentiles: 'percentile_cont',
        maxErrorDays: 0,
        figures: {
          meanWorkingDays: { method: 'rollup', from: 2 },
          medianWorkingDays: { method: 'percentile_cont', from: 2 },
          cases: { from: 3 },
        },
      });
    });

    t.test('the rollups kept at commit equal a rebuild from the rows', async (t) => {
      const snapshot = async () =>
        (
          await sql<
            Record<string, unknown>
          >`SELECT (SELECT json_agg(x ORDER BY x::text) FROM (SELECT process_key, version, sum(completed)::int c, sum(sum_working_ms)::bigint w, sum(on_time)::int o, sum(first_time)::int f, sum(sum_trips)::int t FROM version_rollups GROUP BY 1, 2) x) v,
          (SELECT json_agg(x ORDER BY x::text) FROM (SELECT element_id, sum(count)::int n, sum(sum_working_ms)::bigint w, sum(breaches)::int b FROM step_rollups GROUP BY 1) x) s,
          (SELECT json_agg(x ORDER BY x::text) FROM (SELECT bucket, sum(cases)::int n FROM case_duration_buckets GROUP BY 1 HAVING sum(cases) > 0) x) h`.execute(
            opened.db,
          )
        ).rows[0];
      const kept = await snapshot();
      await sql`SELECT reflow_roll_up_version('permit', 1)`.execute(opened.db);
      t.same(await snapshot(), kept);
      t.equal(
        Number(
          (await sql<{ b: number }>`SELECT bucket_ms AS b FROM metric_settings`.execute(opened.db)).rows[0].b,
        ),
        BUCKET_MS,
      );
    });

    t.test('roles', async (t) => {
      for (const [role, metrics, compare] of [
        ['auditor', 200, 400],
        ['designer', 200, 403],
        ['admin', 200, 400],
        ['intake', 403, 403],
        ['market', 403, 403],
      ] as const) {
        t.equal(
          (
            await app.inject({
              method: 'GET',
              url: '/api/processes/permit/versions/1/metrics',
              headers: bearer(TOKENS[role]),
            })
          ).statusCode,
          metrics,
          `${role} metrics`,
        );
        t.equal(
          (
            await app.inject({
              method: 'GET',
              url: '/api/processes/permit/compare',
              headers: bearer(TOKENS[role]),
            })
          ).statusCode,
          compare,
          `${role} compare (one version only: 400)`,
        );
      }
      t.equal(
        (
          await app.inject({
            method: 'GET',
            url: '/api/processes/permit/versions/9/metrics',
            headers: bearer(TOKENS.auditor),
          })
        ).statusCode,
        404,
      );
      t.equal(
        (
          await app.inject({
            method: 'GET',
            url: '/api/processes/nope/compare',
            headers: bearer(TOKENS.auditor),
          })
        ).statusCode,
        404,
      );
    });

    t.test('compare: change of every figure, null percent', async (t) => {
      // version 2: the committed limit drops to 3 days, the in-person issue goes online; no cases yet
      const v2 = permit.replace('gov:timeLimit="5"', 'gov:timeLimit="3"').replace(' gov:inPerson="true"', '');
      t.equal(
        (
          await app.inject({
            method: 'POST',
            url: '/api/definitions',
            headers: xml(TOKENS.designer),
            payload: v2,
          })
        ).statusCode,
        201,
      );
      const res = await app.inject({
        method: 'GET',
        url: '/api/processes/permit/compare',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(res.statusCode, 200, res.body);
      const body = res.json();
      t.match(body, { from: 1, to: 2, before: { version: 1 }, after: { version: 2 } });
      // the catalogue drives the answer: every figure it returns is catalogued with both labels, and every
      // numeric figure of either version is returned
      for (const key of Object.keys(body.change)) {
        const definition = figureDefinition(key);
        t.ok(definition?.zh && definition.en, `${key}: catalogued with a Chinese and an English label`);
      }
      const numeric = (figures: Record<string, unknown>) =>
        Object.keys(figures).filter((k) => typeof figures[k] === 'number' || figures[k] === null);
      const figures = [body.before.static, body.after.static, body.before.dynamic, body.after.dynamic];
      t.same(
        Object.keys(body.change).sort(),
        [...new Set(figures.flatMap(numeric))].sort(),
        'every numeric figure of both versions is compared',
      );
      // each figure with its meaning from the catalogue (engine/metrics/figures.ts)
      const days = { unit: 'days', better: 'lower', changeKind: 'percent' };
      t.same(body.change.timeLimitDays, { before: 5, after: 3, delta: -2, percent: -40, ...days });
      t.same(body.change.trips, {
        before: 1,
        after: 0,
        delta: -1,
        percent: -100,
        unit: 'times',
        better: 'lower',
        changeKind: 'percent',
      });
      t.same(body.change.steps, {
        before: 3,
        after: 3,
        delta: 0,
        percent: 0,
        unit: 'items',
        better: 'lower',
        changeKind: 'percent',
      });
      t.same(body.change.cases, {
        before: 3,
        after: 0,
        delta: -3,
        percent: -100,
        unit: 'cases',
        better: 'neither',
        changeKind: 'percent',
      });
      t.same(
        body.change.meanWorkingDays,
        { before: 14.5 / 7, after: null, delta: null, percent: null, ...days },
        'no completed case after: null',
      );
      t.same(
        body.change.badRatings,
        {
          before: 0,
          after: 0,
          delta: 0,
          percent: null,
          unit: 'ratings',
          better: 'neither',
          changeKind: 'percent',
        },
        'before 0: percent null',
      );
      t.same(body.change.satisfaction, {
        before: null,
        after: null,
        delta: null,
        percent: null,
        unit: 'rate',
        better: 'higher',
        changeKind: 'pp',
      });
      t.match(body.change.firstTimeRate, { before: 0.5, unit: 'rate', better: 'higher', changeKind: 'pp' });
      for (const [name, c] of Object.entries(body.change) as [string, Record<string, unknown>][])
        t.ok(c.unit && c.better && c.changeKind, `${name} has unit, better and changeKind`);
      t.notOk('method' in body.change, 'only figures are paired');
      t.match(
        body.stepChanges.find((s: { elementId: string }) => s.elementId === 'review'),
        { count: { before: 3, after: 0, delta: -3 }, breaches: { before: 1, after: 0 } },
      );
      const explicit = await app.inject({
        method: 'GET',
        url: '/api/processes/permit/compare?from=2&to=1',
        headers: bearer(TOKENS.admin),
      });
      t.same(explicit.json().change.timeLimitDays, {
        before: 3,
        after: 5,
        delta: 2,
        percent: 66.6666666667,
        ...days,
      });
    });
  });
}
