// Holiday data added without a code change (JSON), and the configurable working hours and time zone.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import t from 'tap';
import { createCalendar, getDefaultCalendar, loadCalendarData } from '../../../engine/calendar/index.js';

const HOUR = 3_600_000;
const at = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);
const local = (ms: number): string => new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');

t.test('a fictitious 2031 holiday and 调休 given as JSON', async (t) => {
  // given JSON data for 2031, as a file would hold it
  const json = '{ "holidays": ["2031-01-01", "2031-01-02"], "workdays": ["2031-01-04"] }';
  // when
  const calendar = createCalendar({ data: [loadCalendarData(json)] });
  // then
  t.equal(calendar.isWorkingDay('2031-01-01'), false);
  t.equal(calendar.isWorkingDay('2031-01-04'), true, 'a Saturday made a workday');
  t.equal(getDefaultCalendar().isWorkingDay('2031-01-01'), true, 'the default calendar is unchanged');
  t.equal(local(calendar.addWorkingDays(at('2030-12-31 10:00'), 1)), '2031-01-03 10:00');
  t.equal(local(calendar.addWorkingDays(at('2030-12-31 10:00'), 2)), '2031-01-04 10:00');
  t.equal(calendar.workingDaysBetween(at('2030-12-31 09:00'), at('2031-01-06 09:00')), 3);
  t.equal(calendar.isWorkingDay('2025-10-01'), false, 'built-in data still applies');
});

t.test('options.holidays / options.workdays override the built-in data', async (t) => {
  // given 2025-10-01 declared a workday and 2025-03-03 a holiday
  // when
  const calendar = createCalendar({ workdays: ['2025-10-01'], holidays: ['2025-03-03'] });
  // then
  t.equal(calendar.isWorkingDay('2025-10-01'), true);
  t.equal(calendar.isWorkingDay('2025-03-03'), false);
  t.equal(calendar.isWorkingDay('2025-10-02'), false);
});

t.test('chinese-days per-year files load as they are', async (t) => {
  // given the package's own 2025 file (dates as object keys)
  const require = createRequire(import.meta.url);
  const file = readFileSync(require.resolve('chinese-days/dist/years/2025.json'), 'utf8');
  // when
  const data = loadCalendarData(file);
  const calendar = createCalendar({ builtinData: false, data: [data] });
  // then
  t.ok(data.holidays.includes('2025-01-28'));
  t.same(data.workdays, ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11']);
  t.equal(calendar.isWorkingDay('2025-10-01'), false);
  t.equal(calendar.isWorkingDay('2024-10-01'), true, 'no 2024 data loaded');
});

t.test('without data: plain Monday to Friday', async (t) => {
  // given a calendar without built-in data
  // when
  const calendar = createCalendar({ builtinData: false });
  // then
  t.equal(calendar.isWorkingDay('2025-10-01'), true);
  t.equal(calendar.isWorkingDay('2025-09-28'), false);
  t.equal(calendar.workingDaysBetween(at('2025-09-29 09:00'), at('2025-10-06 09:00')), 5);
});

t.test('rejects malformed holiday data', async (t) => {
  // given malformed data
  // when / then
  t.throws(() => loadCalendarData({ holidays: ['2031-02-30'] }), /invalid date/);
  t.throws(() => loadCalendarData({ holidays: '2031-01-01' } as never), /array/);
  t.throws(() => loadCalendarData({ holidays: [20310101] } as never), /strings/);
  t.throws(() => loadCalendarData('[]'), /object/);
  t.throws(() => loadCalendarData({ holidays: ['2031-01-01'], workdays: ['2031-01-01'] }), /both/);
  t.same(loadCalendarData({}), { holidays: [], workdays: [] });
});

t.test('custom working hours and time zone', async (t) => {
  // given 08:30–12:00 and 14:00–18:00 in UTC
  const calendar = createCalendar({
    workingHours: [
      ['08:30', '12:00'],
      ['14:00', '18:00'],
    ],
    utcOffsetMinutes: 0,
  });
  // when
  const day = calendar.workingMsBetween(Date.parse('2025-03-03T00:00Z'), Date.parse('2025-03-04T00:00Z'));
  const due = calendar.addWorkingDays(Date.parse('2025-03-03T10:00Z'), 0.5);
  // then
  t.equal(calendar.msPerWorkingDay, 7.5 * HOUR);
  t.equal(day, 7.5 * HOUR);
  t.equal(new Date(due).toISOString(), '2025-03-03T15:45:00.000Z');
  t.equal(calendar.isWorkingDay(Date.parse('2025-01-27T23:30Z')), true, 'still Monday in UTC');
});

t.test('rejects malformed working hours', async (t) => {
  // given malformed periods
  // when / then
  t.throws(() => createCalendar({ workingHours: [['9:00', '12:00']] }), /HH:MM/);
  t.throws(() => createCalendar({ workingHours: [['13:00', '12:00']] }), /ascending/);
  t.throws(
    () =>
      createCalendar({
        workingHours: [
          ['09:00', '12:00'],
          ['11:00', '17:00'],
        ],
      }),
    /non-overlapping/,
  );
  t.throws(() => createCalendar({ workingHours: [] }), /at least one/);
  t.throws(() => createCalendar({ utcOffsetMinutes: Number.NaN }), RangeError);
});
