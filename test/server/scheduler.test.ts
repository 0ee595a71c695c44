// The timer scheduler on each database: timers due while no node ran fire at start, several nodes never fire a
// timer twice, a claim by a node that died is retried after its lease, and a timer of a case that moved on is
// dropped quietly.
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { CaseService } from '../../server/cases/case-service.js';
import type { Db, OpenedDatabase } from '../../server/db/database.js';
import { TimerScheduler } from '../../server/scheduler/timer-scheduler.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('./fixtures/crash-timer.bpmn', import.meta.url), 'utf8'); // review, PT2S boundary → expired
const LEASE = 10_000;

interface Rig {
  db: Db;
  service: CaseService;
  clock: { now: number };
  errors: unknown[];
  scheduler(nodeId: string, options?: { batch?: number }): TimerScheduler;
  startCase(): Promise<string>;
  fired(caseId: string): Promise<string[]>;
}

async function rig(database: OpenedDatabase, t: Test): Promise<Rig> {
  const clock = { now: Date.UTC(2026, 0, 5, 1, 0, 0) };
  const definitions = new DefinitionStore(database.db);
  const service = new CaseService(database.db, definitions, { clock: () => clock.now });
  await definitions.deploy(xml, new Date(clock.now));
  const errors: unknown[] = [];
  const schedulers: TimerScheduler[] = [];
  t.teardown(async () => {
    for (const s of schedulers) await s.stop();
    await database.close();
  });
  return {
    db: database.db,
    service,
    clock,
    errors,
    scheduler(nodeId, options = {}) {
      // a long poll: the test ticks by hand
      const s = new TimerScheduler(database.db, service, {
        nodeId,
        pollMs: 3_600_000,
        leaseMs: LEASE,
        clock: () => clock.now,
        onError: (e) => errors.push(e),
        ...options,
      });
      schedulers.push(s);
      return s;
    },
    async startCase() {
      return (await service.start({ process: 'crash_timer' }, 'test')).view.id;
    },
    async fired(caseId) {
      const rows = await database.db
        .selectFrom('audit_events')
        .select('payload')
        .where('case_id', '=', caseId)
        .where('type', '=', 'timerFired')
        .execute();
      return rows.map((r) => (r.payload as { timerId: string }).timerId);
    },
  };
}

const timerRows = (db: Db) => db.selectFrom('timers').selectAll().execute();

