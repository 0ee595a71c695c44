// Every problem detail in Chinese and English (issue 22, item 1): a detail is a Text (the compiler refuses a plain
// string), and here each sentence of the catalogue's files part (server/problem-text-files.ts) is walked in both
// languages — every reason a holiday schedule is refused for, every sentence about an event log and about a request
// fastify refuses — then the API is asked, in Chinese by default and in English on `Accept-Language: en`, for a
// body that is not JSON, an empty JSON body, a type no route reads, a body too large, a URL that cannot be
// decoded, a query of the wrong type, a refused holiday schedule, a missing one, and a refused message.
import { readFileSync } from 'node:fs';
import type { InjectOptions } from 'fastify';
import type { Test } from 'tap';
import t from 'tap';
import type { ScheduleReason } from '../../engine/calendar/index.js';
import { checkScheduleInput } from '../../server/calendar/calendar-years.js';
import type { Text } from '../../server/problem-text.js';
import {
  logPlace,
  logText,
  requestText,
  sayCalendarFixed,
  sayMessageCouldNotStart,
  sayScheduleMissing,
  sayUnmatchedActivities,
  sayUnmatchedActivity,
  unmatchedReason,
} from '../../server/problem-text-files.js';
import { Problem } from '../../server/problems.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const CJK = /[\u4e00-\u9fff]/;
const A: Text = { zh: '甲', en: 'a' };

/** Arguments for each sentence: the compiler asks for one more when a sentence is added. */
type Samples<T> = { [K in keyof T]: T[K] extends (...args: infer P) => Text ? P : never };
const LOG_SAMPLES: Samples<typeof logText> = {
  notUtf8: [],
  empty: [],
  noXesLog: [],
  doctype: [],
  malformedXml: ['unexpected close tag'],
  rootNotLog: ['html'],
  eventOutsideTrace: [],
  attributeWithoutValue: ['string', 'concept:name'],
  noActivity: [],
  noTimestamp: [],
  notATimestamp: ['timestamp', '2026-01-32'],
  traceWithoutCaseId: [3],
  headerLacks: [[['case_id', 'case:concept:name']], ['case', 'activity']],
  emptyCaseId: [],
  emptyActivity: [],
  malformedCsv: ['expect 3, got 2'],
  traceWithoutEvents: [],
  notStandardLifecycle: ['begin', ['start', 'complete']],
  noEvents: [],
  nothingImported: [A],
  tooLarge: [200],
};
const PLACE_SAMPLES: Samples<typeof logPlace> = {
  line: [9],
  xesEvent: [3, 1, 'a', 2],
  xesTrace: [1, 'a', 2],
  csvCase: ['a', 2],
};
const REASON_SAMPLES: Samples<typeof unmatchedReason> = {
  elementNotInModel: ['nope'],
  noMatch: [],
  severalNamed: [['review', 'review_2']],
};
const REQUEST_SAMPLES: Samples<typeof requestText> = {
  invalidJson: [],
  emptyJson: [],
  unsupportedMediaType: ['application/x-foo'],
  tooLarge: [1_048_576],
  lengthMismatch: [],
  badUrl: ['/api/cases/%E0%A4%A'],
  paramTooLong: ['/api/cases/xxx'],
  other: [418, "I'm a teapot"],
};

function walk<T extends Record<string, (...args: never[]) => Text>>(
  t: Test,
  sentences: T,
  samples: Samples<T>,
): void {
  for (const [name, say] of Object.entries(sentences)) {
    const text = (say as (...args: unknown[]) => Text)(...(samples[name as keyof T] as unknown[]));
    t.match(text.zh, CJK, `${name}: Chinese`);
    t.notMatch(text.en.replaceAll(A.zh, ''), CJK, `${name}: English`);
    t.not(text.zh, text.en, `${name}: two languages`);
  }
}

t.test('every sentence about an event log and a refused request, in both languages', async (t) => {
  walk(t, logText, LOG_SAMPLES);
  walk(t, logPlace, PLACE_SAMPLES);
  walk(t, unmatchedReason, REASON_SAMPLES);
  walk(t, requestText, REQUEST_SAMPLES);
  for (const text of [
    sayUnmatchedActivity('x', unmatchedReason.noMatch(), 2, logPlace.line(3)),
    sayUnmatchedActivities(['x', 'y'], 'permit', 1),
    sayScheduleMissing(2028),
    sayCalendarFixed(),
    sayMessageCouldNotStart('seal-apply', A),
  ]) {
    t.match(text.zh, CJK, text.zh);
    t.notMatch(text.en.replaceAll(A.zh, ''), CJK, text.en);
  }
  t.equal(requestText.tooLarge(1_048_576).zh, '请求体超过此接口允许的 1 MB：请缩小后再发送');
  t.equal(requestText.tooLarge(5_000).en, 'the body exceeds the 5 KB this route accepts: send less');
});

