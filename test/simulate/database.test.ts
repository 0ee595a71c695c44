// The database output: simulated cases written through CaseService (command by command, virtual clock, the
// simulation's ids) and written in bulk leave the same rows — cases, steps, tasks, timers, audit chain,
// idempotency keys and metric rollups — and the same seed writes the same rows again; the metrics API's figures
// over those rows equal the in-memory summary; the demo seeding fills every sample's before and after.
import { readdirSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import { type SimulationResult, simulate, summarise } from '../../engine/simulate/index.js';
import { verifyAudit } from '../../server/audit/verify.js';
import type { Db } from '../../server/db/database.js';
import { MetricsService } from '../../server/metrics/metrics-service.js';
import { drainRollups } from '../../server/metrics/rollup-queue.js';
import { bulkWriteSimulatedCases } from '../../server/simulate/bulk-write.js';
import { seedDemoHistory, workingDaysBefore } from '../../server/simulate/demo.js';
import { writeSimulatedCases } from '../../server/simulate/write-cases.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { openPglite } from '../helpers/test-database.js';
import { calendar, readSample, sample } from './helpers.js';

const TABLES: [string, string][] = [
  ['cases', 'id'],
  ['steps', 'id'],
  ['tasks', 'id'],
  ['timers', 'id'],
  ['case_subscriptions', 'case_id, id'],
  ['audit_events', 'case_id, seq'],
  ['idempotency_keys', 'key'],
  ['version_rollups', 'process_key, version, shard'],
  ['case_duration_buckets', 'process_key, version, bucket, shard'],
  ['step_rollups', 'process_key, version, element_id, shard'],
  ['step_duration_buckets', 'process_key, version, element_id, bucket, shard'],
];

async function dump(db: Db): Promise<Record<string, string>> {
  await drainRollups(db); // what a metrics read sees: completed cases queued by the CaseService run rolled up
  const out: Record<string, string> = {};
  for (const [table, order] of TABLES)
    out[table] = JSON.stringify((await sql.raw(`SELECT * FROM ${table} ORDER BY ${order}`).execute(db)).rows);
  return out;
}

/** Rectification cases the scenario starts, each with its idempotency key. */
const RECTIFICATIONS = 8;

/**
 * Business start-up after (correction loop, messages), construction approval after (subprocesses, joint review,
 * deemed-approval timers) and rectification cases of given ratings (working-day deadline timers, escalation),
 * each stopped midway so some cases are still open. The sizes are the least that still leave, on seed 11, both
 * completed and open cases of each, an open start-up waiting for its supplementary documents and timers of both
 * kinds: every case goes through CaseService command by command, the test's cost.
 */
async function scenario(): Promise<
  { name: string; result: SimulationResult; summary: ReturnType<typeof summarise> }[]
> {
  const runs = [];
  for (const [name, cases, days] of [
    ['business-startup.after', 20, 4],
    ['construction-approval.after', 24, 70],
  ] as const) {
    const { definition, params } = await sample(name);
    const start = Date.parse('2026-03-02T09:00:00+08:00');
    const result = simulate({
      definition,
      params,
      seed: 11,
      calendar,
      cases,
      start,
      until: calendar.addWorkingDays(start, days),
      record: true,
    });
    runs.push({ name, result, summary: summarise(result, definition, calendar) });
  }
  // rectification cases of given bad ratings, as the demo starts them: own ids, business and idempotency keys
  const { definition, params } = await sample('rating-rectification');
  const start = Date.parse('2026-03-02T09:00:00+08:00');
  const arrivals = Array.from({ length: RECTIFICATIONS }, (_, i) => ({
    at: calendar.addWorkingMs(start, (i + 1) * 2 * 3_600_000),
    id: `rectification-${i + 1}`,
    variables: {
      department: i % 2 ? '税务局' : '公安局',
      ratedCaseId: `rated-${i + 1}`,
      level: 1 + (i % 2),
      deadlineDays: 5,
    },
    businessKey: `rating:r${i + 1}`,
    idempotencyKey: `rating:r${i + 1}`,
  }));
  const result = simulate({
    definition,
    params,
    seed: 11,
    calendar,
    arrivals,
    until: calendar.addWorkingDays(start, 9),
    record: true,
  });
  runs.push({ name: 'rating-rectification', result, summary: summarise(result, definition, calendar) });
  return runs;
}

async function freshDatabase(names: string[]) {
  const opened = await openPglite();
  const definitions = new DefinitionStore(opened.db);
  for (const name of names) await definitions.deploy(readSample(name).xml, new Date('2026-01-01T00:00:00Z'));
  return { opened, definitions };
}

t.test(
  'CaseService and bulk writers leave identical rows, and the same seed writes the same rows',
  async (t) => {
    // given two runs of the same seed
    const first = await scenario();
    const second = await scenario();
    const names = first.map((r) => r.name);
    t.ok(
      first.every(
        (r) =>
          r.result.cases.some((c) => c.status === 'active') &&
          r.result.cases.some((c) => c.status === 'completed'),
      ),
      'each run has completed and open cases',
    );

    // when the first goes through CaseService, the second in bulk, each into its own database
    const a = await freshDatabase(names);
    t.teardown(() => a.opened.close());
    for (const r of first) await writeSimulatedCases(a.opened.db, a.definitions, r.result, { calendar });
    const b = await freshDatabase(names);
    t.teardown(() => b.opened.close());
    for (const r of second) await bulkWriteSimulatedCases(b.opened.db, r.result, { calendar });

    // then
    const rowsA = await dump(a.opened.db);
    const rowsB = await dump(b.opened.db);
    for (const [table] of TABLES)
      t.equal(rowsB[table], rowsA[table], `${table}: identical (${JSON.parse(rowsA[table]).length} rows)`);
    const processOf = new Map(
      (JSON.parse(rowsA.cases) as { id: string; process_key: string }[]).map((c) => [c.id, c.process_key]),
    );
    const timed = new Set(
      (JSON.parse(rowsA.timers) as { case_id: string }[]).map((x) => processOf.get(x.case_id)),
    );
    t.same(
      [...timed].sort(),
      ['construction_approval', 'rating_rectification'],
      'open cases left timers due later (deemed approval, rectification deadline)',
    );
    t.ok(
      JSON.parse(rowsA.case_subscriptions).length > 0,
      'open cases left waits for messages (supplementary documents), reachable by POST /api/messages',
    );
    t.ok(
      JSON.parse(rowsA.idempotency_keys).length === RECTIFICATIONS,
      'the rectification cases carry their idempotency keys',
    );

    // and the metrics API over those rows gives the in-memory figures
    const metrics = new MetricsService(a.opened.db, a.definitions);
    for (const run of first) {
      const { key, version } = run.result.process;
      const api = (await metrics.version(key, version)).dynamic;
      const memory = run.summary.dynamic;
      for (const figure of [
        'cases',
        'completed',
        'meanWorkingDays',
        'medianWorkingDays',
        'p90WorkingDays',
        'meanTrips',
        'firstTimeRate',
        'onTimeRate',
      ] as const) {
        const x = api[figure];
        const y = memory[figure];
        t.ok(
          x === y ||
            (typeof x === 'number' &&
              typeof y === 'number' &&
              Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y))),
          `${key} ${figure}: API ${x} = simulation ${y}`,
        );
      }
      const stepsInMemory = new Map(
        run.summary.steps.filter((s) => s.count > 0).map((s) => [s.elementId, s]),
      );
      t.equal(api.steps.length, stepsInMemory.size, `${key}: the same steps`);
      for (const s of api.steps) {
        const m = stepsInMemory.get(s.elementId);
        t.ok(
          m &&
            m.count === s.count &&
            m.breaches === s.breaches &&
            Math.abs((m.meanWorkingDays ?? 0) - (s.meanWorkingDays ?? 0)) < 1e-9 &&
            Math.abs((m.p90WorkingDays ?? 0) - (s.p90WorkingDays ?? 0)) < 1e-9,
          `${key} step ${s.elementId}: count ${s.count}, mean ${s.meanWorkingDays?.toFixed(4)}, p90 ${s.p90WorkingDays?.toFixed(4)}, breaches ${s.breaches}`,
        );
      }
    }
  },
);

