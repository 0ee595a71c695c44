// The write path under concurrency, on each database: commands that arrive while a write is in flight go out
// together (group commit) and each lands or not on its own; a batch that fails as a whole is written again
// command by command so only the bad one fails; a batch carries at most one command that ends a case; and a
// node's memory of a case that another node moved on costs a retry, never a lost or doubled step.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { CaseService } from '../../server/cases/case-service.js';
import type { Db } from '../../server/db/database.js';
import { drainRollups } from '../../server/metrics/rollup-queue.js';
import { configFromEnv } from '../../server/node.js';
import { type CaseRowValues, planWrites, type WriteJob, writeBatch } from '../../server/store/case-writer.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { WriteBatcher } from '../../server/store/write-batcher.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('../bench/business-registration.bpmn', import.meta.url), 'utf8');
const slaXml = readFileSync(new URL('./fixtures/registration-sla.bpmn', import.meta.url), 'utf8');
const KEY = 'business_registration_bench';
const APPROVALS = ['seal', 'tax', 'social', 'fund'];

/** A started case with nothing else: no steps, tasks or audit entries. */
function bareStart(id: string, definitionId: string, status = 'active'): WriteJob {
  const now = Date.UTC(2026, 0, 5, 1);
  const plan = planWrites({ id, processKey: KEY, version: 1 }, [], {
    calendar: { workingMsBetween: () => 0 } as never,
    actor: 'test',
    now,
    revision: 0,
    auditSeq: 0,
    auditHash: '0'.repeat(64),
  });
  const row: CaseRowValues = {
    status,
    snapshot: { id },
    trips: 0,
    corrected: false,
    endedAt: status === 'active' ? null : now,
    workingMs: status === 'active' ? null : 0,
    pausedMs: 0,
  };
  const newCase = {
    id,
    definitionId,
    processKey: KEY,
    version: 1,
    businessKey: null,
    channel: null,
    materials: [],
    startedAt: now,
  };
  return { kind: 'start', newCase, row, plan };
}

/** A command on a stored bare case that writes only its row, landing only at `revision`. */
function bareCommand(id: string, revision: number): WriteJob {
  const plan = planWrites({ id, processKey: KEY, version: 1 }, [], {
    calendar: { workingMsBetween: () => 0 } as never,
    actor: 'test',
    now: Date.UTC(2026, 0, 5, 2),
    revision,
    auditSeq: 0,
    auditHash: '0'.repeat(64),
  });
  const row: CaseRowValues = {
    status: 'active',
    snapshot: { id, revision },
    trips: 0,
    corrected: false,
    endedAt: null,
    workingMs: null,
    pausedMs: 0,
  };
  return { kind: 'command', caseId: id, revision, row, plan };
}

/** A database of the kind under test with `bpmn` deployed, closed when the test ends. */
async function deployed(
  database: ReturnType<typeof testDatabases>[number],
  t: Test,
  bpmn = xml,
): Promise<{ db: Db; definitions: DefinitionStore; definitionId: string }> {
  const opened = await database.open();
  t.teardown(() => opened.close());
  const definitions = new DefinitionStore(opened.db);
  const { id } = await definitions.deploy(bpmn, new Date());
  return { db: opened.db, definitions, definitionId: id };
}