for (const database of testDatabases()) {
  t.test(
    `a timer that came due while no scheduler ran fires when one starts (${database.name})`,
    async (t) => {
      const r = await rig(await database.open(), t);
      const caseId = await r.startCase();
      t.equal((await timerRows(r.db)).length, 1, 'the boundary timer is stored');
      r.clock.now += 60_000; // due long ago, nobody was running
      const late = r.scheduler('late-node');
      await late.start();
      await late.idle();
      const view = await r.service.view(caseId);
      t.equal(view.status, 'completed', 'it fired in the background after start()');
      t.equal(
        view.timeline.find((s) => s.elementId === 'review')?.status,
        'cancelled',
        'through the interrupting timer',
      );
      t.equal((await r.fired(caseId)).length, 1);
      t.same(await timerRows(r.db), [], 'the row went with the firing');
      t.same(r.errors, []);
    },
  );

  t.test(`three nodes ticking at once fire each timer exactly once (${database.name})`, async (t) => {
    const r = await rig(await database.open(), t);
    const cases: string[] = [];
    for (let i = 0; i < 30; i++) cases.push(await r.startCase());
    const notDue = await Promise.all(
      ['a', 'b', 'c'].map((n) => r.scheduler(`node-${n}`, { batch: 4 }).tick()),
    );
    t.same(notDue, [0, 0, 0], 'nothing is due yet');
    r.clock.now += 2_000;
    const nodes = ['a', 'b', 'c'].map((n) => r.scheduler(`node-${n}`, { batch: 4 }));
    const counts = await Promise.all(nodes.map((n) => n.tick()));
    t.equal(
      counts.reduce((a, b) => a + b, 0),
      30,
      `30 timers fired between the nodes (${counts.join(' + ')})`,
    );
    t.same(await Promise.all(nodes.map((n) => n.tick())), [0, 0, 0], 'nothing is left to fire');
    const wrong: string[] = [];
    for (const caseId of cases) {
      const fired = (await r.fired(caseId)).length;
      const { status } = await r.service.view(caseId);
      if (fired !== 1 || status !== 'completed') wrong.push(`${caseId}: ${fired} timerFired, ${status}`);
    }
    t.same(wrong, [], 'every case: exactly one timerFired, completed');
    t.same(await timerRows(r.db), []);
    t.same(r.errors, [], 'no node failed or collided');
  });

  t.test(
    `a timer claimed by a node that died is fired by another after the lease (${database.name})`,
    async (t) => {
      const r = await rig(await database.open(), t);
      const caseId = await r.startCase();
      r.clock.now += 2_000;
      const dead = r.scheduler('dead-node');
      const claimed = await dead.claim(); // claims, then "dies" before firing
      t.equal(claimed.length, 1);
      const [row] = await timerRows(r.db);
      t.equal(row.claimed_by, 'dead-node');
      t.equal(row.claimed_until?.getTime(), r.clock.now + LEASE);
      const survivor = r.scheduler('survivor');
      t.equal(await survivor.tick(), 0, 'a live claim is respected');
      t.equal((await r.service.view(caseId)).status, 'active');
      r.clock.now += LEASE + 1; // the claim lapsed: claimed_until is in the past
      t.equal(await survivor.tick(), 1, 'the survivor fires it');
      t.equal((await r.service.view(caseId)).status, 'completed');
      t.equal((await r.fired(caseId)).length, 1);
      t.same(await timerRows(r.db), []);
      t.same(r.errors, []);
    },
  );

  t.test(`a node that shuts down gracefully hands its claims back at once (${database.name})`, async (t) => {
    // given a timer claimed by a node that is stopping
    const r = await rig(await database.open(), t);
    const caseId = await r.startCase();
    r.clock.now += 2_000;
    const leaving = r.scheduler('leaving-node');
    t.equal((await leaving.claim()).length, 1);
    // when it stops
    await leaving.stop();
    // then the claim is released and another node fires the timer without waiting out the lease
    const [row] = await timerRows(r.db);
    t.equal(row.claimed_by, null);
    t.equal(await r.scheduler('other').tick(), 1);
    t.equal((await r.fired(caseId)).length, 1);
  });

  t.test(`a timer whose case moved on is dropped quietly (${database.name})`, async (t) => {
    const r = await rig(await database.open(), t);
    // a node claims a due timer; before it fires, the task is completed and the case ends
    const caseId = await r.startCase();
    r.clock.now += 2_000;
    const [claimed] = await r.scheduler('slow-node').claim();
    const [task] = await r.db.selectFrom('tasks').select('id').where('case_id', '=', caseId).execute();
    await r.service.completeTask(task.id, {}, 'test');
    const before = await r.db
      .selectFrom('cases')
      .select(['revision', 'status'])
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    t.equal(before.status, 'completed');
    t.equal(
      await r.service.fireTimer(claimed.id, claimed.case_id),
      false,
      'the late firing is refused without an error',
    );

    // a row left behind for a completed case (as if written by an older node) is deleted by the next tick
    const other = await r.startCase();
    const [stale] = await timerRows(r.db);
    const [otherTask] = await r.db.selectFrom('tasks').select('id').where('case_id', '=', other).execute();
    await r.service.completeTask(otherTask.id, {}, 'test');
    await r.db
      .insertInto('timers')
      .values({ id: stale.id, case_id: stale.case_id, element_id: stale.element_id, due_at: stale.due_at })
      .execute();
    r.clock.now += 2_000;
    t.equal(await r.scheduler('next-node').tick(), 0, 'nothing fires');
    t.same(await timerRows(r.db), [], 'the stale row is deleted');
    t.same(r.errors, [], 'and no error is reported');
    for (const id of [caseId, other]) {
      t.same(await r.fired(id), [], 'no timerFired in the audit log');
      t.equal((await r.service.view(id)).status, 'completed');
    }
    const after = await r.db
      .selectFrom('cases')
      .select('revision')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    t.equal(after.revision, before.revision, 'the case was not touched');
  });
}
