// A 一件事 measured end to end (engine/metrics/case-figures.ts, migration 2026-12-08-case-links): a master that
// starts department cases by messages counts their trips and corrections in its own figures; the cases its
// messages started (and the cases their messages started) name it as their root; an answer delivered to a case
// already running links nothing; the departments' versions still count their own cases.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t from 'tap';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import { oneThingFigures, oneThingWorkingMs } from '../../engine/metrics/case-figures.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const xml = readFileSync(new URL('./fixtures/messages/one-thing.bpmn', import.meta.url), 'utf8');

t.test('the rule in memory: trips summed, corrected when any case was', async (t) => {
  t.same(oneThingFigures({ trips: 1, corrected: false }, []), { trips: 1, corrected: false });
  t.same(
    oneThingFigures({ trips: 1, corrected: false }, [
      { trips: 1, corrected: false },
      { trips: 0, corrected: true },
      { trips: 2, corrected: false },
    ]),
    { trips: 4, corrected: true },
  );
});

for (const database of testDatabases()) {
  t.test(
    `a 一件事's figures include the department cases its messages started (${database.name})`,
    async (t) => {
      const opened = await database.open();
      const { app, close } = await buildTestApp(opened);
      t.teardown(close);
      const messages = app.reflow.messages;
      const call = async (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
        app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
      const deployed = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: xml,
      });
      t.equal(deployed.statusCode, 201, deployed.body);
      const view = async (id: string) => (await call(TOKENS.admin, 'GET', `/api/cases/${id}`)).json();
      const complete = async (token: string, caseId: string) => {
        const task = (await view(caseId)).openTasks[0].id;
        const res = await call(token, 'POST', `/api/tasks/${task}/complete`, {});
        t.equal(res.statusCode, 200, res.body);
        await messages.idle();
      };
      const figures = async (key: string) =>
        (await call(TOKENS.auditor, 'GET', `/api/processes/${key}/versions/1/metrics`)).json().dynamic;
      const roots = async () =>
        (
          await sql<{ process_key: string; id: string; root_case_id: string | null }>`
          SELECT process_key, id, root_case_id FROM cases ORDER BY process_key`.execute(opened.db)
        ).rows;

      // given the master started at a window (one trip)
      const started = await call(TOKENS.intake, 'POST', '/api/cases', {
        process: 'ot_master',
        businessKey: 'OT-1',
        channel: 'window',
      });
      t.equal(started.statusCode, 201, started.body);
      const master = started.json().id as string;
      await messages.idle();

      // then its messages started 刻章 and 领票, and 领票's message started 登记: all three name the master as root
      const linked = await roots();
      t.same(
        linked.map((r) => [r.process_key, r.root_case_id]),
        [
          ['ot_master', null],
          ['ot_seal', master],
          ['ot_sub', master],
          ['ot_tax', master],
        ],
        'each case started by a message of the 一件事 names the master (transitively)',
      );
      const caseOf = (key: string) => linked.find((r) => r.process_key === key)?.id as string;
      // and the case API shows the link both ways: the master's 一件事 lists its cases, the master first
      const masterView = await view(master);
      t.equal(masterView.rootCaseId, null, 'the master has no master');
      t.same(
        masterView.oneThing.cases.map((c: { master: boolean }) => c.master),
        [true, false, false, false],
        'the master first, flagged',
      );
      t.equal(masterView.oneThing.cases[0].id, master);
      t.same(
        masterView.oneThing.cases.map((c: { id: string }) => c.id).sort(),
        linked.map((r) => r.id).sort(),
        'every case of the 一件事 listed once',
      );
      // (税务's case is at its 补正 step already: the 一件事 is not first time; the master is active: no working days)
      t.match(masterView.oneThing, { masterCaseId: master, trips: 1, firstTime: false, workingDays: null });
      const sealView = await view(caseOf('ot_seal'));
      t.equal(sealView.rootCaseId, master, 'a department case names its master');
      t.equal(sealView.oneThing.masterCaseId, master, 'and shows the 一件事 it belongs to');
      t.equal(sealView.trips, 0, "the department case's own figures stay its own");

      // when the departments work: 现场刻章 in person, 补正 at 税务 (a correction), 现场核验 in person
      await complete(TOKENS.police, caseOf('ot_seal'));
      await complete(TOKENS.market, caseOf('ot_sub'));
      await complete(TOKENS.tax, caseOf('ot_tax'));
      // and the answers came back: the master hands over
      t.same(
        (await view(master)).openTasks.map((task: { elementId: string }) => task.elementId),
        ['hand_over'],
        'both answers reached the master',
      );
      await complete(TOKENS.centre, master);
      t.equal((await view(master)).status, 'completed');
      t.equal((await roots()).find((r) => r.id === master)?.root_case_id, null, 'answers link nothing');

      // then the master's figures are the 一件事's: 1 (window) + 1 (刻章) + 1 (核验) trips, not first time
      const own = await sql<{ trips: number; corrected: boolean }>`
      SELECT trips, corrected FROM cases WHERE id = ${master}`.execute(opened.db);
      t.same(own.rows[0], { trips: 1, corrected: false }, 'the master row keeps its own figures');
      t.match(await figures('ot_master'), { completed: 1, meanTrips: 3, firstTimeRate: 0 });
      // and each department's version still counts its own case, once
      t.match(await figures('ot_seal'), { completed: 1, meanTrips: 1, firstTimeRate: 1 });
      t.match(await figures('ot_tax'), { completed: 1, meanTrips: 0, firstTimeRate: 0 });
      t.match(await figures('ot_sub'), { completed: 1, meanTrips: 1 });

      // and the case API gives the same figures for the 一件事, the working days the master's own
      const done = await view(master);
      t.match(done.oneThing, { trips: 3, firstTime: false, workingDays: done.workingDays });
      t.equal(typeof done.workingDays, 'number');
      t.equal(done.trips, 1, "the master's own trips beside them");
      t.same(
        Object.fromEntries(
          done.oneThing.cases.map(
            (c: { process: string; trips: number; firstTime: boolean; status: string }) => [
              c.process,
              [c.trips, c.firstTime, c.status],
            ],
          ),
        ),
        {
          ot_master: [1, true, 'completed'],
          ot_seal: [1, true, 'completed'],
          ot_sub: [1, true, 'completed'],
          ot_tax: [0, false, 'completed'],
        },
      );

      // a case started by a person is no part of a 一件事
      const alone = await call(TOKENS.intake, 'POST', '/api/cases', {
        process: 'ot_seal',
        businessKey: 'OT-2',
      });
      t.equal(alone.statusCode, 201, alone.body);
      t.match(await view(alone.json().id), { rootCaseId: null, oneThing: null });
      t.equal((await call(TOKENS.admin, 'GET', '/api/cases/nope')).statusCode, 404);

      // a rebuild of the master's rollups from the rows gives the same figures
      await sql`SELECT reflow_roll_up_version('ot_master', 1)`.execute(opened.db);
      t.match(await figures('ot_master'), { completed: 1, meanTrips: 3, firstTimeRate: 0 });
    },
  );
}

