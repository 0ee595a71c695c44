// A 一件事 by messages written into a database (npm run simulate -- --db [--bulk], the demo history): the master
// cases and the department cases their messages started, linked to their master as the live server links them
// (root_case_id, the idempotency key of a start by a message, the actor `messages`), and the messages finished as
// the message service leaves them. Written through CaseService and in bulk, the rows are identical; the audit
// verification passes; the case's answer shows its 一件事; the metrics API gives the simulation's figures.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import type { CompiledDefinition } from '../../engine/index.js';
import { compileParams, simulate, summarise } from '../../engine/simulate/index.js';
import { verifyAudit } from '../../server/audit/verify.js';
import { CaseQueries } from '../../server/cases/case-queries.js';
import type { Db } from '../../server/db/database.js';
import { MetricsService } from '../../server/metrics/metrics-service.js';
import { drainRollups } from '../../server/metrics/rollup-queue.js';
import { bulkWriteSimulatedCases } from '../../server/simulate/bulk-write.js';
import { writeSimulatedCases } from '../../server/simulate/write-cases.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';
import { calendar, HOURS_PER_DAY } from './helpers.js';

const FILE = new URL('../../processes/business-startup-one-thing.after.bpmn', import.meta.url);
const xml = readFileSync(FILE, 'utf8');
const params = JSON.parse(readFileSync(new URL(FILE.href.replace(/\.bpmn$/, '.sim.json')), 'utf8'));

const TABLES: [string, string][] = [
  ['cases', 'id'],
  ['steps', 'id'],
  ['tasks', 'id'],
  ['timers', 'id'],
  ['case_subscriptions', 'case_id, id'],
  ['audit_events', 'case_id, seq'],
  ['idempotency_keys', 'key'],
  ['messages', 'id'],
  ['version_rollups', 'process_key, version, shard'],
  ['step_rollups', 'process_key, version, element_id, shard'],
];

async function dump(db: Db): Promise<Record<string, string>> {
  await drainRollups(db);
  const out: Record<string, string> = {};
  for (const [table, order] of TABLES)
    out[table] = JSON.stringify((await sql.raw(`SELECT * FROM ${table} ORDER BY ${order}`).execute(db)).rows);
  return out;
}

/** The file deployed; its master and its department processes as the store compiled them. */
async function deploy(db: Db) {
  const definitions = new DefinitionStore(db);
  const deployed = await definitions.deploy(xml, new Date('2026-01-01T00:00:00Z'));
  const [master, ...collaboration] = (await Promise.all(
    deployed.processes.map((p) => definitions.load(p.id)),
  )) as CompiledDefinition[];
  return { definitions, master, collaboration };
}

/** 20 masters over a week and a half, the clock stopped on the last day: some 一件事 still open. */
function run(master: CompiledDefinition, collaboration: CompiledDefinition[], definitions: DefinitionStore) {
  const start = Date.parse('2026-03-02T09:00:00+08:00');
  const called = collaboration.map((d) => d.graph);
  return simulate({
    definition: master,
    collaboration,
    definitions,
    params: compileParams(params, master, { hoursPerDay: HOURS_PER_DAY, called }),
    seed: 17,
    calendar,
    cases: 20,
    start,
    arrivalsEnd: calendar.addWorkingDays(start, 6),
    until: calendar.addWorkingDays(start, 6),
    record: true,
  });
}