t.test(
  'demo seeding: every sample before and after gets history, ratings and their rectification loop',
  async (t) => {
    // given the samples deployed as the server deploys them (a before ahead of its after)
    const opened = await openPglite();
    t.teardown(() => opened.close());
    const definitions = new DefinitionStore(opened.db);
    const dir = new URL('../../processes/', import.meta.url).pathname;
    const order = (f: string) => f.replace('.before.', '.0.').replace('.after.', '.1.');
    for (const f of readdirSync(dir)
      .filter((x) => x.endsWith('.bpmn'))
      .sort((x, y) => (order(x) < order(y) ? -1 : 1))) {
      await definitions.deploy(readFileSync(`${dir}${f}`, 'utf8'), new Date('2026-01-01T00:00:00Z'), {
        publish: true, // the samples ship reviewed: each after is published, its before retired
      });
    }
    const now = Date.parse('2026-11-27T15:00:00+08:00');

    // when a quarter of each file's demo cases is seeded: every sample and every path of the seeding still runs
    const share = 0.25;
    const report = await seedDemoHistory(opened.db, definitions, { processesDir: dir, now, calendar, share });
    t.comment(
      `seeded ${report.versions.reduce((n, v) => n + v.cases, 0)} cases, ${report.ratings} ratings in ${(report.ms / 1000).toFixed(1)} s`,
    );

    // then every pair compares with figures on both sides
    const metrics = new MetricsService(opened.db, definitions);
    for (const key of [
      'business_startup',
      'business_startup_one_thing',
      'construction_approval',
      'sole_proprietor_registration',
    ]) {
      const c = await metrics.compare(key, 1, 2);
      t.ok(
        (c.before.dynamic.completed ?? 0) >= 140 * share && (c.after.dynamic.completed ?? 0) >= 140 * share,
        `${key}: ${c.before.dynamic.completed} and ${c.after.dynamic.completed} completed cases`,
      );
      t.ok(
        (c.after.dynamic.meanWorkingDays ?? Infinity) < (c.before.dynamic.meanWorkingDays ?? 0),
        `${key}: mean ${c.before.dynamic.meanWorkingDays?.toFixed(2)} → ${c.after.dynamic.meanWorkingDays?.toFixed(2)} working days`,
      );
      t.ok(
        c.before.dynamic.satisfaction !== null && c.after.dynamic.satisfaction !== null,
        `${key}: satisfaction ${c.before.dynamic.satisfaction?.toFixed(2)} → ${c.after.dynamic.satisfaction?.toFixed(2)}`,
      );
    }
    const last = await opened.db
      .selectFrom('cases')
      .select((eb) => eb.fn.max('started_at').as('at'))
      .executeTakeFirstOrThrow();
    t.ok(new Date(last.at as Date).getTime() <= now, 'no case starts after now');
    t.ok(
      new Date(last.at as Date).getTime() >= workingDaysBefore(calendar, now, 10),
      'the history reaches the last days',
    );
    const bad = await opened.db
      .selectFrom('ratings')
      .select(['rectification_case_id'])
      .where('level', '<=', 2)
      .execute();
    t.ok(
      bad.length > 0 && report.rectifications === bad.length,
      `${bad.length} bad ratings, each with its rectification case`,
    );
    const linked = await opened.db
      .selectFrom('cases')
      .select('id')
      .where('process_key', '=', 'rating_rectification')
      .execute();
    const ids = new Set(linked.map((r) => r.id));
    t.ok(
      bad.every((r) => r.rectification_case_id !== null && ids.has(r.rectification_case_id)),
      'every bad rating links to a written rectification case',
    );

    // and the 一件事 by messages has its department cases, each naming its master, and they verify
    const oneThing = report.versions.find((v) => v.key === 'business_startup_one_thing' && v.version === 2);
    t.ok(
      oneThing && oneThing.linked >= oneThing.completed * 5 && oneThing.linked <= oneThing.cases * 5,
      `${oneThing?.linked} department cases: five of each completed master, at most five of an open one`,
    );
    const orphans = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM cases d LEFT JOIN cases m ON m.id = d.root_case_id
      WHERE d.root_case_id IS NOT NULL AND (m.id IS NULL OR m.process_key <> 'business_startup_one_thing')`.execute(
      opened.db,
    );
    const departments = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM cases WHERE root_case_id IS NOT NULL`.execute(opened.db);
    t.equal(departments.rows[0].n, oneThing?.linked, `${departments.rows[0].n} department cases written`);
    t.equal(orphans.rows[0].n, 0, 'each names a master of the 一件事');
    const verified = await verifyAudit(opened.db, { process: 'police_seal_engraving' }, { calendar });
    t.ok(verified.ok && verified.checkedCases > 0, `${verified.checkedCases} department cases verify`);
    const masters = await verifyAudit(
      opened.db,
      { process: 'business_startup_one_thing', version: 2 },
      { calendar },
    );
    t.ok(masters.ok && masters.checkedCases === oneThing?.cases, `${masters.checkedCases} masters verify`);

    // and a second seeding writes nothing: every version has its cases
    const again = await seedDemoHistory(opened.db, definitions, { processesDir: dir, now, calendar, share });
    t.same(again.versions, [], 'nothing seeded twice');
  },
);
