// Due instants: addWorkingDays / addWorkingMs, including the outside-hours and holiday conventions.
import t from 'tap';
import { createCalendar } from '../../../engine/calendar/index.js';

const calendar = createCalendar();
const HOUR = 3_600_000;
/** An instant given as Shanghai local time 'YYYY-MM-DD HH:MM'. */
const at = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);
/** The Shanghai local time of an instant, 'YYYY-MM-DD HH:MM'. */
const local = (ms: number): string => new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');

t.test('whole days from inside working hours land at the same clock time', async (t) => {
  // given Friday 2025-03-07 10:00
  const friday = at('2025-03-07 10:00');
  // when / then
  t.equal(local(calendar.addWorkingDays(friday, 1)), '2025-03-10 10:00', 'Monday');
  t.equal(local(calendar.addWorkingDays(friday, 5)), '2025-03-14 10:00');
  t.equal(local(calendar.addWorkingDays(at('2025-03-07 12:00'), 1)), '2025-03-10 12:00', 'end of a period');
});

t.test('from outside working hours the count starts at the next working moment', async (t) => {
  // given instants after hours, at the weekend and during lunch
  // when / then
  t.equal(local(calendar.addWorkingDays(at('2025-03-07 17:30'), 1)), '2025-03-10 17:00', 'Friday evening');
  t.equal(local(calendar.addWorkingDays(at('2025-03-08 08:00'), 0.25)), '2025-03-10 10:45', 'Saturday');
  t.equal(local(calendar.addWorkingDays(at('2025-03-10 12:30'), 0.5)), '2025-03-10 16:30', 'lunch');
  t.equal(local(calendar.addWorkingDays(at('2025-03-10 07:00'), 1)), '2025-03-10 17:00', 'early morning');
});

t.test('fractional days skip the lunch break', async (t) => {
  // given Friday 2025-03-07 10:00
  const friday = at('2025-03-07 10:00');
  // when / then
  t.equal(local(calendar.addWorkingDays(friday, 0.5)), '2025-03-07 14:30');
  t.equal(local(calendar.addWorkingDays(friday, 1.5)), '2025-03-10 14:30');
  t.equal(local(calendar.addWorkingMs(at('2025-03-07 16:00'), 2 * HOUR)), '2025-03-10 10:00');
});

t.test('0 days is the start itself', async (t) => {
  // given an instant outside working hours
  const saturday = at('2025-03-08 08:00');
  // when / then
  t.equal(calendar.addWorkingDays(saturday, 0), saturday);
});

t.test('Spring Festival 2025 and 2026', async (t) => {
  // given days before the holidays
  // when / then
  t.equal(local(calendar.addWorkingDays(at('2025-01-24 10:00'), 1)), '2025-01-26 10:00', 'Sunday 调休');
  t.equal(local(calendar.addWorkingDays(at('2025-01-27 10:00'), 1)), '2025-02-05 10:00');
  t.equal(local(calendar.addWorkingDays(at('2025-02-07 10:00'), 1)), '2025-02-08 10:00', 'Saturday 调休');
  t.equal(local(calendar.addWorkingDays(at('2026-02-13 10:00'), 1)), '2026-02-14 10:00', 'Saturday 调休');
  t.equal(local(calendar.addWorkingDays(at('2026-02-13 10:00'), 2)), '2026-02-24 10:00');
});

t.test('National Day 2024 and 2025', async (t) => {
  // given days before the holidays
  // when / then
  t.equal(local(calendar.addWorkingDays(at('2025-09-30 10:00'), 1)), '2025-10-09 10:00');
  t.equal(local(calendar.addWorkingDays(at('2025-09-30 10:00'), 3)), '2025-10-11 10:00', 'Saturday 调休');
  t.equal(local(calendar.addWorkingDays(at('2024-09-27 10:00'), 1)), '2024-09-29 10:00', 'Sunday 调休');
  t.equal(local(calendar.addWorkingDays(at('2024-09-27 10:00'), 3)), '2024-10-08 10:00');
});

t.test('across the year end 2025 → 2026', async (t) => {
  // given Wednesday 2025-12-31 10:00
  const newYearsEve = at('2025-12-31 10:00');
  // when / then
  t.equal(local(calendar.addWorkingDays(newYearsEve, 1)), '2026-01-04 10:00', 'Sunday 调休');
  t.equal(local(calendar.addWorkingDays(newYearsEve, 2)), '2026-01-05 10:00');
  t.equal(calendar.workingDaysBetween(newYearsEve, calendar.addWorkingDays(newYearsEve, 2)), 2);
});

t.test('rejects negative or non-finite amounts', async (t) => {
  // given an instant
  const from = at('2025-03-07 10:00');
  // when / then
  t.throws(() => calendar.addWorkingDays(from, -1), RangeError);
  t.throws(() => calendar.addWorkingMs(from, Number.POSITIVE_INFINITY), RangeError);
  t.throws(() => calendar.addWorkingMs(Number.NaN, 1), RangeError);
});
