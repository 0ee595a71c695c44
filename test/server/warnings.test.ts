// Electronic supervision (电子监察): yellow at 80% and red past 100% of a 3-working-day limit across a weekend and
// the Qingming holiday (virtual clock), a paused step not counted, each level raised once (three nodes on one
// PostgreSQL), cards cleared on completion and kept in history, thresholds from the model (gov:warnAt), an
// invalid threshold refused at deploy, cards in the audit chain (verify passes), and GET /api/warnings by role.
import { readFileSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import t, { type Test } from 'tap';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import { verifyAudit } from '../../server/audit/verify.js';
import { CaseService } from '../../server/cases/case-service.js';
import { configurePool, type Db, migrateToLatest, type OpenedDatabase } from '../../server/db/database.js';
import type { Database } from '../../server/db/schema.js';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { createDatabaseBeside, testDatabases } from '../helpers/test-database.js';

const licence = readFileSync(new URL('./fixtures/warnings.bpmn', import.meta.url), 'utf8');
const strict = readFileSync(new URL('./fixtures/warnings-strict.bpmn', import.meta.url), 'utf8');
const calendar = getDefaultCalendar();
const HOUR = 3_600_000;
/** Thursday 2026-04-02 09:00 Beijing; Saturday 4/4 to Monday 4/6 are 清明 holidays, Tuesday 4/7 is day 3. */
const THURSDAY = Date.UTC(2026, 3, 2, 1, 0, 0);
const TUESDAY_0900 = Date.UTC(2026, 3, 7, 1, 0, 0);
/** 80% of 3 working days (21 h) is 16.8 h: Thursday 7 h + Friday 7 h + Tuesday 2.8 h → Tuesday 11:48. */
const YELLOW = Date.UTC(2026, 3, 7, 3, 48, 0);
/** The limit ends Tuesday 17:00; red once it is exceeded in working time: from Wednesday 09:00. */
const LIMIT_END = Date.UTC(2026, 3, 7, 9, 0, 0);
const RED = Date.UTC(2026, 3, 8, 1, 1, 0);

interface Rig {
  db: Db;
  service: CaseService;
  clock: { now: number };
  scheduler(nodeId: string, db?: Db): WarningScheduler;
  start(process: string): Promise<string>;
  openTask(caseId: string): Promise<{ id: string; element_id: string }>;
  cards(
    caseId: string,
  ): Promise<
    { subject: string; level: string; cleared_at: Date | null; used_share: number; warn_at: number }[]
  >;
}

async function rig(database: OpenedDatabase, t: Test): Promise<Rig> {
  const clock = { now: THURSDAY };
  const definitions = new DefinitionStore(database.db);
  const service = new CaseService(database.db, definitions, { clock: () => clock.now });
  await definitions.deploy(licence, new Date(clock.now));
  await definitions.deploy(strict, new Date(clock.now));
  const schedulers: WarningScheduler[] = [];
  t.teardown(async () => {
    for (const s of schedulers) await s.stop();
    await database.close();
  });
  return {
    db: database.db,
    service,
    clock,
    scheduler(nodeId, db = database.db) {
      const s = new WarningScheduler(db, service, {
        nodeId,
        pollMs: 3_600_000,
        clock: () => clock.now,
        batch: 7,
      });
      schedulers.push(s);
      return s;
    },
    async start(process) {
      return (await service.start({ process }, 'test')).view.id;
    },
    async openTask(caseId) {
      return database.db
        .selectFrom('tasks')
        .select(['id', 'element_id'])
        .where('case_id', '=', caseId)
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow();
    },
    async cards(caseId) {
      return database.db
        .selectFrom('warnings')
        .select(['subject', 'level', 'cleared_at', 'used_share', 'warn_at'])
        .where('case_id', '=', caseId)
        .orderBy('subject')
        .orderBy('level', 'desc')
        .execute();
    },
  };
}

t.test('the test calendar is what the expectations assume', async (t) => {
  for (const day of ['2026-04-04', '2026-04-05', '2026-04-06'])
    t.notOk(calendar.isWorkingDay(day), `${day} off`);
  t.ok(calendar.isWorkingDay('2026-04-07'));
  t.equal(calendar.addWorkingDays(THURSDAY, 3), LIMIT_END);
  t.equal(calendar.workingMsBetween(THURSDAY, YELLOW), 16.8 * HOUR);
});

for (const database of testDatabases()) {
  t.test(`yellow at 80%, red past the limit, cleared on completion (${database.name})`, async (t) => {
    const r = await rig(await database.open(), t);
    const node = r.scheduler('node-a');
    const caseId = await r.start('licence');
    const review = await r.openTask(caseId);
    t.equal(await node.tick(), 0, 'nothing at the start');
    const check = await r.db
      .selectFrom('warning_checks')
      .select(['next_at'])
      .where('subject_id', '=', review.id)
      .executeTakeFirstOrThrow();
    t.equal(check.next_at.getTime(), YELLOW, 'the yellow instant computed at the first look');

    r.clock.now = TUESDAY_0900 + 2 * HOUR; // Tuesday 11:00: 16 h of 21 used
    t.equal(await node.tick(), 0, 'not yet: the weekend and 清明 are not counted');
    r.clock.now = YELLOW + 60_000;
    t.equal(await node.tick(), 2, 'yellow on the task and the case');
    const yellow = await r.cards(caseId);
    t.same(
      yellow.map((c) => [c.subject, c.level]),
      [
        ['case', 'yellow'],
        ['task', 'yellow'],
      ],
    );
    t.ok(yellow.every((c) => c.used_share >= 0.8 && c.used_share < 0.81 && c.warn_at === 0.8));
    t.equal(await node.tick(), 0, 'raised once');

    r.clock.now = LIMIT_END + HOUR; // Tuesday evening: exactly the limit used, not exceeded
    t.equal(await node.tick(), 0, 'on the limit is on time');
    r.clock.now = RED;
    t.equal(await node.tick(), 2, 'red on the task and the case');
    t.equal(
      await r.db
        .selectFrom('warning_checks')
        .select('subject_id')
        .execute()
        .then((x) => x.length),
      0,
      'nothing left to check',
    );

    const audit = await r.db
      .selectFrom('audit_events')
      .select(['type', 'payload'])
      .where('case_id', '=', caseId)
      .where('type', '=', 'warningRaised')
      .orderBy('seq')
      .execute();
    t.same(
      audit.map((a) => (a.payload as { warning: { level: string; subject: string } }).warning.level),
      ['yellow', 'yellow', 'red', 'red'],
      'each card in the case’s audit chain',
    );
    const verified = await verifyAudit(r.db, { caseId }, { calendar });
    t.ok(verified.ok, `audit verifies: ${JSON.stringify(verified.broken)}`);

    // the case moved on (revision): a command through the case service reads it again and lands
    await r.service.completeTask(review.id, {}, 'department:市场监管');
    const after = await r.cards(caseId);
    t.same(
      after.map((c) => [c.subject, c.level, c.cleared_at !== null]),
      [
        ['case', 'yellow', false],
        ['case', 'red', false],
        ['task', 'yellow', true],
        ['task', 'red', true],
      ],
      'the task’s cards cleared (kept), the case’s still open',
    );
    // finish the case: its cards are cleared too
    await r.service.completeTask((await r.openTask(caseId)).id, {}, 'department:政务服务中心');
    await r.service.completeTask((await r.openTask(caseId)).id, {}, 'department:公安');
    t.ok(
      (await r.cards(caseId)).every((c) => c.cleared_at !== null),
      'every card cleared when the case completes',
    );
    t.ok((await verifyAudit(r.db, { caseId }, { calendar })).ok, 'audit still verifies');
  });

  t.test(`a paused step is not counted (${database.name})`, async (t) => {
    const r = await rig(await database.open(), t);
    const node = r.scheduler('node-a');
    const caseId = await r.start('licence');
    r.clock.now = THURSDAY + HOUR; // review done after 1 h; the applicant holds the case from Thursday 10:00
    await r.service.completeTask((await r.openTask(caseId)).id, {}, 'department:市场监管');
    await node.tick();
    r.clock.now = RED + HOUR; // past the limit in wall-clock working time
    t.equal(await node.tick(), 0, 'the case’s clock stood still while paused');
    t.same(await r.cards(caseId), []);
    // the applicant supplements on Wednesday 4/8 10:01: the case has used 1 h of its 21
    await r.service.completeTask((await r.openTask(caseId)).id, {}, 'department:政务服务中心');
    r.clock.now = Date.UTC(2026, 3, 9, 7, 1, 0); // Thursday 4/9 15:01: 1 h + Wednesday 5.98 h + 5.02 h = 12 h
    await node.tick();
    t.same(await r.cards(caseId), [], 'still under 80% of the case limit');
    r.clock.now = Date.UTC(2026, 3, 10, 4, 0, 0); // Friday 4/10 12:00: 12 h + 1.98 h + 3 h ≥ 16.8 h (approve: 15.98 h)
    t.ok((await node.tick()) >= 1);
    t.same(
      (await r.cards(caseId)).map((c) => [c.subject, c.level]),
      [['case', 'yellow']],
      'the case yellow once its unpaused time reaches 80%',
    );
  });

  t.test(
    `thresholds from the model: gov:warnAt on the process and the step (${database.name})`,
    async (t) => {
      const r = await rig(await database.open(), t);
      const node = r.scheduler('node-a');
      const caseId = await r.start('strict');
      await node.tick();
      // the process says 0.5: 10.5 h → Friday 4/3 13:30 (lunch excluded)
      r.clock.now = Date.UTC(2026, 3, 3, 5, 29, 0);
      t.equal(await node.tick(), 0);
      r.clock.now = Date.UTC(2026, 3, 3, 5, 31, 0);
      t.equal(await node.tick(), 1);
      t.same(
        (await r.cards(caseId)).map((c) => [c.subject, c.level, c.warn_at]),
        [['case', 'yellow', 0.5]],
      );
      // the step says 0.7: 14.7 h → Tuesday 4/7 09:42
      r.clock.now = Date.UTC(2026, 3, 7, 1, 41, 0);
      t.equal(await node.tick(), 0);
      r.clock.now = Date.UTC(2026, 3, 7, 1, 43, 0);
      t.equal(await node.tick(), 1);
      t.same(
        (await r.cards(caseId)).map((c) => [c.subject, c.level, c.warn_at]),
        [
          ['case', 'yellow', 0.5],
          ['task', 'yellow', 0.7],
        ],
      );
    },
  );

  t.test(`an invalid gov:warnAt is refused at deploy (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, close } = await buildTestApp(opened);
    t.teardown(close);
    for (const bad of ['1.5', '0', '七成']) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: licence.replace('gov:timeLimit="3">', `gov:timeLimit="3" gov:warnAt="${bad}">`),
      });
      t.equal(res.statusCode, 422, `warnAt ${bad} refused`);
      t.match(res.body, /warnAt/);
    }
  });

  t.test(`GET /api/warnings and 督办意见 notes by role (${database.name})`, async (t) => {
    const opened = await database.open();
    const test = await buildTestApp(opened, { now: THURSDAY });
    const { app, service, clock } = test;
    const node = new WarningScheduler(opened.db, service, { nodeId: 'api', clock: () => clock.now });
    t.teardown(async () => {
      await node.stop();
      await test.close();
    });
    await service.definitions.deploy(licence, new Date(clock.now));
    const caseId = (await service.start({ process: 'licence' }, 'test')).view.id;
    clock.now = RED;
    t.equal(await node.tick(), 4, 'yellow and red on task and case at once');
    const get = (token: string, query = '') =>
      app.inject({ method: 'GET', url: `/api/warnings${query}`, headers: bearer(token) });
    const all = await get(TOKENS.supervisor);
    t.equal(all.statusCode, 200);
    t.equal(all.json().length, 4);
    t.equal((await get(TOKENS.auditor, '?level=red')).json().length, 2);
    t.equal((await get(TOKENS.auditor, '?process=other')).json().length, 0);
    const market = (await get(TOKENS.market)).json() as { department: string }[];
    t.ok(
      market.length === 4 && market.every((c) => c.department === '市场监管'),
      'the department holding it sees them',
    );
    t.equal((await get(TOKENS.police)).json().length, 0, 'another department sees none');
    t.equal((await get(TOKENS.police, `?department=${encodeURIComponent('市场监管')}`)).statusCode, 403);
    t.equal((await get(TOKENS.intake)).statusCode, 403);

    const red = (await get(TOKENS.supervisor, '?level=red')).json()[0] as { id: string; caseId: string };
    t.equal(red.caseId, caseId);
    const note = await app.inject({
      method: 'POST',
      url: `/api/warnings/${red.id}/notes`,
      headers: bearer(TOKENS.supervisor),
      payload: { text: '请于今日办结 / finish today' },
    });
    t.equal(note.statusCode, 201);
    t.equal(note.json().notes[0].text, '请于今日办结 / finish today');
    const seen = (await get(TOKENS.market, '?level=red')).json() as {
      id: string;
      notes: { text: string }[];
    }[];
    t.same(
      seen.find((c) => c.id === red.id)?.notes.map((n) => n.text),
      ['请于今日办结 / finish today'],
      'the department sees the note',
    );
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: `/api/warnings/${red.id}/notes`,
          headers: bearer(TOKENS.market),
          payload: { text: 'x' },
        })
      ).statusCode,
      403,
    );
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/api/warnings/nope/notes',
          headers: bearer(TOKENS.supervisor),
          payload: { text: 'x' },
        })
      ).statusCode,
      404,
    );
    t.equal(
      (
        await app.inject({
          method: 'POST',
          url: `/api/warnings/${red.id}/notes`,
          headers: bearer(TOKENS.supervisor),
          payload: { text: '   ' },
        })
      ).statusCode,
      400,
    );
  });
}

const url = process.env.TEST_DATABASE_URL;
t.test(
  'each level raised once by three nodes on one PostgreSQL',
  { skip: url ? false : 'TEST_DATABASE_URL not set' },
  async (t) => {
    const created = await createDatabaseBeside(url as string, 'reflow_warn');
    const pools: pg.Pool[] = [];
    const dbs: Db[] = [];
    for (let i = 0; i < 3; i++) {
      const pool = new pg.Pool({ connectionString: created.url, max: 4 });
      // as a node's pool: a connection the drop at the end terminates while it closes is heard, not thrown
      configurePool(pool);
      pools.push(pool);
      dbs.push(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }));
    }
    await migrateToLatest(dbs[0] as Kysely<unknown>);
    const r = await rig({ db: dbs[0], kind: 'postgres', close: async () => {} }, t);
    t.teardown(async () => {
      for (const db of dbs) await db.destroy();
      await created.drop();
    });
    const CASES = 30;
    const ids: string[] = [];
    for (let i = 0; i < CASES; i++) ids.push(await r.start('licence'));
    const nodes = dbs.map((db, i) => r.scheduler(`node-${i}`, db));
    await Promise.all(nodes.map((n) => n.tick()));
    r.clock.now = YELLOW + 60_000;
    const yellow = await Promise.all(nodes.map((n) => n.tick()));
    t.equal(
      yellow.reduce((a, b) => a + b, 0),
      CASES * 2,
      'one yellow per task and case',
    );
    r.clock.now = RED;
    const red = await Promise.all(nodes.map((n) => n.tick()));
    t.equal(
      red.reduce((a, b) => a + b, 0),
      CASES * 2,
      'one red per task and case',
    );
    t.ok(red.filter((n) => n > 0).length >= 2, `the work was shared: ${red.join(', ')}`);
    const counts = await r.db
      .selectFrom('warnings')
      .select(({ fn }) => ['level', fn.countAll<string>().as('n')])
      .groupBy('level')
      .execute();
    t.same(Object.fromEntries(counts.map((c) => [c.level, Number(c.n)])), {
      yellow: CASES * 2,
      red: CASES * 2,
    });
    const audited = await r.db
      .selectFrom('audit_events')
      .select(({ fn }) => fn.countAll<string>().as('n'))
      .where('type', '=', 'warningRaised')
      .executeTakeFirstOrThrow();
    t.equal(Number(audited.n), CASES * 4, 'each card audited once');
    t.ok((await verifyAudit(r.db, {}, { calendar })).ok, 'every chain verifies');
  },
);
