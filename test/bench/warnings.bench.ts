// Electronic supervision at scale: 100,000 open tasks (BENCH_WARNING_TASKS) with a 3-working-day limit on
// PostgreSQL, written in bulk (the tasks trigger registers each one's check), then the warning scheduler's polls
// timed by the database time of their statements (kysely's query log: sent to answered, local server):
// - first look: every new task's yellow instant computed once (what a node does within a poll of a task's creation);
// - steady polls: the clock moved a working minute at a time through a working day, raising what came due in that
//   minute (a real node polls every second: less each), then ten minutes at a time through the next — the target
//   is under 2 s of database time per poll with 100,000 open tasks;
// - an idle poll (nothing due): what a scan of every open task would cost each poll, avoided by the due instants;
// - every remaining yellow card at once (a node down for a day), in total and per poll.
import { readFileSync } from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import { configurePool, migrateToLatest } from '../../server/db/database.js';
import type { Database } from '../../server/db/schema.js';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { scratchDatabase } from './scratch-database.js';

const TASKS = Number(process.env.BENCH_WARNING_TASKS ?? 100_000);
const xml = readFileSync('test/server/fixtures/warnings.bpmn', 'utf8');
const calendar = getDefaultCalendar();
const MINUTE = 60_000;

const url = await scratchDatabase('reflow_bench_warnings');
const pool = new pg.Pool({ connectionString: url, max: 4 });
configurePool(pool);
let dbMs = 0;
let statements = 0;
const db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool }),
  log(event) {
    if (event.level === 'query') {
      if (process.env.BENCH_SLOW && event.queryDurationMillis > 100)
        console.log(
          `slow ${event.queryDurationMillis.toFixed(0)} ms: ${event.query.sql.slice(0, 160).replace(/\s+/g, ' ')}`,
        );
      dbMs += event.queryDurationMillis;
      statements++;
    }
  },
});
await migrateToLatest(db as Kysely<unknown>);
const definitions = new DefinitionStore(db);
// Monday 2026-03-02 09:00 Beijing: tasks created over the working week, one every few seconds of working time
const monday = Date.UTC(2026, 2, 2, 1, 0, 0);
await definitions.deploy(xml, new Date(monday));
const definitionId = (await db.selectFrom('definition_versions').select('id').executeTakeFirstOrThrow()).id;
const createdAt = (i: number) =>
  calendar.addWorkingMs(monday, Math.floor((i * 5 * calendar.msPerWorkingDay) / TASKS));
const rows = Array.from({ length: TASKS }, (_, i) => {
  const created = createdAt(i);
  return {
    id: `c${i}`,
    created: new Date(created).toISOString(),
    due: new Date(calendar.addWorkingDays(created, 3)).toISOString(),
  };
});
const t0 = performance.now();
for (let from = 0; from < TASKS; from += 10_000) {
  const page = JSON.stringify(rows.slice(from, from + 10_000));
  await sql`
    WITH x AS (SELECT * FROM json_to_recordset(${page}::json) AS x(id text, created timestamptz, due timestamptz)),
    c AS (INSERT INTO cases (id, definition_id, process_key, version, status, snapshot, started_at)
          SELECT id, ${definitionId}, 'licence', 1, 'active', '{}'::jsonb, created FROM x),
    s AS (INSERT INTO steps (id, case_id, process_key, version, element_id, name, type, department, status,
            entered_at, due_at, time_limit)
          SELECT 't' || id, id, 'licence', 1, 'review', '审查', 'userTask', '市场监管', 'active', created, due, 3 FROM x)
    INSERT INTO tasks (id, case_id, element_id, name, department, status, created_at, due_at)
    SELECT 't' || id, id, 'review', '审查', '市场监管', 'open', created, due FROM x`.execute(db);
}
await sql`ANALYZE`.execute(db);
const loadSeconds = (performance.now() - t0) / 1000;

let now = createdAt(TASKS - 1) + MINUTE; // Friday afternoon: every task created
const cases = { definitions, calendar, forget: () => {} };
const scheduler = new WarningScheduler(db, cases, { nodeId: 'bench', clock: () => now, batch: 2000 });