t.test('every reason a holiday schedule is refused for, in both languages', async (t) => {
  // one input for each reason; the Record makes the compiler ask for a new reason's input
  const inputs: Record<ScheduleReason['code'], [number, unknown]> = {
    yearOutOfRange: [1969, { holidays: ['1969-01-01'] }],
    notAnObject: [2031, []],
    unknownKey: [2031, { holidays: ['2031-01-01'], extra: 1 }],
    notAList: [2031, { holidays: '2031-01-01' }],
    noHolidays: [2031, { holidays: [] }],
    notADate: [2031, { holidays: ['31-1-1'] }],
    noSuchDate: [2031, { holidays: ['2031-02-30'] }],
    otherYear: [2031, { holidays: ['2030-10-01'] }],
    listedTwice: [2031, { holidays: ['2031-01-01', '2031-01-01'] }],
    alsoHoliday: [2031, { holidays: ['2031-01-01', '2031-01-04'], workdays: ['2031-01-04'] }],
    weekdayWorkday: [2031, { holidays: ['2031-01-01'], workdays: ['2031-01-02'] }],
    allOnWeekends: [2031, { holidays: ['2031-01-04', '2031-01-05'] }],
    noticeOfOtherYear: [2031, '国务院办公厅关于2025年部分节假日安排的通知\n元旦：1月1日放假1天。'],
    noMonth: [2031, '元旦：1日放假1天。'],
    noticeNoSuchDate: [2031, '春节：2月30日放假。'],
    weekdayMismatch: [2031, '元旦：1月1日（周一）放假1天。'],
    periodBackwards: [2031, '元旦：1月3日至1日放假。'],
    dayCountMismatch: [2031, '春节：2月10日至17日放假调休，共9天。'],
    noDaysOff: [2031, '各地区要妥善安排好值班。'],
  };
  for (const [code, [year, input]] of Object.entries(inputs)) {
    let problem: Problem | null = null;
    try {
      checkScheduleInput(year, input, 'body.');
    } catch (error) {
      if (error instanceof Problem) problem = error;
      else throw error;
    }
    t.ok(problem, `${code}: refused`);
    if (!problem) continue;
    t.equal(problem.code, 'invalid-calendar-year');
    t.match(
      problem.detail.zh,
      /^(\d+ 年的节假日安排无效|通知原文无法读取)：/,
      `${code}: ${problem.detail.zh}`,
    );
    const error = problem.errors?.[0];
    t.ok(error, `${code}: the field is named`);
    if (!error) continue;
    t.match(error.message.zh, CJK, `${code}: ${error.message.zh}`);
    t.not(error.message.zh, error.message.en);
    // English is the engine's: Chinese only where it quotes the notice or names 元旦, 春节, 调休
    if (typeof input !== 'string')
      t.notMatch(error.message.en.replace(/元旦, 春节|调休/, ''), CJK, error.message.en);
  }
  const several = (() => {
    try {
      checkScheduleInput(2031, { holidays: ['2030-10-01', '2031-02-30'] });
    } catch (error) {
      return error as Problem;
    }
  })();
  t.equal(
    several?.detail.zh,
    '2031 年的节假日安排无效：holidays[0] 是 2030-10-01，不在 2031 年内：每年的安排只含当年的日期（另有 1 处问题，见 errors）',
  );
});

const DEPARTMENT = readFileSync(new URL('./fixtures/messages/department.bpmn', import.meta.url), 'utf8');

