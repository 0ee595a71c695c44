// Compare of two versions with 1,000,000 completed cases each on PostgreSQL (target < 1 s), beside computing the
// same figures straight from the rows; and a 100,000-case XES export streamed over HTTP in constant memory.
// Cases are generated in bulk (INSERT … SELECT generate_series) and rolled up per batch as the log import does.

import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../../server/app.js';
import { parseTokens } from '../../server/auth/tokens.js';
import { CaseService } from '../../server/cases/case-service.js';
import { type Db, openDatabase } from '../../server/db/database.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { benchDatabaseUrl, scratchDatabase } from './scratch-database.js';

const CASES = Number(process.env.BENCH_METRICS_CASES ?? 1_000_000);
const EXPORT_CASES = Number(process.env.BENCH_EXPORT_CASES ?? 100_000);
const BATCH = 250_000;
const permit = readFileSync('test/metrics/fixtures/permit.bpmn', 'utf8');
const reformed = permit
  .replace('gov:timeLimit="5"', 'gov:timeLimit="3"')
  .replace('gov:timeLimit="2"', 'gov:timeLimit="1"')
  .replace(' gov:inPerson="true"', '');
const exported = permit.replace('name="许可（测试）"', 'name="许可（导出）"');

/**
 * `count` completed cases of a version with a review and an issue step each: case working time exponential
 * with the given mean (days), review 60% of it. Inserted in batches, each rolled up with reflow_roll_up_cases.
 */