/** One poll: its database time and statements, the cards raised, its wall time. */
async function poll(): Promise<{ dbMs: number; statements: number; raised: number; wallMs: number }> {
  const [d0, s0, w0] = [dbMs, statements, performance.now()];
  const raised = await scheduler.tick();
  return { dbMs: dbMs - d0, statements: statements - s0, raised, wallMs: performance.now() - w0 };
}

const first = await poll();
console.log(`first look at ${TASKS} new tasks: ${JSON.stringify(first)}`);
// a working day of polls, one every working minute (a node polls every second: each of its polls has less to
// raise), then the next day again at 10 working minutes a poll — ten times the cards in each
const lookedAt = now;
const steady: Awaited<ReturnType<typeof poll>>[] = [];
for (let m = 1; m <= 7 * 60; m += 1) {
  now = calendar.addWorkingMs(lookedAt, m * MINUTE);
  steady.push(await poll());
}
const coarse: Awaited<ReturnType<typeof poll>>[] = [];
for (let m = 7 * 60 + 10; m <= 2 * 7 * 60; m += 10) {
  now = calendar.addWorkingMs(lookedAt, m * MINUTE);
  coarse.push(await poll());
}
const coarseWorst = Math.max(...coarse.map((p) => p.dbMs));
const coarseCards = coarse.reduce((a, p) => a + p.raised, 0);
const sorted = steady.map((p) => p.dbMs).sort((a, b) => a - b);
const p50 = sorted[Math.floor(sorted.length / 2)];
const p99 = sorted[Math.floor(sorted.length * 0.99)];
const worst = sorted.at(-1) as number;
const raisedSteady = steady.reduce((a, p) => a + p.raised, 0);
const idle = await poll();
console.log(
  `steady: ${steady.length} polls, ${raisedSteady} cards, db p50 ${p50.toFixed(1)} ms, worst ${worst.toFixed(1)} ms; idle ${idle.dbMs.toFixed(1)} ms`,
);
// the scan a poll would do without due instants: every open task with its step, limit and entered instant
const s0 = dbMs;
await db
  .selectFrom('tasks as t')
  .innerJoin('steps as s', 's.id', 't.id')
  .select(['t.id', 's.entered_at', 's.time_limit', 't.department'])
  .where('t.status', '=', 'open')
  .execute();
const scanMs = dbMs - s0;
// a node down for two days: every yellow and red left comes due at once
now += 2 * 86_400_000 * 3;
const backlog: Awaited<ReturnType<typeof poll>> = await poll();
console.log(`backlog at once: ${JSON.stringify(backlog)}`);
const cards = Number(
  (
    await db
      .selectFrom('warnings')
      .select(({ fn }) => fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
  ).n,
);
await db.destroy();
const pass = worst < 2000 && first.dbMs < 2000 * Math.ceil(TASKS / 100_000) * 10;
console.log(
  JSON.stringify({
    figure: `${TASKS} open tasks, a poll a working minute: db time p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, worst ${worst.toFixed(0)} ms (${raisedSteady} cards in ${steady.length} polls); a poll per 10 minutes: worst ${coarseWorst.toFixed(0)} ms (${coarseCards} cards in ${coarse.length}); idle poll ${idle.dbMs.toFixed(1)} ms`,
    baseline: `scanning every open task: ${scanMs.toFixed(0)} ms a poll`,
    ratio: `worst poll ${(worst / 2000).toFixed(2)} of the 2 s target`,
    tasks: TASKS,
    loadSeconds,
    firstLook: first,
    steadyPolls: steady.length,
    steadyCards: raisedSteady,
    steadyDbP50Ms: p50,
    steadyDbWorstMs: worst,
    steadyDbP99Ms: p99,
    tenMinutePolls: coarse.length,
    tenMinuteCards: coarseCards,
    tenMinuteDbWorstMs: coarseWorst,
    idlePollDbMs: idle.dbMs,
    scanAllOpenTasksMs: scanMs,
    backlog,
    cardsTotal: cards,
    pass: worst < 2000,
  }),
);
void pass;