t.test(
  'the rule in memory: a 一件事 takes from its first start to its last end, in working time',
  async (t) => {
    const calendar = getDefaultCalendar();
    const monday9 = Date.parse('2026-01-05T09:00:00+08:00');
    const monday11 = Date.parse('2026-01-05T11:00:00+08:00');
    const tuesday12 = Date.parse('2026-01-06T12:00:00+08:00');
    t.equal(oneThingWorkingMs(calendar, []), null, 'no case: nothing to measure');
    t.equal(
      oneThingWorkingMs(calendar, [
        { startedAt: monday9, endedAt: monday11 },
        { startedAt: monday9, endedAt: null },
      ]),
      null,
      'a case still open: not measured yet',
    );
    t.equal(
      oneThingWorkingMs(calendar, [
        { startedAt: monday9, endedAt: monday11 },
        { startedAt: monday11, endedAt: tuesday12 },
      ]),
      10 * 3_600_000,
      'Monday 09:00 to Tuesday 12:00: 7 + 3 working hours',
    );
    // Friday 2026-02-13 16:00 to Tuesday 2026-02-24 10:00: Saturday the 14th is a working day (调休), the 15th
    // to the 23rd the Spring Festival holidays: 1 + 7 + 1 working hours
    t.equal(
      oneThingWorkingMs(calendar, [
        {
          startedAt: Date.parse('2026-02-13T16:00:00+08:00'),
          endedAt: Date.parse('2026-02-20T10:00:00+08:00'),
        },
        {
          startedAt: Date.parse('2026-02-14T09:00:00+08:00'),
          endedAt: Date.parse('2026-02-24T10:00:00+08:00'),
        },
      ]),
      9 * 3_600_000,
      'in working hours of the holiday calendar, 调休 included',
    );
  },
);

