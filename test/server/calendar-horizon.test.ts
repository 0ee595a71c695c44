// The holiday calendar's horizon: the warning on /healthz and GET /api/calendar (injected clock), due dates and
// working days past it flagged, a 2027 schedule loaded through the API moving open tasks' due dates, working-day
// timers and measured working times (each recorded in the case's audit chain and the system log), replacing a
// loaded year, strict checks of the body, and other nodes picking the year up (poll, LISTEN, catch-up).
//
// The 2027 schedules below are MADE UP for the test: they are not the State Council's 2027 notice.
import { readFileSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import t from 'tap';
import { verifyAudit } from '../../server/audit/verify.js';
import { CalendarService } from '../../server/calendar/calendar-service.js';
import { CaseService } from '../../server/cases/case-service.js';
import { configurePool, type Db } from '../../server/db/database.js';
import type { Database } from '../../server/db/schema.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

t.setTimeout(240_000);

/** A Beijing local time as epoch ms. */
const at = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);
const iso = (local: string): string => new Date(at(local)).toISOString();

/** TEST DATA, not official: 元旦 and a Spring Festival week off, one Saturday worked. */
const TEST_2027 = {
  holidays: [
    '2027-01-01',
    '2027-02-05',
    '2027-02-08',
    '2027-02-09',
    '2027-02-10',
    '2027-02-11',
    '2027-02-12',
  ],
  workdays: ['2027-02-20'],
};
/** TEST DATA, not official: the same without 2027-02-05 off and without the Saturday worked. */
const TEST_2027_REVISED = {
  holidays: ['2027-01-01', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12'],
  workdays: [],
};

const PROCESS = readFileSync(new URL('./fixtures/calendar-permit.bpmn', import.meta.url), 'utf8');

/** Waits until `ready()` holds (a node picking a year up), failing after `ms`. */
async function until(ready: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ready()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return ready();
}

for (const database of testDatabases()) {
  t.test(`calendar horizon (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, service, scheduler, clock, close } = await buildTestApp(opened, {
      now: at('2026-12-06 10:00'),
    });
    t.teardown(close);
    const db = opened.db;
    const inject = async (
      method: 'GET' | 'POST' | 'PUT',
      url: string,
      token: string | null,
      payload?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const res = await app.inject({
        method,
        url,
        headers: { ...(token ? bearer(token) : {}), ...headers },
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return { status: res.statusCode, body: res.json(), type: res.headers['content-type'] };
    };

    // a second node on the same database: PostgreSQL through its own pool, woken by NOTIFY (no useful poll);
    // PGlite (one process, one database) by its poll
    let secondDb: Db = db;
    let secondPool: pg.Pool | undefined;
    if (opened.kind === 'postgres') {
      const url = (opened.pool as unknown as { options: { connectionString: string } }).options
        .connectionString;
      secondPool = new pg.Pool({ connectionString: url, max: 3 });
      configurePool(secondPool);
      secondDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: secondPool }) });
    }
    const second = new CaseService(secondDb, new DefinitionStore(secondDb), { clock: () => clock.now });
    const secondCalendars = new CalendarService(secondDb, second, {
      pollMs: opened.kind === 'postgres' ? 600_000 : 20,
      pool: secondPool,
      settleMs: 10,
    });
    await secondCalendars.start();
    // a third node that hears nothing until asked (it missed the load): it creates work with the old calendar
    const stale = new CaseService(db, new DefinitionStore(db), { clock: () => clock.now });
    const staleCalendars = new CalendarService(db, stale, { pollMs: 600_000, settleMs: 10 });
    await staleCalendars.start();
    t.teardown(async () => {
      await secondCalendars.stop();
      await staleCalendars.stop();
      if (secondPool) await secondDb.destroy();
    });

    t.test('the horizon and the warning, by the injected clock', async (t) => {
      // given the built-in data only (chinese-days 1.5.7: to 2026), on 2026-12-06
      // when
      const health = await inject('GET', '/healthz', null);
      const calendar = await inject('GET', '/api/calendar', TOKENS.intake);
      // then
      t.equal(health.status, 200, 'a warning keeps /healthz at 200');
      t.equal(health.body.status, 'ok');
      t.equal(health.body.warnings.length, 1);
      t.match(health.body.warnings[0], { code: 'calendar-horizon', horizon: '2026-12-31', daysLeft: 25 });
      t.match(health.body.warnings[0].message, /2026-12-31（还有 25 天）.*PUT \/api\/calendar\/years\/2027/);
      t.match(health.body.warnings[0].message, /ends on 2026-12-31 \(25 days from now\)/);
      t.equal(calendar.status, 200);
      t.equal(calendar.body.horizon, '2026-12-31');
      t.same(calendar.body.years.slice(0, 2), [2004, 2005]);
      t.equal(calendar.body.years.at(-1), 2026);
      t.same(calendar.body.warnings, health.body.warnings);
      // when the clock is 61 days before the horizon
      clock.now = at('2026-10-31 10:00');
      // then no warning
      t.same((await inject('GET', '/healthz', null)).body.warnings, []);
      t.same(
        app.calendars.warnings(at('2026-11-02 10:00')).map((w) => w.daysLeft),
        [59],
      );
    });

    t.test('a case spanning 2026-12-28 → 2027-02-20 before and after loading 2027', async (t) => {
      const deployed = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: PROCESS,
      });
      t.equal(deployed.statusCode, 201, deployed.body);
      // given two cases started on Monday 2026-12-28 09:00: 30 working days for the review, a 35-day timer
      clock.now = at('2026-12-28 09:00');
      const spanning = (await inject('POST', '/api/cases', TOKENS.intake, { process: 'cal_permit' })).body;
      const early = (await inject('POST', '/api/cases', TOKENS.intake, { process: 'cal_permit' })).body;
      // then without 2027's holidays: plain Monday to Friday, flagged as an estimate
      t.equal(
        spanning.openTasks[0].dueAt,
        iso('2027-02-05 17:00'),
        '30 working days counting 2027 as Mon–Fri',
      );
      t.equal(spanning.openTasks[0].calendarEstimated, true);
      t.equal(spanning.calendarEstimated, true);
      const timerDue = async (caseId: string) =>
        (
          await db
            .selectFrom('timers')
            .select('due_at')
            .where('case_id', '=', caseId)
            .executeTakeFirstOrThrow()
        ).due_at.toISOString();
      t.equal(await timerDue(spanning.id), iso('2027-02-12 17:00'));
      const listed = (await inject('GET', `/api/tasks?caseId=${spanning.id}`, TOKENS.admin)).body;
      t.equal(listed[0].calendarEstimated, true, 'the task list flags it too');
      // when one of them is done on 2027-02-10 12:00, still without 2027's schedule
      clock.now = at('2027-02-10 12:00');
      const task = (await inject('GET', `/api/tasks?caseId=${early.id}&status=open`, TOKENS.admin)).body[0];
      const finished = (await inject('POST', `/api/tasks/${task.id}/complete`, TOKENS.market, {})).body;
      // then its working days count 2027-01-01 and the test's Spring Festival week as working days
      t.equal(finished.status, 'completed');
      t.equal(finished.workingDays.toFixed(6), (32 + 3 / 7).toFixed(6));
      t.equal(finished.calendarEstimated, true);
      const summary = (await inject('GET', '/api/cases?process=cal_permit', TOKENS.admin)).body.items;
      t.equal(summary.find((c: { id: string }) => c.id === early.id).calendarEstimated, true);
      const before = (await inject('GET', '/api/processes/cal_permit/versions/1/metrics', TOKENS.auditor))
        .body;
      t.equal(before.calendarEstimated, true, 'the metrics say their figures are estimates');
      t.equal(before.calendarHorizon, '2026-12-31');
      t.equal(before.dynamic.onTimeRate, 0, '32.4 working days: over the 31-day limit');
      t.equal(before.dynamic.steps[0].breaches, 1);
      const report = await app.inject({
        method: 'GET',
        url: '/api/processes/cal_permit/report?from=1&to=1&lang=zh',
        headers: bearer(TOKENS.auditor),
      });
      t.match(report.body, /工作日历的节假日数据只到 2026-12-31/, 'the printed report carries the note');
      const reportEn = await app.inject({
        method: 'GET',
        url: '/api/processes/cal_permit/report?from=1&to=1&lang=en',
        headers: bearer(TOKENS.auditor),
      });
      t.match(reportEn.body, /holiday calendar’s data ends on 2026-12-31/);
      t.match((await inject('GET', '/healthz', null)).body.warnings[0], { daysLeft: -41 });

      // when an administrator loads 2027 at 14:00
      clock.now = at('2027-02-10 14:00');
      const loaded = await inject('PUT', '/api/calendar/years/2027', TOKENS.admin, TEST_2027);
      // then
      t.equal(loaded.status, 200, JSON.stringify(loaded.body));
      t.match(loaded.body, { year: 2027, replaced: 'none', horizon: '2027-12-31', warnings: [] });
      t.equal(loaded.body.years.at(-1), 2027);
      t.same(
        loaded.body.moved
          .filter((m: { caseId: string }) => m.caseId === spanning.id)
          .map((m: { kind: string; previousDueAt: string; dueAt: string }) => [
            m.kind,
            m.previousDueAt,
            m.dueAt,
          ]),
        [
          ['task', iso('2027-02-05 17:00'), iso('2027-02-16 17:00')],
          ['timer', iso('2027-02-12 17:00'), iso('2027-02-22 17:00')],
        ],
        'the open task and the working-day timer moved past the holidays',
      );
      t.same(loaded.body.workingTimes, { steps: 1, cases: 1 }, 'the finished case and its step re-measured');
      t.same(loaded.body.rebuiltVersions, ['cal_permit:1']);
      const after = (await inject('GET', `/api/cases/${spanning.id}`, TOKENS.admin)).body;
      t.equal(after.openTasks[0].dueAt, iso('2027-02-16 17:00'));
      t.equal(after.openTasks[0].calendarEstimated, false);
      t.equal(after.calendarEstimated, false);
      t.equal(after.timeline[0].dueAt, iso('2027-02-16 17:00'));
      t.equal(await timerDue(spanning.id), iso('2027-02-22 17:00'));
      const remeasured = (await inject('GET', `/api/cases/${early.id}`, TOKENS.admin)).body;
      t.equal(remeasured.workingDays, 28, 'the holidays no longer count');
      t.equal(remeasured.calendarEstimated, false);
      const metrics = (await inject('GET', '/api/processes/cal_permit/versions/1/metrics', TOKENS.auditor))
        .body;
      t.equal(metrics.calendarEstimated, false);
      t.equal(metrics.dynamic.meanWorkingDays, 28);
      t.equal(metrics.dynamic.onTimeRate, 1, 'on time once the holidays are known');
      t.equal(metrics.dynamic.steps[0].breaches, 0);
      t.same((await inject('GET', '/healthz', null)).body.warnings, []);
      // the timer no longer fires at its old due date
      clock.now = at('2027-02-13 10:00');
      t.equal(await scheduler.tick(), 0, 'nothing due on 2027-02-13');

      // the audit: the case's chain records the move, the system log who loaded what
      const events = (await inject('GET', `/api/cases/${spanning.id}/events`, TOKENS.auditor)).body;
      const moved = events.find((e: { type: string }) => e.type === 'dueDatesMoved');
      t.match(moved, { actor: 'admin', at: iso('2027-02-10 14:00') });
      t.match(moved.payload, {
        reason: 'calendar',
        years: [2027],
        steps: [
          { elementId: 'review', previousDueAt: at('2027-02-05 17:00'), dueAt: at('2027-02-16 17:00') },
        ],
        timers: [
          { elementId: 'overdue', previousDueAt: at('2027-02-12 17:00'), dueAt: at('2027-02-22 17:00') },
        ],
      });
      const log = (await inject('GET', '/api/calendar/events', TOKENS.auditor)).body;
      t.equal(log.verified, true, 'the system log chain verifies');
      // (the system log is shared with publications: the deployment above published the process's first version)
      t.match(log.events[0], {
        type: 'calendarYearLoaded',
        actor: 'admin',
        at: iso('2027-02-10 14:00'),
        payload: {
          year: 2027,
          replaced: 'none',
          previous: null,
          holidays: TEST_2027.holidays,
          workdays: TEST_2027.workdays,
        },
      });
      t.match(log.events[1], {
        seq: log.events[0].seq + 1,
        type: 'calendarDueDatesMoved',
        payload: { years: [2027] },
      });
      t.equal(log.events[1].payload.moved.length, 2);
      t.same((await inject('GET', '/api/calendar/years/2027', TOKENS.intake)).body, {
        year: 2027,
        source: 'stored',
        holidays: TEST_2027.holidays,
        workdays: TEST_2027.workdays,
        loadedAt: iso('2027-02-10 14:00'),
        loadedBy: 'admin',
      });
      t.equal((await inject('GET', '/api/calendar/years/2026', TOKENS.intake)).body.source, 'built-in');

      // another node sees the new year without a restart (NOTIFY on PostgreSQL, its poll on PGlite)
      t.ok(await until(() => second.calendar.horizon === '2027-12-31'), 'the second node switched');
      t.equal(second.calendar.isWorkingDay('2027-02-10'), false);

      // a node that missed the load creates work with the old calendar; once it reads the year it moves it
      clock.now = at('2027-02-10 15:00');
      t.equal(stale.calendar.horizon, '2026-12-31');
      const late = (await stale.start({ process: 'cal_permit' }, 'intake')).view;
      const staleDue = late.openTasks[0].dueAt;
      t.equal(staleDue, new Date(staleCalendars.calendar.addWorkingDays(clock.now, 30)).toISOString());
      t.same(await staleCalendars.load(), [2027]);
      const right = new Date(stale.calendar.addWorkingDays(clock.now, 30)).toISOString();
      t.not(right, staleDue, 'the old calendar gave another date');
      t.ok(
        await until(async () => (await service.view(late.id)).openTasks[0].dueAt === right),
        'its catch-up moved the due date',
      );
      const lateEvents = (await inject('GET', `/api/cases/${late.id}/events`, TOKENS.auditor)).body;
      t.match(lateEvents.at(-1), { type: 'dueDatesMoved', actor: 'calendar' });

      // when 2027 is loaded again with a revised schedule
      clock.now = at('2027-02-10 16:00');
      const revised = await inject('PUT', '/api/calendar/years/2027', TOKENS.admin, TEST_2027_REVISED);
      t.equal(revised.status, 200);
      t.equal(revised.body.replaced, 'stored');
      t.same(
        revised.body.moved
          .filter((m: { caseId: string }) => m.caseId === spanning.id)
          .map((m: { kind: string; dueAt: string }) => [m.kind, m.dueAt]),
        [['task', iso('2027-02-15 17:00')]],
        '2027-02-05 is a working day again; the timer still lands on 02-22',
      );
      const history = (await inject('GET', '/api/calendar/events', TOKENS.auditor)).body.events;
      const replaced = history.filter((e: { type: string }) => e.type === 'calendarYearLoaded').at(-1);
      t.match(replaced.payload, {
        replaced: 'stored',
        holidays: TEST_2027_REVISED.holidays,
        workdays: [],
        previous: { holidays: TEST_2027.holidays, workdays: TEST_2027.workdays, loadedBy: 'admin' },
      });
      t.equal((await inject('GET', `/api/cases/${early.id}`, TOKENS.admin)).body.workingDays, 29);

      // then the spanning case ends on Saturday 2027-02-20 10:00 (no longer worked): 34 working days
      clock.now = at('2027-02-20 10:00');
      const open = (await inject('GET', `/api/tasks?caseId=${spanning.id}&status=open`, TOKENS.admin))
        .body[0];
      const ended = (await inject('POST', `/api/tasks/${open.id}/complete`, TOKENS.market, {})).body;
      t.equal(ended.status, 'completed');
      t.equal(ended.workingDays, 34);
      t.equal(ended.calendarEstimated, false);

      // every chain and every derived row verifies against the calendar with the stored year
      const report2 = await verifyAudit(db, {}, { calendar: service.calendar });
      t.equal(report2.ok, true, JSON.stringify(report2.broken));
      t.equal(report2.checkedCases, 3);
    });

    t.test('a year is checked strictly: 400/422 naming the field', async (t) => {
      // in English here; the Chinese of the same refusals: test/server/problem-details.test.ts
      const put = (body: unknown, year: string | number = 2028, token: string = TOKENS.admin) =>
        inject('PUT', `/api/calendar/years/${year}`, token, body, { 'accept-language': 'en' });
      const forbidden = await put(TEST_2027, 2027, TOKENS.auditor);
      t.equal(forbidden.status, 403);
      const bad = await put({
        holidays: ['2028-02-30', '2027-10-01', '2028-01-03', '2028-01-03', '28-1-1'],
        workdays: ['2028-01-04', '2028-01-03'],
      });
      t.equal(bad.status, 422);
      t.match(bad.type, /application\/problem\+json/);
      t.same(
        bad.body.errors.map((e: { field: string }) => e.field),
        [
          'body.holidays[0]',
          'body.holidays[1]',
          'body.holidays[3]',
          'body.holidays[4]',
          'body.workdays[0]',
          'body.workdays[1]',
        ],
      );
      t.match(bad.body.errors[1].message, /2027-10-01, not in 2028/);
      t.match(bad.body.errors[4].message, /2028-01-04, a Tuesday: a working day already/);
      t.match(bad.body.errors[5].message, /listed as a holiday too/);
      const weekends = await put({ holidays: ['2028-01-01', '2028-01-02'] });
      t.equal(weekends.status, 422);
      t.match(weekends.body.errors, [{ field: 'body.holidays', message: /Saturday or a Sunday/ }]);
      const empty = await put({ holidays: [], workdays: [] });
      t.equal(empty.status, 422);
      t.match(empty.body.errors, [{ field: 'body.holidays', message: /empty/ }]);
      const misspelt = await put({ holiday: ['2028-01-03'] });
      t.equal(misspelt.status, 400);
      t.match(JSON.stringify(misspelt.body.errors), /body\.holiday/);
      t.equal((await put(TEST_2027, 'next')).status, 400);
      const missing = await app.inject({
        method: 'PUT',
        url: '/api/calendar/years/2028',
        headers: bearer(TOKENS.admin),
      });
      t.equal(missing.statusCode, 400);
      t.match(missing.json().errors, [{ field: 'body' }]);
      const xml = await inject('PUT', '/api/calendar/years/2028', TOKENS.admin, '<holidays/>', {
        'content-type': 'application/xml',
      });
      t.equal(xml.status, 415);
      t.equal((await put(TEST_2027, 1969)).status, 400);
      // nothing was stored by the refusals
      t.same(
        (await inject('GET', '/api/calendar', TOKENS.intake)).body.stored.map(
          (y: { year: number }) => y.year,
        ),
        [2027],
      );
    });

    t.test("the notice's text loads as text/plain", async (t) => {
      // given the text of the State Council's 2025 notice (the built-in 2025 data holds the same dates)
      const notice = `国务院办公厅关于2025年部分节假日安排的通知
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。`;
      const put = (text: string, year: number) =>
        inject('PUT', `/api/calendar/years/${year}`, TOKENS.admin, text, {
          'content-type': 'text/plain',
          'accept-language': 'en',
        });
      // when it is loaded for another year, it is refused by its weekdays
      const wrong = await put(notice, 2031);
      t.equal(wrong.status, 422);
      t.match(wrong.body.errors[0], { field: 'body.notice', message: /names 2025, not 2031/ });
      // when loaded for 2025
      const loaded = await put(notice, 2025);
      // then it replaces the built-in 2025 with the same dates: nothing moves
      t.equal(loaded.status, 200, JSON.stringify(loaded.body));
      t.equal(loaded.body.replaced, 'built-in');
      t.same(loaded.body.moved, []);
      t.same(loaded.body.workingTimes, { steps: 0, cases: 0 });
      const year = (await inject('GET', '/api/calendar/years/2025', TOKENS.intake)).body;
      t.equal(year.source, 'stored');
      t.equal(year.holidays.length, 28);
      t.same(year.workdays, ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11']);
    });
  });
}
