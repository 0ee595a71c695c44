// Past 20,000 cases, medians and p90s come from the duration histogram, within one bucket (0.01 working day) of
// percentile_cont; satisfaction and bad ratings come from the ratings (defaulted ones left out).
import { sql } from 'kysely';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';
import { deploy, fixture, metricsOf } from './metrics-helpers.js';

const DAY = 25_200_000;

for (const database of testDatabases()) {
  t.test(`large versions and ratings (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, close } = await buildTestApp(opened);
    t.teardown(close);
    await deploy(t, app, fixture('permit.bpmn'));

    t.test('histogram percentiles past 20,000 cases', async (t) => {
      // given 25,000 completed cases with spread-out durations (0–30 days), written in bulk as an import does
      await opened.db.transaction().execute(async (trx) => {
        await sql`SET LOCAL reflow.rollups = 'manual'`.execute(trx);
        await sql`INSERT INTO cases (id, definition_id, process_key, version, status, snapshot, started_at, ended_at, working_ms, trips, corrected, imported)
          SELECT 'bulk-' || g, 'permit:1', 'permit', 1, 'completed', '{}'::jsonb, now(), now(),
                 (g::bigint * 7919 * 1000) % (30 * ${DAY}::bigint), g % 3, g % 4 = 0, true
            FROM generate_series(1, 25000) g`.execute(trx);
        await sql`SELECT reflow_roll_up_cases(ARRAY(SELECT id FROM cases))`.execute(trx);
      });
      const d = (await metricsOf(app, 'permit', 1)).dynamic;
      const exact = (
        await sql<{ m: number; p: number; a: number; o: number }>`
          SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY working_ms) / ${DAY}::float8 AS m,
                 percentile_cont(0.9) WITHIN GROUP (ORDER BY working_ms) / ${DAY}::float8 AS p,
                 avg(working_ms) / ${DAY}::float8 AS a, count(*) FILTER (WHERE working_ms <= 5 * ${DAY}::bigint) AS o
            FROM cases`.execute(opened.db)
      ).rows[0];
      t.equal(d.completed, 25000);
      t.match(d.method, {
        percentiles: 'histogram',
        maxErrorDays: 0.01,
        figures: { medianWorkingDays: { method: 'histogram', from: 25000 } },
      });
      t.ok(
        Math.abs(d.medianWorkingDays - Number(exact.m)) < 0.01,
        `median ${d.medianWorkingDays} vs ${exact.m}`,
      );
      t.ok(Math.abs(d.p90WorkingDays - Number(exact.p)) < 0.01, `p90 ${d.p90WorkingDays} vs ${exact.p}`);
      t.ok(Math.abs(d.meanWorkingDays - Number(exact.a)) < 1e-9, 'the mean is exact');
      t.equal(d.firstTimeRate, 1 - 6250 / 25000, 'every 4th corrected');
      t.equal(d.onTimeRate, Number(exact.o) / 25000, 'within the 5-day limit');
      let trips = 0;
      for (let g = 1; g <= 25000; g++) trips += g % 3;
      t.equal(d.meanTrips, trips / 25000, 'g % 3 trips');
    });

    t.test('satisfaction and bad ratings from the ratings table', async (t) => {
      t.match((await metricsOf(app, 'permit', 1)).dynamic, {
        satisfaction: null,
        badRatings: 0,
        method: { figures: { satisfaction: { method: 'ratings', from: 0 } } },
      });
      // given four real ratings and one given by default (left out): levels 5, 4, 2, 1 and a defaulted 3
      await sql`INSERT INTO ratings (id, case_id, channel, level, defaulted, rated_at)
        VALUES ('r1', 'bulk-1', 'online', 5, false, now()), ('r2', 'bulk-2', 'online', 4, false, now()), ('r3', 'bulk-3', 'window', 2, false, now()),
               ('r4', 'bulk-4', 'online', 1, false, now()), ('r5', 'bulk-5', 'online', 3, true, now())`.execute(
        opened.db,
      );
      // then 2 of the 4 real ratings are at 4–5, and 2 at 1–2
      t.match((await metricsOf(app, 'permit', 1)).dynamic, {
        satisfaction: 0.5,
        badRatings: 2,
        method: { figures: { satisfaction: { method: 'ratings', from: 4 } } },
      });
      const res = await app.inject({
        method: 'GET',
        url: '/api/processes/permit/versions/1/metrics',
        headers: bearer(TOKENS.designer),
      });
      t.equal(res.json().dynamic.badRatings, 2);
    });
  });
}