for (const database of testDatabases()) {
  t.test(`the 一件事 by messages written into ${database.name}: masters and department cases`, async (t) => {
    // given the collaboration deployed into two databases and simulated twice with one seed
    const a = await database.open();
    t.teardown(() => a.close());
    const b = await database.open();
    t.teardown(() => b.close());
    const da = await deploy(a.db);
    const db = await deploy(b.db);
    const first = run(da.master, da.collaboration, da.definitions);
    const second = run(db.master, db.collaboration, db.definitions);
    t.ok(first.linked.length >= 5 * 15, `${first.linked.length} department cases started by messages`);
    t.ok(
      first.cases.some((c) => c.status === 'active') && first.cases.some((c) => c.status === 'completed'),
      'some 一件事 completed, some still open',
    );

    // when one goes through CaseService and the other in bulk
    const written = await writeSimulatedCases(a.db, da.definitions, first, { calendar });
    await bulkWriteSimulatedCases(b.db, second, { calendar });

    // then both leave the same rows, messages and rollups included
    t.equal(written.cases, first.cases.length + first.linked.length, 'masters and department cases');
    const rowsA = await dump(a.db);
    const rowsB = await dump(b.db);
    for (const [table] of TABLES)
      t.equal(rowsB[table], rowsA[table], `${table}: identical (${JSON.parse(rowsA[table]).length} rows)`);

    // and each department case names its master, started by the message service under its message's key
    const cases = JSON.parse(rowsA.cases) as {
      id: string;
      process_key: string;
      root_case_id: string | null;
    }[];
    const departments = cases.filter((c) => c.process_key !== 'business_startup_one_thing');
    t.equal(departments.length, first.linked.length);
    const masters = new Set(first.cases.map((c) => c.id));
    t.ok(
      departments.every((c) => c.root_case_id !== null && masters.has(c.root_case_id)),
      'each department case has its master as root',
    );
    t.ok(
      cases.filter((c) => masters.has(c.id)).every((c) => c.root_case_id === null),
      'a master has no root',
    );
    const keys = JSON.parse(rowsA.idempotency_keys) as { key: string; case_id: string }[];
    t.equal(keys.filter((k) => k.key.startsWith('message:')).length, departments.length);
    const starts = await sql<{ actor: string | null }>`
      SELECT DISTINCT e.actor FROM audit_events e JOIN cases c ON c.id = e.case_id
      WHERE e.seq = 1 AND c.root_case_id IS NOT NULL`.execute(a.db);
    t.same(
      starts.rows.map((r) => r.actor),
      ['messages'],
      'started by the actor messages, as the server starts them',
    );
    const messages = JSON.parse(rowsA.messages) as {
      status: string;
      target_case_id: string | null;
      done_at: string | null;
    }[];
    t.ok(messages.length > 0, `${messages.length} messages`);
    t.same(
      [...new Set(messages.map((m) => m.status))].sort(),
      ['delivered', 'started'],
      'every message delivered or started its case: none left pending for a server to send again',
    );
    t.ok(
      messages.every((m) => m.target_case_id !== null && m.done_at !== null),
      'each names its case',
    );
    const received = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM audit_events
      WHERE type = 'messageReceived' AND payload->>'messageId' IS NOT NULL`.execute(a.db);
    t.equal(
      received.rows[0].n,
      messages.filter((m) => m.status === 'delivered').length,
      "each answer's messageReceived names its message (the server's exactly-once check reads it)",
    );

    // and the audit verification passes
    const report = await verifyAudit(a.db, {}, { calendar });
    t.ok(report.ok, `verify: ${report.checkedCases} cases, broken ${JSON.stringify(report.broken[0])}`);
    t.equal(report.checkedCases, cases.length);

    // and a case's answer shows its 一件事: the master and its five department cases
    const queries = new CaseQueries(a.db, calendar, () => first.end);
    const completed = first.cases.find((c) => c.status === 'completed');
    t.ok(completed);
    const oneThing = await queries.links(departments.find((c) => c.root_case_id === completed?.id)?.id ?? '');
    t.equal(oneThing.rootCaseId, completed?.id);
    t.equal(oneThing.oneThing?.masterCaseId, completed?.id);
    t.equal(oneThing.oneThing?.cases.length, 6, 'the master and five department cases');

    // and the metrics API gives the simulation's figures of the master's version, trips of its 一件事 included
    const summary = summarise(first, da.master, calendar);
    const api = (await new MetricsService(a.db, da.definitions).version(da.master.key, da.master.version))
      .dynamic;
    for (const figure of [
      'completed',
      'meanWorkingDays',
      'meanTrips',
      'firstTimeRate',
      'onTimeRate',
    ] as const) {
      const x = api[figure];
      const y = summary.dynamic[figure];
      t.ok(
        x === y || (typeof x === 'number' && typeof y === 'number' && Math.abs(x - y) <= 1e-9),
        `${figure}: API ${x} = simulation ${y}`,
      );
    }
  });
}