for (const database of testDatabases()) {
  t.test(`commands arriving during a write share the next one (${database.name})`, async (t) => {
    const { db, definitions } = await deployed(database, t);
    const service = new CaseService(db, definitions);
    const views = await Promise.all(
      Array.from({ length: 12 }, () => service.start({ process: KEY }, 'test').then((r) => r.view)),
    );
    t.equal(service.writer.stats.commands, 12);
    t.ok(service.writer.stats.batches < 12, `12 starts in ${service.writer.stats.batches} writes`);
    const stored = await db.selectFrom('cases').select('id').execute();
    t.same(stored.map((c) => c.id).sort(), views.map((v) => v.id).sort(), 'every case is stored');
    const tasks = await db.selectFrom('tasks').select('case_id').where('status', '=', 'open').execute();
    t.equal(tasks.length, 12, 'with its first task');
    for (const view of views) await service.completeTask(view.openTasks[0].id, {}, 'test');
    t.equal(service.writer.stats.commands, 24, 'a remembered case is written at the first try');
  });

  t.test(`a failing batch is written again one command at a time (${database.name})`, async (t) => {
    const { db, definitionId } = await deployed(database, t);
    const writer = new WriteBatcher(db);
    t.equal(await writer.write(bareStart('first', definitionId)), true);
    // one write in flight; the next three queue behind it and go together: one of them repeats a stored id
    const inFlight = writer.write(bareStart('blocker', definitionId));
    const good = writer.write(bareStart('good-1', definitionId));
    const bad = writer.write(bareStart('first', definitionId));
    const alsoGood = writer.write(bareStart('good-2', definitionId));
    t.equal(await inFlight, true);
    t.equal(await good, true, 'a neighbour of the bad command lands');
    await t.rejects(bad, /duplicate key|unique/i, 'the bad command fails with the database error');
    t.equal(await alsoGood, true);
    t.equal(writer.stats.fallbacks, 1, 'one batch failed as a whole and was split');
    const ids = (await db.selectFrom('cases').select('id').execute()).map((c) => c.id).sort();
    t.same(ids, ['blocker', 'first', 'good-1', 'good-2']);
  });

  t.test(`ended cases reach the metric rollups through the queue, once (${database.name})`, async (t) => {
    const { db, definitionId } = await deployed(database, t);
    const writer = new WriteBatcher(db);
    const writes = ['ends-1', 'active-1', 'ends-2', 'ends-3'].map((id) =>
      writer.write(bareStart(id, definitionId, id.startsWith('ends') ? 'completed' : 'active')),
    );
    t.same(await Promise.all(writes), [true, true, true, true]);
    const queued = await sql<{ case_id: string }>`SELECT case_id FROM rollup_queue ORDER BY case_id`.execute(
      db,
    );
    t.same(
      queued.rows.map((r) => r.case_id),
      ['ends-1', 'ends-2', 'ends-3'],
      'each ended case is queued at commit',
    );
    const completed = async () =>
      (
        await sql<{ n: number }>`SELECT coalesce(sum(completed), 0)::int AS n FROM version_rollups`.execute(
          db,
        )
      ).rows[0].n;
    t.equal(await completed(), 0, 'nothing rolled up yet');
    // two drainers at once (two nodes, or a node and a metrics read): every case counted once
    const drained = await Promise.all([drainRollups(db, 2), drainRollups(db, 2)]);
    t.equal(drained[0] + drained[1], 3);
    t.equal(await completed(), 3, 'each ended case is in the metric rollups once');
    t.equal(await drainRollups(db), 0, 'the queue is empty');
  });

  t.test(`a stale memory of a case costs a retry, not a step (${database.name})`, async (t) => {
    const { db, definitions } = await deployed(database, t);
    // two nodes on one database, each remembering the cases it worked on
    const nodeA = new CaseService(db, definitions);
    const nodeB = new CaseService(db, new DefinitionStore(db));
    const { view } = await nodeA.start({ process: KEY }, 'test');
    const accepted = await nodeA.completeTask(view.openTasks[0].id, {}, 'test');
    const byElement = new Map(accepted.openTasks.map((task) => [task.elementId, task.id]));
    t.same([...byElement.keys()].sort(), [...APPROVALS].sort(), 'four approvals open');
    // node B moves the case on twice; node A still remembers it as it was after acceptance
    await nodeB.completeTask(byElement.get('seal') as string, {}, 'test');
    await nodeB.completeTask(byElement.get('tax') as string, {}, 'test');
    const afterA = await nodeA.completeTask(byElement.get('social') as string, {}, 'test');
    t.same(
      afterA.timeline.filter((s) => s.status === 'completed').map((s) => s.elementId),
      ['accept', 'seal', 'tax', 'social'],
      'node A applied its command to the case as stored',
    );
    // completing a task node A remembers as open but node B completed meanwhile: refused, nothing written
    const again = nodeA.completeTask(byElement.get('seal') as string, {}, 'test');
    await t.rejects(again, { code: 'notOpen' });
    const last = await nodeB.completeTask(byElement.get('fund') as string, {}, 'test');
    t.same(
      last.openTasks.map((task) => task.elementId),
      ['issue'],
      'the join fired once',
    );
    const done = await nodeA.completeTask(last.openTasks[0].id, {}, 'test');
    t.equal(done.status, 'completed');
    const steps = await db.selectFrom('steps').select('element_id').where('case_id', '=', view.id).execute();
    t.equal(steps.length, 6, 'six steps, none doubled');
    const audit = await db
      .selectFrom('audit_events')
      .select('seq')
      .where('case_id', '=', view.id)
      .orderBy('seq')
      .execute();
    t.same(
      audit.map((a) => a.seq),
      audit.map((_, i) => i + 1),
      'one unbroken audit chain',
    );
    t.same(await nodeA.view(view.id), await nodeB.view(view.id), 'both nodes read the same case');
  });

  t.test(
    `a command refused by a stale memory is tried on the case as stored (${database.name})`,
    async (t) => {
      const { db, definitions } = await deployed(database, t, slaXml);
      const nodeA = new CaseService(db, definitions);
      const nodeB = new CaseService(db, new DefinitionStore(db));
      const { view } = await nodeA.start({ process: 'business_registration_sla' }, 'test');
      // node B accepts: the SLA reminder timer on 税务 now exists, which node A's memory of the case lacks
      await nodeB.completeTask(view.openTasks[0].id, {}, 'test');
      const [timer] = await db.selectFrom('timers').select('id').where('case_id', '=', view.id).execute();
      t.ok(timer, 'the reminder timer is stored');
      t.equal(await nodeA.fireTimer(timer.id, view.id), true, 'node A fires it');
      const reminded = (await nodeA.view(view.id)).timeline.filter((s) => s.elementId === 'remind');
      t.equal(reminded.length, 1, 'the reminder ran once');
      const next = await db.selectFrom('timers').select('id').where('case_id', '=', view.id).execute();
      t.equal(next.length, 1, 'and the cycle re-armed it (R2)');
    },
  );

  t.test(`an answer is not changed by the case's next command (${database.name})`, async (t) => {
    const { db, definitions } = await deployed(database, t);
    const service = new CaseService(db, definitions);
    const { view } = await service.start({ process: KEY, variables: { note: 'start' } }, 'test');
    const accepted = await service.completeTask(view.openTasks[0].id, { note: 'accepted' }, 'test');
    const [first, second] = accepted.openTasks;
    const one = await service.completeTask(first.id, { note: 'one' }, 'test');
    const two = await service.completeTask(second.id, { note: 'two', extra: 1 }, 'test');
    t.same(view.variables, { note: 'start' });
    t.same(accepted.variables, { note: 'accepted' });
    t.same(one.variables, { note: 'one' });
    t.same(two.variables, { note: 'two', extra: 1 });
  });

  t.test(`with no memory, every command reads the case (${database.name})`, async (t) => {
    const { db, definitions } = await deployed(database, t);
    const service = new CaseService(db, definitions, { cacheSize: 0 });
    const { view } = await service.start({ process: KEY }, 'test');
    let current = await service.completeTask(view.openTasks[0].id, {}, 'test');
    current = (
      await Promise.all(current.openTasks.map((task) => service.completeTask(task.id, {}, 'test')))
    ).at(-1) as typeof current;
    const issue = (await service.view(view.id)).openTasks;
    t.same(
      issue.map((task) => task.elementId),
      ['issue'],
      'four concurrent approvals on one case, the join fired once',
    );
    const done = await service.completeTask(issue[0].id, {}, 'test');
    t.equal(done.status, 'completed');
    t.same(done, await service.view(view.id), 'the answer to a command is the case as stored');
  });
}