for (const database of testDatabases()) {
  t.test(
    `the API's refusals in Chinese by default and in English on request (${database.name})`,
    async (t) => {
      const { app, close } = await buildTestApp(await database.open());
      t.teardown(close);
      const deployed = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
        payload: DEPARTMENT,
      });
      t.equal(deployed.statusCode, 201, deployed.body);
      const json = { ...bearer(TOKENS.intake), 'content-type': 'application/json' };
      const cases: {
        what: string;
        request: InjectOptions;
        status: number;
        type: string;
        zh: RegExp;
        en: RegExp;
        before?: () => Promise<unknown>;
      }[] = [
        {
          what: 'a body that is not JSON',
          request: { method: 'POST', url: '/api/cases', headers: json, payload: '{"process":' },
          status: 400,
          type: 'invalid-json',
          zh: /^Content-Type 为 application\/json，但请求体不是有效的 JSON.*请检查括号、引号与逗号/,
          en: /^the body is not valid JSON .*check its brackets, quotes and commas/,
        },
        {
          what: 'an empty JSON body',
          request: { method: 'POST', url: '/api/cases', headers: json, payload: '' },
          status: 400,
          type: 'invalid-json',
          zh: /请求体为空：请发送 JSON/,
          en: /^the body is empty but Content-Type is 'application\/json'/,
        },
        {
          what: 'a type no route reads',
          request: {
            method: 'POST',
            url: '/api/cases',
            headers: { ...json, 'content-type': 'application/x-foo' },
            payload: 'x',
          },
          status: 415,
          type: 'unsupported-media-type',
          zh: /^此接口不读取内容类型“application\/x-foo”：请以 application\/json 发送/,
          en: /^this route does not read 'application\/x-foo': send application\/json/,
        },
        {
          what: 'a body too large',
          request: {
            method: 'POST',
            url: '/api/cases',
            headers: json,
            payload: JSON.stringify({ process: 'x', note: 'x'.repeat(1_100_000) }),
          },
          status: 413,
          type: 'too-large',
          zh: /^请求体超过此接口允许的 1 MB：请缩小后再发送$/,
          en: /^the body exceeds the 1 MB this route accepts: send less$/,
        },
        {
          what: 'a URL that cannot be decoded',
          request: { method: 'GET', url: '/api/cases/%E0%A4%A', headers: bearer(TOKENS.admin) },
          status: 400,
          type: 'invalid-url',
          zh: /^网址“\/api\/cases\/%E0%A4%A”含有无法解码的百分号编码/,
          en: /^the URL '\/api\/cases\/%E0%A4%A' holds percent-encoding that is not valid UTF-8/,
        },
        {
          what: 'a query of the wrong type',
          request: { method: 'GET', url: '/api/cases?limit=abc', headers: bearer(TOKENS.admin) },
          status: 400,
          type: 'invalid-request',
          zh: /^字段 querystring\.limit 应当是整数$/,
          en: /^querystring\.limit must be integer$/,
        },
        {
          what: 'a refused holiday schedule',
          request: {
            method: 'PUT',
            url: '/api/calendar/years/2028',
            headers: bearer(TOKENS.admin),
            payload: { holidays: ['2028-01-03'], workdays: ['2028-01-04'] },
          },
          status: 422,
          type: 'invalid-calendar-year',
          zh: /^2028 年的节假日安排无效：workdays\[0\] 是 2028-01-04（星期二），本来就是工作日：调休上班日应为星期六或星期日$/,
          en: /^2028's schedule is not valid: workdays\[0\] is 2028-01-04, a Tuesday: a working day already/,
        },
        {
          what: 'a missing holiday schedule',
          request: { method: 'PUT', url: '/api/calendar/years/2028', headers: bearer(TOKENS.admin) },
          status: 400,
          type: 'invalid-request',
          zh: /^请发送 2028 年的节假日安排：JSON/,
          en: /^send 2028's schedule as JSON/,
        },
        {
          // the message starts a case with the business key it carries: one already has it
          what: 'a refused message',
          request: {
            method: 'POST',
            url: '/api/messages',
            headers: bearer(TOKENS.intake),
            payload: { name: 'seal-apply', correlationKey: 'K-1' },
          },
          status: 409,
          type: 'message-refused',
          zh: /^消息“seal-apply”未能开始办件：.*K-1/,
          en: /^message 'seal-apply' could not start a case: .*K-1/,
          before: () =>
            app.inject({
              method: 'POST',
              url: '/api/cases',
              headers: bearer(TOKENS.intake),
              payload: { process: 'seal_department', businessKey: 'K-1' },
            }),
        },
      ];
      for (const c of cases) {
        await c.before?.();
        for (const language of ['zh', 'en'] as const) {
          const headers = { ...(c.request.headers as Record<string, string>) };
          if (language === 'en') headers['accept-language'] = 'en';
          const res = await app.inject({ ...c.request, headers });
          t.equal(res.statusCode, c.status, `${c.what}: ${res.body}`);
          t.match(res.headers['content-type'], /application\/problem\+json/);
          const body = res.json();
          t.equal(body.type, `urn:reflow:problem:${c.type}`, c.what);
          t.match(body.detail, c[language], `${c.what} (${language}): ${body.detail}`);
          if (language === 'zh') t.match(body.title, CJK, `${c.what}: a Chinese title`);
          else t.notMatch(body.title, CJK, `${c.what}: an English title`);
          for (const e of body.errors ?? [])
            if (language === 'zh') t.match(e.message, CJK, `${c.what}: ${e.message}`);
            else t.notMatch(e.message, /[\u4e00-\u9fff]{3}/, `${c.what}: ${e.message}`);
        }
      }
    },
  );
}
