// A year's official schedule: strict checks, the State Council notice's text read as published, the horizon,
// a stored year replacing the built-in one, and a live calendar switching under its holders.
import { createRequire } from 'node:module';
import t from 'tap';
import {
  checkYearSchedule,
  createCalendar,
  createLiveCalendar,
  isLiveCalendar,
  parseHolidayNotice,
  ScheduleError,
} from '../../../engine/calendar/index.js';

const require = createRequire(import.meta.url);
const builtin = (year: number) => {
  const file = require(`chinese-days/dist/years/${year}.json`) as Record<string, Record<string, string>>;
  return { holidays: Object.keys(file.holidays).sort(), workdays: Object.keys(file.workdays).sort() };
};
const at = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);
const errorsOf = (f: () => unknown): { field: string; message: string }[] => {
  try {
    f();
  } catch (error) {
    if (error instanceof ScheduleError) return error.errors;
    throw error;
  }
  throw new Error('expected a ScheduleError');
};

// as published by the General Office of the State Council (国办发明电〔2024〕12号 and 〔2023〕7号)
const NOTICE_2025 = `国务院办公厅关于2025年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。
国务院办公厅
2024年11月11日`;

const NOTICE_2024 = `国务院办公厅关于2024年部分节假日安排的通知
一、元旦：1月1日放假，与周末连休。
二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。
三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。
四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。
五、端午节：6月10日放假，与周末连休。
六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。`;

t.test("the notice's text gives the same dates as chinese-days", async (t) => {
  // given the 2025 and 2024 notices as published
  // when
  const y2025 = parseHolidayNotice(NOTICE_2025, 2025);
  const y2024 = parseHolidayNotice(NOTICE_2024, 2024);
  // then
  t.same({ holidays: y2025.holidays, workdays: y2025.workdays }, builtin(2025));
  t.same({ holidays: y2024.holidays, workdays: y2024.workdays }, builtin(2024));
  t.ok(
    y2024.ignored.some((s) => s.includes('除夕（2月9日）休息')),
    'an encouraged day off is not a holiday: reported as not read',
  );
  t.ok(
    y2025.ignored.some((s) => s.includes('2024年11月11日')),
    'the date of issue is not a holiday',
  );
  t.same(checkYearSchedule(2025, { holidays: y2025.holidays, workdays: y2025.workdays }).workdays, [
    '2025-01-26',
    '2025-02-08',
    '2025-04-27',
    '2025-09-28',
    '2025-10-11',
  ]);
});

t.test("the notice's text is checked as it is read", async (t) => {
  // a notice of another year: its title, or its weekdays without a title
  t.match(
    errorsOf(() => parseHolidayNotice(NOTICE_2025, 2026)),
    [{ field: 'notice', message: /names 2025/ }],
  );
  const untitled = NOTICE_2025.split('\n').slice(3).join('\n');
  t.match(
    errorsOf(() => parseHolidayNotice(untitled, 2026))[0].message,
    /is a \w+day, but the notice says 周/,
  );
  // a count that does not match the period
  t.match(
    errorsOf(() => parseHolidayNotice('春节：2月10日至17日放假调休，共9天。', 2024)),
    [{ message: /says 9 days, but 2024-02-10 to 2024-02-17 is 8/ }],
  );
  // a period ending before it starts, a date that does not exist, no days off at all
  t.match(
    errorsOf(() => parseHolidayNotice('元旦：1月3日至1日放假。', 2024)),
    [{ message: /ends .* before it starts/ }],
  );
  t.match(
    errorsOf(() => parseHolidayNotice('春节：2月30日放假。', 2024)),
    [{ message: /not a date/ }],
  );
  t.match(
    errorsOf(() => parseHolidayNotice('各地区要妥善安排好值班。', 2024)),
    [{ message: /no days off/ }],
  );
  // a period across the new year: read, then refused by the year's check (2018's dates belong to 2018)
  const crossing = parseHolidayNotice(
    '元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。',
    2019,
  );
  t.same(crossing.holidays, ['2018-12-30', '2018-12-31', '2019-01-01']);
  t.match(
    errorsOf(() => checkYearSchedule(2019, { holidays: crossing.holidays, workdays: crossing.workdays })),
    [
      { field: 'holidays[0]', message: /not in 2019/ },
      { field: 'holidays[1]', message: /not in 2019/ },
      { field: 'workdays[0]', message: /not in 2019/ },
    ],
  );
  // full-width digits and both in one sentence
  const mixed = parseHolidayNotice(
    '国庆节：１０月１日至７日放假调休，共７天；１０月１０日（星期六）上班。',
    2026,
  );
  t.same(mixed.workdays, ['2026-10-10']);
  t.equal(mixed.holidays.length, 7);
});