async function generate(
  db: Db,
  version: number,
  count: number,
  meanDays: number,
  correctedShare: number,
  reviewLimit: number,
): Promise<void> {
  const id = (n: number) => `v${version}-${String(n).padStart(8, '0')}`;
  for (let from = 1; from <= count; from += BATCH) {
    const to = Math.min(count, from + BATCH - 1);
    await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL reflow.rollups = 'manual'`.execute(trx);
      await sql`
        INSERT INTO cases (id, definition_id, process_key, version, status, snapshot, started_at, ended_at, working_ms, trips, corrected, imported)
        SELECT ${`v${version}-`} || lpad(g::text, 8, '0'), ${`permit:${version}`}, 'permit', ${version}::int, 'completed', '{}'::jsonb,
               timestamptz '2025-01-06 09:00+08' + g * interval '37 seconds',
               timestamptz '2025-01-06 09:00+08' + g * interval '37 seconds' + w * interval '3.43 millisecond',
               w, 1 + (g % 3) * ${version % 2}::int, random() < ${correctedShare}::float8, true
          FROM (SELECT g, (-ln(1 - random()) * ${meanDays}::float8 * 25200000)::bigint AS w FROM generate_series(${from}::int, ${to}::int) g) x`.execute(
        trx,
      );
      await sql`
        INSERT INTO steps (id, case_id, process_key, version, element_id, name, type, department, status, entered_at, completed_at, time_limit, in_person, working_ms)
        SELECT c.id || s.e, c.id, 'permit', ${version}::int, s.e, s.n, 'userTask', s.d, 'completed',
               c.started_at + s.f0 * (c.ended_at - c.started_at), c.started_at + s.f1 * (c.ended_at - c.started_at),
               CASE WHEN s.e = 'review' THEN ${reviewLimit}::float8 END, s.e = 'issue', (c.working_ms * (s.f1 - s.f0))::bigint
          FROM cases c CROSS JOIN (VALUES ('review', '审查', '市场监管', 0.0::float8, 0.6::float8), ('issue', '发证', '公安', 0.6::float8, 1.0::float8)) AS s(e, n, d, f0, f1)
         WHERE c.id BETWEEN ${id(from)} AND ${id(to)}`.execute(trx);
      await sql`SELECT reflow_roll_up_cases(ARRAY(SELECT id FROM cases WHERE id BETWEEN ${id(from)} AND ${id(to)}))`.execute(
        trx,
      );
    });
    process.stderr.write(`  v${version}: ${to.toLocaleString('en-US')} cases\n`);
  }
}

/** The same figures straight from the rows, as one would without rollups (the baseline). */
async function fromRows(db: Db, version: number): Promise<void> {
  await sql`SELECT count(*), avg(working_ms), percentile_cont(0.5) WITHIN GROUP (ORDER BY working_ms), percentile_cont(0.9) WITHIN GROUP (ORDER BY working_ms),
                   avg(trips), avg((NOT corrected)::int), avg((working_ms <= 5 * 25200000)::int)
              FROM cases WHERE process_key = 'permit' AND version = ${version} AND status = 'completed'`.execute(
    db,
  );
  await sql`SELECT t.element_id, count(*), avg(t.working_ms), percentile_cont(0.9) WITHIN GROUP (ORDER BY t.working_ms), count(*) FILTER (WHERE t.working_ms > t.time_limit * 25200000)
              FROM steps t JOIN cases c ON c.id = t.case_id WHERE t.process_key = 'permit' AND t.version = ${version} AND c.status = 'completed' GROUP BY t.element_id`.execute(
    db,
  );
}

const timed = async (run: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const url = await scratchDatabase(`reflow_bench_metrics_${process.pid}`);
const database = await openDatabase({ databaseUrl: url, poolSize: 10 });
const { db } = database;
const definitions = new DefinitionStore(db);
for (const xml of [permit, reformed, exported, exported.replace('导出', '导出 10k')])
  await definitions.deploy(xml, new Date());
const service = new CaseService(db, definitions);
const token = 'bench-auditor-token';
const app = await buildApp({
  db,
  service,
  definitions,
  principals: parseTokens(JSON.stringify([{ token, role: 'auditor' }]), 'bench'),
});
const auth = { authorization: `Bearer ${token}` };

const t0 = performance.now();
await generate(db, 1, CASES, 15, 0.3, 2);
await generate(db, 2, CASES, 2, 0.05, 1);
await generate(db, 3, EXPORT_CASES, 3, 0.1, 2);
await generate(db, 4, EXPORT_CASES / 10, 3, 0.1, 2);
const generateSeconds = (performance.now() - t0) / 1000;
const total = 2 * CASES + EXPORT_CASES * 1.1;
console.log(
  `generated ${total.toLocaleString('en-US')} completed cases with ${(2 * total).toLocaleString('en-US')} steps in ${generateSeconds.toFixed(0)} s`,
);
// as a server at rest would be: statistics gathered, the bulk writes flushed
await sql`VACUUM ANALYZE`.execute(db);
await sql`CHECKPOINT`.execute(db);

// compare: one cold call, then warm ones
const compare = () =>
  app.inject({ method: 'GET', url: '/api/processes/permit/compare?from=1&to=2', headers: auth }).then((r) => {
    if (r.statusCode !== 200) throw new Error(r.body);
    return r.json();
  });
const coldMs = await timed(compare);
const warm: number[] = [];
for (let i = 0; i < 7; i++) warm.push(await timed(compare));
const result = await compare();
const compareMs = median(warm);
const reportMs = await timed(() =>
  app.inject({ method: 'GET', url: '/api/processes/permit/report?from=1&to=2', headers: auth }),
);
const baselineMs = await timed(async () => {
  await fromRows(db, 1);
  await fromRows(db, 2);
});
console.log(
  `compare v1 ↔ v2 (${CASES.toLocaleString('en-US')} completed cases each): ${compareMs.toFixed(0)} ms warm (median of 7), ${coldMs.toFixed(0)} ms cold; report ${reportMs.toFixed(0)} ms`,
);
console.log(
  `  same figures from the rows (percentile_cont over every case and step): ${baselineMs.toFixed(0)} ms`,
);
console.log(
  `  mean ${result.before.dynamic.meanWorkingDays.toFixed(2)} → ${result.after.dynamic.meanWorkingDays.toFixed(2)} working days; median ${result.before.dynamic.medianWorkingDays.toFixed(2)} → ${result.after.dynamic.medianWorkingDays.toFixed(2)} (${result.after.dynamic.method.percentiles}, ±${result.after.dynamic.method.maxErrorDays})`,
);

// XES export over HTTP, read by a client that discards it: the resident set's growth, and the live heap's
// (sampled after a forced collection) — the same for 10,000 and 100,000 cases when memory is constant
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const live = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

async function exportOnce(version: number, sampleLive: boolean) {
  gc();
  const rssBefore = process.memoryUsage().rss;
  const liveBefore = live();
  let rssPeak = rssBefore;
  let livePeak = liveBefore;
  const sampler = setInterval(
    () => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      if (sampleLive) {
        gc();
        livePeak = Math.max(livePeak, live());
      }
    },
    sampleLive ? 100 : 20,
  );
  const start = performance.now();
  const bytes = await new Promise<number>((resolve, reject) => {
    get(
      { host: '127.0.0.1', port, path: `/api/processes/permit/versions/${version}/log.xes`, headers: auth },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`export of version ${version}: HTTP ${res.statusCode}`));
        let n = 0;
        res.on('data', (chunk: Buffer) => {
          n += chunk.length;
        });
        res.on('end', () => resolve(n));
        res.on('error', reject);
      },
    ).on('error', reject);
  });
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  const mb = (n: number) => n / 1024 / 1024;
  return {
    mb: mb(bytes),
    seconds,
    rssGrowth: mb(rssPeak - rssBefore),
    liveGrowth: mb(livePeak - liveBefore),
  };
}

const small = await exportOnce(4, true);
const large = await exportOnce(3, false);
const largeLive = await exportOnce(3, true);
const documentMb = large.mb;
const growthMb = large.rssGrowth;
console.log(
  `XES export of ${EXPORT_CASES.toLocaleString('en-US')} cases: ${documentMb.toFixed(0)} MB in ${large.seconds.toFixed(1)} s (${(EXPORT_CASES / large.seconds).toFixed(0)} cases/s)`,
);
console.log(
  `  peak RSS growth ${growthMb.toFixed(0)} MB; live heap growth ${largeLive.liveGrowth.toFixed(1)} MB (${small.liveGrowth.toFixed(1)} MB for ${(EXPORT_CASES / 10).toLocaleString('en-US')} cases, a ${small.mb.toFixed(0)} MB document)`,
);

await app.close();
await database.close();
const admin = new pg.Client({ connectionString: benchDatabaseUrl });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS reflow_bench_metrics_${process.pid} WITH (FORCE)`);
await admin.end();

const ratio = baselineMs / compareMs;
console.log(
  JSON.stringify({
    figure: `compare 2 × ${CASES.toLocaleString('en-US')} cases: ${compareMs.toFixed(0)} ms; XES ${EXPORT_CASES.toLocaleString('en-US')} cases (${documentMb.toFixed(0)} MB): live heap +${largeLive.liveGrowth.toFixed(1)} MB, RSS +${growthMb.toFixed(0)} MB`,
    baseline: `from the rows: ${baselineMs.toFixed(0)} ms`,
    ratio: `${ratio.toFixed(0)}× faster; target < 1000 ms`,
    compareMs,
    compareColdMs: coldMs,
    reportMs,
    baselineMs,
    casesPerVersion: CASES,
    exportCases: EXPORT_CASES,
    exportMB: documentMb,
    exportSeconds: large.seconds,
    exportRssGrowthMB: growthMb,
    exportLiveGrowthMB: largeLive.liveGrowth,
    exportLiveGrowthMBAt10k: small.liveGrowth,
    pass: compareMs < 1000 && largeLive.liveGrowth < 32,
  }),
);