for (const database of testDatabases()) {
  t.test(
    `a department case ending after its master extends the 一件事's working days (${database.name})`,
    async (t) => {
      const calendar = getDefaultCalendar();
      const opened = await database.open();
      const { app, clock, close } = await buildTestApp(opened);
      t.teardown(close);
      const messages = app.reflow.messages;
      const call = async (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
        app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
      const deployed = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: xml,
      });
      t.equal(deployed.statusCode, 201, deployed.body);
      const view = async (id: string) => (await call(TOKENS.admin, 'GET', `/api/cases/${id}`)).json();
      const complete = async (token: string, caseId: string) => {
        const task = (await view(caseId)).openTasks[0].id;
        const res = await call(token, 'POST', `/api/tasks/${task}/complete`, {});
        t.equal(res.statusCode, 200, res.body);
        await messages.idle();
      };
      const hours = (n: number) => {
        clock.now = calendar.addWorkingMs(clock.now, n * 3_600_000);
      };

      // given a master started Monday 09:00; its messages start 刻章 and 领票, and 领票's starts 登记
      const startedAt = clock.now;
      const started = await call(TOKENS.intake, 'POST', '/api/cases', {
        process: 'ot_master',
        businessKey: 'OT-LATE',
      });
      t.equal(started.statusCode, 201, started.body);
      const master = started.json().id as string;
      await messages.idle();
      const caseOf = async (key: string) =>
        (await sql<{ id: string }>`SELECT id FROM cases WHERE process_key = ${key}`.execute(opened.db))
          .rows[0].id;

      // when 刻章 and 领票 answer and the master completes two working hours later, 登记 still open
      hours(1);
      await complete(TOKENS.police, await caseOf('ot_seal'));
      await complete(TOKENS.tax, await caseOf('ot_tax'));
      hours(1);
      await complete(TOKENS.centre, master);
      const masterDone = await view(master);
      t.equal(masterDone.status, 'completed');
      t.equal(masterDone.workingDays, 2 / 7, "the master's own: two of a day's seven working hours");

      // then the 一件事 is not measured yet: one of its cases is open
      t.match(masterDone.oneThing, { workingDays: null });

      // when 登记 ends the next working day at 12:00, after its master
      hours(7 + 1);
      const sub = await caseOf('ot_sub');
      await complete(TOKENS.market, sub);
      const endedAt = clock.now;

      // then the 一件事 takes from the master's start to 登记's end: Monday 7 h + Tuesday 3 h = 10/7 working days
      const done = await view(master);
      t.equal(done.workingDays, 2 / 7, "the master's own working days are unchanged");
      t.equal(
        done.oneThing.workingDays,
        calendar.workingMsBetween(startedAt, endedAt) / calendar.msPerWorkingDay,
      );
      t.equal(done.oneThing.workingDays, 10 / 7, 'extended by the department case that ended last');
      t.equal((await view(sub)).oneThing.workingDays, 10 / 7, 'the same on the department case');
    },
  );
}
