// Event-log import: every metric of a small hand-built log, worked out below; PM4Py columns; bad files refused
// with the problem named and nothing stored — on each test database.
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';
import { deploy, fingerprint, fixture, importLog, metricsOf, near } from './metrics-helpers.js';

const permit = fixture('permit.bpmn');
const log = fixture('permit-log.csv');

for (const database of testDatabases()) {
  t.test(`event-log import (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, close } = await buildTestApp(opened);
    t.teardown(close);
    await deploy(t, app, permit);

    t.test('every metric of a hand-built log', async (t) => {
      // given fixtures/permit-log.csv, 4 cases in January 2026 (no holidays; working hours 09–12, 13–17 = 7 h):
      // A: review Mon 5th 09→16 = 6 h; issue with no start: entered at the previous event (16:00), done Tue 10:00
      //    = 1+1 = 2 h. Case Mon 09:00 → Tue 10:00 = 8 h. First time, 1 trip (issue is in person).
      // B: review Wed 7th 09→10 = 1 h; the 补正 request (ask, by name) at 10:00, 0 h: a correction; waiting for
      //    materials (pauses the clock) Wed 10:00 → Fri 9th 10:00 = 6+7+1 = 14 h; review Fri 10→11 = 1 h; issue
      //    Fri 11:00 → Mon 12th 11:00 = 5+2 = 7 h. Case Wed 09:00 → Mon 11:00 = 23 h − 14 h paused = 9 h; 1 trip.
      // C: review Mon 12th 09:00 → Thu 15th 12:00 (written in UTC) = 7+7+7+3 = 24 h, over its 2-day (14 h) limit;
      //    issue (department 公安分局 from the log) Thu 13:00 → Wed 21st 13:00 = 4+7+7+7+3 = 28 h.
      //    Case 52 h, over the 5-day (35 h) limit. First time, 1 trip.
      // D: rows out of order; a `schedule` at 08:00 (skipped, but the case's first event); review 09→12 = 3 h;
      //    issue 13→14 = 1 h. Case 08:00 → 14:00 = 4 h. First time, 1 trip.
      const res = await importLog(app, 'permit', 1, log, 'text/csv');
      t.equal(res.statusCode, 200, res.body);
      t.same(res.json(), { imported: 4, cases: 4, events: 21, steps: 11, skipped: 1, unmatched: [] });
      const d = (await metricsOf(app, 'permit', 1)).dynamic;
      t.equal(d.cases, 4);
      t.equal(d.completed, 4);
      // durations 4, 8, 9, 52 h: mean 73/4 = 18.25 h; median rank 1.5 → 8.5 h; p90 rank 2.7 → 9 + 0.7 × 43 = 39.1 h
      near(t, d.meanWorkingDays, 18.25 / 7, 'mean');
      near(t, d.medianWorkingDays, 8.5 / 7, 'median');
      near(t, d.p90WorkingDays, 39.1 / 7, 'p90');
      t.equal(d.meanTrips, 1, 'one in-person issue each');
      t.equal(d.firstTimeRate, 0.75, 'B reached the correction');
      t.equal(d.onTimeRate, 0.75, 'C took 52 h > 35 h');
      t.equal(d.satisfaction, null);
      t.equal(d.badRatings, 0);
      const step = (id: string) => d.steps.find((s: { elementId: string }) => s.elementId === id);
      // review 6, 1, 1, 24, 3 h: mean 35/5 = 7 h = 1 day; p90 rank 3.6 → 6 + 0.6 × 18 = 16.8 h; one breach (C)
      t.match(step('review'), { name: '审查', count: 5, breaches: 1 });
      near(t, step('review').meanWorkingDays, 1, 'review mean');
      near(t, step('review').p90WorkingDays, 16.8 / 7, 'review p90');
      // issue 2, 7, 28, 1 h: mean 9.5 h; p90 rank 2.7 → 7 + 0.7 × 21 = 21.7 h; no limit, no breach
      t.match(step('issue'), { count: 4, breaches: 0 });
      near(t, step('issue').meanWorkingDays, 9.5 / 7, 'issue mean');
      near(t, step('issue').p90WorkingDays, 21.7 / 7, 'issue p90');
      t.match(step('ask'), { count: 1, meanWorkingDays: 0 });
      near(t, step('wait_supplement').meanWorkingDays, 2, 'the wait: 14 h');
      t.match(d.method, { importedCases: 4, figures: { meanWorkingDays: { method: 'rollup', from: 4 } } });
      // the department from the log is kept; the case id becomes the business key
      const cases = (
        await app.inject({
          method: 'GET',
          url: '/api/cases?process=permit&businessKey=C',
          headers: bearer(TOKENS.auditor),
        })
      ).json();
      const c = (
        await app.inject({
          method: 'GET',
          url: `/api/cases/${cases.items[0].id}`,
          headers: bearer(TOKENS.auditor),
        })
      ).json();
      t.match(c, {
        status: 'completed',
        businessKey: 'C',
        startedAt: '2026-01-12T01:00:00.000Z',
        endedAt: '2026-01-21T05:00:00.000Z',
      });
      t.same(
        c.timeline.map((s: { elementId: string; department: string }) => [s.elementId, s.department]),
        [
          ['review', '市场监管'],
          ['issue', '公安分局'],
        ],
      );
    });

    t.test('PM4Py columns, complete events only', async (t) => {
      // given a second version and a PM4Py export: each activity entered when the previous event happened
      const v2 = await deploy(t, app, permit.replace('gov:timeLimit="5"', 'gov:timeLimit="1"'));
      const pm4py = [
        'case:concept:name,concept:name,time:timestamp',
        'x,审查,2026-02-02 09:00:00',
        'x,审查,2026-02-02 10:00:00',
        'x,发证,2026-02-03 10:00:00',
      ].join('\n');
      const res = await importLog(app, 'permit', v2, pm4py, 'text/csv; charset=utf-8');
      t.equal(res.statusCode, 200, res.body);
      const d = (await metricsOf(app, 'permit', v2)).dynamic;
      // review 09:00 (own instant: the first event) then 09→10 = 1 h; issue Mon 10:00 → Tue 10:00 = 7 h;
      // case 8 h, over the 1-day (7 h) limit: late
      t.match(d, { completed: 1, onTimeRate: 0, firstTimeRate: 1 });
      near(t, d.meanWorkingDays, 8 / 7, 'case');
      t.match(
        d.steps.find((s: { elementId: string }) => s.elementId === 'review'),
        { count: 2 },
      );
    });

    t.test('bad files import nothing and say why, in Chinese and in English', async (t) => {
      const before = await fingerprint(opened.db);
      const cases: {
        what: string;
        body: string;
        type?: string;
        status: number;
        detail: RegExp;
        zh: RegExp;
        line?: number;
      }[] = [
        {
          what: 'bad timestamp',
          body: log.replace('2026-01-09 10:00', '2026-01-32 10:00'),
          status: 400,
          detail: /line 9: timestamp '2026-01-32 10:00' is not an ISO 8601 date-time.*; nothing was imported/,
          zh: /^第 9 行：timestamp“2026-01-32 10:00”不是 ISO 8601 日期时间：请写作 .*；未导入任何数据$/,
          line: 9,
        },
        {
          what: 'unmatched activity',
          body: `${log}E,收件,,,complete,2026-01-23 10:00\nE,归档,,,complete,2026-01-23 11:00\n`,
          status: 422,
          detail: /2 activities match no element of 'permit' version 1: 收件, 归档; nothing was imported/,
          zh: /^2 个活动与流程“permit”版本 1 的任何元素都对不上：收件、归档；未导入任何数据/,
        },
        {
          what: 'unknown element id',
          body: `${log}E,审查,nope,,complete,2026-01-23 10:00\n`,
          status: 422,
          detail: /nope/,
          zh: /nope/,
        },
        { what: 'empty file', body: '', status: 400, detail: /the log is empty/, zh: /^日志为空/ },
        {
          what: 'header only',
          body: 'case_id,activity,timestamp\n',
          status: 400,
          detail: /no events/,
          zh: /^日志中没有事件：未导入任何数据$/,
        },
        {
          what: 'missing column',
          body: 'case,activity,timestamp\nA,审查,2026-01-05 09:00\n',
          status: 400,
          detail: /line 1: the header lacks the column case_id or case:concept:name/,
          zh: /^第 1 行：表头缺少列 case_id 或 case:concept:name（现有：case、activity、timestamp）/,
          line: 1,
        },
        {
          what: 'ragged row',
          body: 'case_id,activity,timestamp\nA,审查,2026-01-05 09:00\nA,审查\n',
          status: 400,
          detail: /line 3/,
          zh: /^第 3 行：CSV 格式不正确（.*）：请检查此行的列数与引号/,
          line: 3,
        },
        {
          what: 'unknown lifecycle',
          body: 'case_id,activity,lifecycle,timestamp\nA,审查,begin,2026-01-05 09:00\n',
          status: 400,
          detail: /line 2: lifecycle:transition 'begin' is not one of the XES standard transitions/,
          zh: /^第 2 行：lifecycle:transition“begin”不是 XES 标准的状态转换/,
        },
        {
          what: 'broken XML',
          type: 'application/xml',
          body: '<log xes.version="1849.2016"><trace><string key="concept:name" value="a"/><event>\n</trace></log>',
          status: 400,
          detail: /line 2: unexpected close tag: check that the tags .*; nothing was imported/,
          zh: /^第 2 行：XML 格式不正确（unexpected close tag）：请检查.*；未导入任何数据$/,
          line: 2,
        },
        {
          what: 'XES event without timestamp',
          type: 'application/xml',
          body: '<log xes.version="1849.2016">\n<trace><string key="concept:name" value="a"/>\n<event><string key="concept:name" value="审查"/></event></trace></log>',
          status: 400,
          detail: /line 3, trace 1 \('a'\), event 1: the event has no time:timestamp/,
          zh: /^第 3 行（第 1 条轨迹“a”的第 1 个事件）：事件没有 time:timestamp（时间）/,
          line: 3,
        },
        {
          what: 'DOCTYPE',
          type: 'application/xml',
          body: '<!DOCTYPE log [<!ENTITY a "b">]><log xes.version="1849.2016"/>',
          status: 400,
          detail: /DOCTYPE/,
          zh: /不接受 DOCTYPE 声明/,
        },
        {
          what: 'not XML or CSV',
          type: 'application/json',
          body: '{}',
          status: 415,
          detail: /XES|CSV/,
          zh: /请以 XES/,
        },
      ];
      for (const c of cases) {
        const res = await importLog(app, 'permit', 1, c.body, c.type ?? 'text/csv', 'en');
        t.equal(res.statusCode, c.status, `${c.what}: ${res.statusCode}`);
        t.match(res.headers['content-type'], /problem\+json/, c.what);
        t.match(res.json().detail, c.detail, `${c.what}: ${res.json().detail}`);
        t.notMatch(res.json().detail, /^[^a-z]*[\u4e00-\u9fff]{2}/, `${c.what}: English is not Chinese`);
        if (c.line) t.equal(res.json().errors?.[0]?.line, c.line, `${c.what}: the line is given`);
        const chinese = await importLog(app, 'permit', 1, c.body, c.type ?? 'text/csv');
        t.equal(chinese.statusCode, c.status);
        t.match(chinese.json().detail, c.zh, `${c.what}: ${chinese.json().detail}`);
        t.match(chinese.json().title, /[\u4e00-\u9fff]/, `${c.what}: a Chinese title`);
        for (const e of chinese.json().errors ?? [])
          t.match(e.message, /[\u4e00-\u9fff]/, `${c.what}: ${e.message} is in Chinese`);
        if (c.status === 422)
          t.ok(
            res.json().errors.every((e: { type: string }) => e.type === 'unmatchedActivity'),
            'each unmatched activity listed',
          );
      }
      t.equal(await fingerprint(opened.db), before, 'the database is unchanged');
      t.equal((await importLog(app, 'permit', 9, log, 'text/csv')).statusCode, 404);
      t.equal(
        (
          await app.inject({
            method: 'POST',
            url: '/api/processes/permit/versions/1/log',
            headers: { ...bearer(TOKENS.auditor), 'content-type': 'text/csv' },
            payload: log,
          })
        ).statusCode,
        403,
        'admin only',
      );
    });
  });
}
