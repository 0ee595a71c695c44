// Which days are working days: China's holidays and 调休 from chinese-days, checked by hand for 2024–2026.
import chineseDays from 'chinese-days';
import t from 'tap';
import { createCalendar } from '../../../engine/calendar/index.js';

const calendar = createCalendar();
const dates = (from: string, to: string): string[] => {
  const out: string[] = [];
  for (let ms = Date.parse(from); ms <= Date.parse(to); ms += 86_400_000)
    out.push(new Date(ms).toISOString().slice(0, 10));
  return out;
};

t.test('2025 Spring Festival: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked (调休)', async (t) => {
  // given the default calendar
  // when / then
  for (const d of dates('2025-01-28', '2025-02-04')) t.equal(calendar.isWorkingDay(d), false, d);
  t.equal(calendar.isWorkingDay('2025-01-26'), true, 'Sunday 调休');
  t.equal(calendar.isWorkingDay('2025-02-08'), true, 'Saturday 调休');
  t.equal(calendar.isWorkingDay('2025-01-27'), true);
  t.equal(calendar.isWorkingDay('2025-02-05'), true);
  t.equal(calendar.isWorkingDay('2025-02-09'), false, 'plain Sunday');
});

t.test('2025 National Day: 10-01..10-08 off, Sunday 09-28 and Saturday 10-11 worked', async (t) => {
  // given the default calendar
  // when / then
  for (const d of dates('2025-10-01', '2025-10-08')) t.equal(calendar.isWorkingDay(d), false, d);
  t.equal(calendar.isWorkingDay('2025-09-28'), true);
  t.equal(calendar.isWorkingDay('2025-10-11'), true);
  t.equal(calendar.isWorkingDay('2025-10-09'), true);
  t.equal(calendar.isWorkingDay('2025-10-12'), false);
});

t.test('2024 and 2026 Spring Festival and National Day', async (t) => {
  // given the default calendar
  // when / then: 2024
  for (const d of dates('2024-02-10', '2024-02-17')) t.equal(calendar.isWorkingDay(d), false, d);
  t.same(['2024-02-04', '2024-02-18', '2024-09-29', '2024-10-12'].map(calendar.isWorkingDay), [
    true,
    true,
    true,
    true,
  ]);
  for (const d of dates('2024-10-01', '2024-10-07')) t.equal(calendar.isWorkingDay(d), false, d);
  // then: 2026
  for (const d of dates('2026-02-15', '2026-02-23')) t.equal(calendar.isWorkingDay(d), false, d);
  t.same(['2026-02-14', '2026-02-28', '2026-09-20', '2026-10-10'].map(calendar.isWorkingDay), [
    true,
    true,
    true,
    true,
  ]);
  for (const d of dates('2026-10-01', '2026-10-07')) t.equal(calendar.isWorkingDay(d), false, d);
  t.equal(calendar.isWorkingDay('2026-01-04'), true, 'New Year 调休 Sunday');
});

t.test('agrees with chinese-days.isWorkday on every day 2004–2026', async (t) => {
  // given every date covered by the package
  const all = dates('2004-01-01', '2026-12-31');
  // when
  const differing = all.filter((d) => calendar.isWorkingDay(d) !== chineseDays.isWorkday(d));
  // then
  t.same(differing, []);
});

t.test('an instant is read in Asia/Shanghai time', async (t) => {
  // given instants either side of midnight 2025-01-28 in Shanghai (a holiday following a working day)
  const lateMonday = Date.parse('2025-01-27T23:59:00+08:00');
  const earlyHoliday = Date.parse('2025-01-28T00:30:00+08:00');
  // when / then
  t.equal(calendar.isWorkingDay(lateMonday), true);
  t.equal(calendar.isWorkingDay(earlyHoliday), false);
  t.equal(calendar.isWorkingTime(Date.parse('2025-01-27T09:00:00+08:00')), true);
  t.equal(calendar.isWorkingTime(Date.parse('2025-01-27T12:30:00+08:00')), false, 'lunch break');
  t.equal(calendar.isWorkingTime(Date.parse('2025-01-27T17:00:00+08:00')), false, 'end of day');
});

t.test('beyond the data years: plain Monday to Friday', async (t) => {
  // given dates after the last year of data and before the first
  // when / then
  t.equal(calendar.isWorkingDay('2031-01-01'), true, 'a Wednesday; New Year unknown without data');
  t.equal(calendar.isWorkingDay('2031-01-04'), false, 'a Saturday');
  t.equal(calendar.isWorkingDay('2003-10-01'), true, 'a Wednesday before 2004');
});

t.test('rejects malformed dates', async (t) => {
  // given malformed date strings
  // when / then
  t.throws(() => calendar.isWorkingDay('2025-02-30'), /invalid date/);
  t.throws(() => calendar.isWorkingDay('2025/01/01'), /invalid date/);
});