const postgres = testDatabases().find((d) => d.name === 'postgres');
t.test(
  'batches sharing cases in opposite orders on two connections never deadlock: each case lands once a round (postgres)',
  { skip: postgres ? false : 'TEST_DATABASE_URL is not set' },
  async (t) => {
    if (!postgres) return;
    const { db, definitionId } = await deployed(postgres, t);
    const ids = Array.from({ length: 8 }, (_, i) => `shared-${i}`);
    const started = await writeBatch(
      db,
      ids.map((id) => bareStart(id, definitionId)),
    );
    t.equal(started.size, ids.length);
    const revisionOf = async () =>
      new Map(
        (await db.selectFrom('cases').select(['id', 'revision']).execute()).map((c) => [c.id, c.revision]),
      );
    const ROUNDS = 40;
    const initial = await revisionOf();
    let failures = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const revisions = await revisionOf();
      const jobs = ids.map((id) => bareCommand(id, revisions.get(id) as number));
      // the same cases, one batch in each order, on two pooled connections at once
      const results = await Promise.allSettled([writeBatch(db, jobs), writeBatch(db, [...jobs].reverse())]);
      const landed: string[] = [];
      for (const r of results) {
        if (r.status === 'rejected') failures++;
        else landed.push(...r.value);
      }
      if (failures > 0) {
        const reason = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        t.fail(`round ${round}: ${String(reason.reason?.message ?? reason.reason)}`);
        break;
      }
      t.same(
        landed.sort(),
        [...ids].sort(),
        `round ${round}: every case landed once, in one batch or the other`,
      );
    }
    t.equal(failures, 0, 'no batch failed');
    const after = await revisionOf();
    t.same(
      ids.map((id) => (after.get(id) as number) - (initial.get(id) as number)),
      ids.map(() => ROUNDS),
      'each case moved on once per round',
    );
  },
);

t.test('REFLOW_CASE_CACHE sets how many cases a node remembers; a bad value is named', async (t) => {
  t.equal(configFromEnv({ REFLOW_CASE_CACHE: '200' }).caseCache, 200);
  t.equal(configFromEnv({ REFLOW_CASE_CACHE: '0' }).caseCache, 0);
  t.equal(configFromEnv({}).caseCache, undefined, 'unset: the default');
  t.throws(
    () => configFromEnv({ REFLOW_CASE_CACHE: 'lots' }),
    /REFLOW_CASE_CACHE="lots" is not allowed: expected a whole number of cases from 0/,
  );
  t.throws(() => configFromEnv({ REFLOW_CASE_CACHE: '-1' }), /REFLOW_CASE_CACHE/);
});