t.test('a schedule is checked strictly, every problem named', async (t) => {
  t.same(checkYearSchedule(2031, { holidays: ['2031-01-02', '2031-01-01'] }), {
    year: 2031,
    holidays: ['2031-01-01', '2031-01-02'],
    workdays: [],
  });
  const errors = errorsOf(() =>
    checkYearSchedule(2031, {
      holidays: ['2031-1-1', 20310102, '2031-02-29', '2030-12-31', '2031-01-03', '2031-01-03'],
      workdays: ['2031-01-06', '2031-01-03', '2031-01-04'],
      note: 'x',
    }),
  );
  t.same(
    errors.map((e) => e.field),
    [
      'note',
      'holidays[0]',
      'holidays[1]',
      'holidays[2]',
      'holidays[3]',
      'holidays[5]',
      'workdays[0]',
      'workdays[1]',
    ],
  );
  t.match(errors[6].message, /2031-01-06, a Monday: a working day already/);
  t.match(
    errorsOf(() => checkYearSchedule(2031, { holidays: '2031-01-01' })),
    [{ field: 'holidays' }],
  );
  t.match(
    errorsOf(() => checkYearSchedule(2031, { holidays: [] })),
    [{ field: 'holidays', message: /empty/ }],
  );
  t.match(
    errorsOf(() => checkYearSchedule(2031, { workdays: [] })),
    [{ field: 'holidays' }],
  );
  t.match(
    errorsOf(() => checkYearSchedule(2031, { holidays: ['2031-01-04', '2031-01-05'] })),
    [{ field: 'holidays', message: /would change nothing/ }],
  );
  t.match(
    errorsOf(() => checkYearSchedule(2031, [])),
    [{ field: '(body)' }],
  );
  t.match(
    errorsOf(() => checkYearSchedule(10_000, { holidays: ['2031-01-01'] })),
    [{ field: 'year' }],
  );
});

t.test('the horizon: the last date with official data', async (t) => {
  // given the built-in data (chinese-days 1.5.7: 2004–2026)
  const calendar = createCalendar();
  t.equal(calendar.horizon, '2026-12-31');
  t.equal(calendar.years[0], 2004);
  t.equal(calendar.years.at(-1), 2026);
  t.equal(calendar.horizonEnd, at('2027-01-01 00:00'));
  t.equal(calendar.beyondHorizon(at('2026-12-31 23:59')), false);
  t.equal(calendar.beyondHorizon(at('2027-01-01 00:00')), true);
  // a year after a gap does not move the horizon; the missing year does
  const gap = calendar.withYears([{ year: 2028, holidays: ['2028-01-03'], workdays: [] }]);
  t.equal(gap.horizon, '2026-12-31');
  t.same(gap.years.slice(-2), [2026, 2028]);
  const filled = gap.withYears([{ year: 2027, holidays: ['2027-01-01'], workdays: [] }]);
  t.equal(filled.horizon, '2028-12-31');
  // JSON data covers the years of its dates; single adjusted days do not
  t.equal(createCalendar({ data: [{ holidays: ['2027-10-01'] }] }).horizon, '2027-12-31');
  t.equal(createCalendar({ holidays: ['2027-10-01'] }).horizon, '2026-12-31');
  // without any data there is no horizon and nothing is an estimate
  const plain = createCalendar({ builtinData: false });
  t.equal(plain.horizon, null);
  t.equal(plain.beyondHorizon(at('2040-01-01 00:00')), false);
});

t.test('a stored year replaces the built-in one entirely', async (t) => {
  // given 2025 replaced by a schedule without the National Day week (a test schedule, not official)
  const calendar = createCalendar().withYears([{ year: 2025, holidays: ['2025-01-01'], workdays: [] }]);
  // then the built-in 2025 dates left out follow Monday to Friday again
  t.equal(calendar.isWorkingDay('2025-10-01'), true);
  t.equal(calendar.isWorkingDay('2025-09-28'), false, 'a Sunday no longer worked');
  t.equal(calendar.isWorkingDay('2025-01-01'), false);
  t.equal(calendar.isWorkingDay('2024-10-01'), false, 'other years keep the built-in data');
  t.equal(calendar.msPerWorkingDay, createCalendar().msPerWorkingDay);
});

t.test('a live calendar switches under everyone holding it', async (t) => {
  const base = createCalendar();
  const live = createLiveCalendar(base);
  const held = live; // as a case service holds it
  t.ok(isLiveCalendar(live));
  t.notOk(isLiveCalendar(base));
  const from = at('2027-02-05 09:00');
  t.equal(held.addWorkingDays(from, 1), at('2027-02-05 17:00'));
  live.replace(base.withYears([{ year: 2027, holidays: ['2027-02-05'], workdays: [] }]));
  t.equal(held.addWorkingDays(from, 1), at('2027-02-08 17:00'), 'the holiday counts at once');
  t.equal(held.horizon, '2027-12-31');
  t.equal(held.beyondHorizon(from), false);
  t.throws(
    () => live.replace(createCalendar({ workingHours: [['09:00', '17:00']] })),
    /keeps its working-day length/,
  );
});
