// Working time between instants: working hours, lunch break, holidays, year end and pause exclusion.
import t from 'tap';
import { createCalendar } from '../../../engine/calendar/index.js';

const calendar = createCalendar();
const HOUR = 3_600_000;
/** An instant given as Shanghai local time 'YYYY-MM-DD HH:MM'. */
const at = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);

t.test('within one day: working hours only, lunch break excluded', async (t) => {
  // given a plain Monday, 2025-03-03
  // when / then
  t.equal(calendar.msPerWorkingDay, 7 * HOUR);
  t.equal(calendar.workingMsBetween(at('2025-03-03 09:00'), at('2025-03-03 17:00')), 7 * HOUR);
  t.equal(calendar.workingMsBetween(at('2025-03-03 10:00'), at('2025-03-03 14:00')), 3 * HOUR);
  t.equal(calendar.workingMsBetween(at('2025-03-03 12:15'), at('2025-03-03 12:45')), 0, 'inside lunch');
  t.equal(calendar.workingMsBetween(at('2025-03-03 08:00'), at('2025-03-03 09:30')), 0.5 * HOUR);
  t.equal(calendar.workingMsBetween(at('2025-03-03 16:00'), at('2025-03-03 20:00')), HOUR);
  t.equal(calendar.workingMsBetween(at('2025-03-03 00:00'), at('2025-03-04 00:00')), 7 * HOUR);
});

t.test('0 when to is not after from', async (t) => {
  // given two instants
  const a = at('2025-03-03 10:00');
  const b = at('2025-03-03 11:00');
  // when / then
  t.equal(calendar.workingMsBetween(b, a), 0);
  t.equal(calendar.workingMsBetween(a, a), 0);
  t.equal(calendar.workingDaysBetween(b, a), 0);
});

t.test('fractional working days', async (t) => {
  // given instants on a plain Monday
  // when / then
  t.equal(calendar.workingDaysBetween(at('2025-03-03 10:00'), at('2025-03-03 14:30')), 0.5);
  t.equal(calendar.workingDaysBetween(at('2025-03-03 09:00'), at('2025-03-03 12:30')), 3 / 7);
  t.equal(calendar.workingDaysBetween(at('2025-03-07 10:00'), at('2025-03-10 10:00')), 1, 'over a weekend');
});

t.test('Spring Festival 2025 with its 调休 Sunday and Saturday', async (t) => {
  // given Friday 2025-01-24 09:00 and Monday 2025-02-10 09:00
  // when
  const days = calendar.workingDaysBetween(at('2025-01-24 09:00'), at('2025-02-10 09:00'));
  // then: 01-24 Fri, 01-26 Sun (调休), 01-27 Mon, 02-05..02-07 Wed–Fri, 02-08 Sat (调休)
  t.equal(days, 7);
  t.equal(calendar.workingDaysBetween(at('2025-01-27 09:00'), at('2025-02-05 09:00')), 1);
  t.equal(calendar.workingMsBetween(at('2025-01-28 00:00'), at('2025-02-05 00:00')), 0, 'the holiday itself');
});

t.test('National Day 2025 with its 调休 Sunday and Saturday', async (t) => {
  // given Friday 2025-09-26 09:00 and Monday 2025-10-13 09:00
  // when
  const days = calendar.workingDaysBetween(at('2025-09-26 09:00'), at('2025-10-13 09:00'));
  // then: 09-26 Fri, 09-28 Sun (调休), 09-29 Mon, 09-30 Tue, 10-09 Thu, 10-10 Fri, 10-11 Sat (调休)
  t.equal(days, 7);
});

t.test('across the year end 2025 → 2026', async (t) => {
  // given Wednesday 2025-12-31 09:00 and Monday 2026-01-05 09:00
  // when
  const days = calendar.workingDaysBetween(at('2025-12-31 09:00'), at('2026-01-05 09:00'));
  // then: 12-31 Wed, 01-01..01-03 New Year off, 01-04 Sun worked (调休)
  t.equal(days, 2);
  t.equal(calendar.workingDaysBetween(at('2025-12-31 16:00'), at('2026-01-04 10:00')), 2 / 7);
});

t.test('pauses are excluded, overlapping pauses merged', async (t) => {
  // given a plain week, Monday 2025-03-03 09:00 to Friday 2025-03-07 17:00 (5 working days)
  const from = at('2025-03-03 09:00');
  const to = at('2025-03-07 17:00');
  const pauses: Array<[number, number]> = [
    [at('2025-03-05 10:00'), at('2025-03-05 17:00')],
    [at('2025-03-04 09:00'), at('2025-03-05 12:00')],
  ];
  // when
  const days = calendar.workingDaysBetweenExcluding(from, to, pauses);
  // then: Tuesday 09:00 to Wednesday 17:00 paused, 2 days
  t.equal(days, 3);
  t.equal(calendar.workingMsBetweenExcluding(from, to, []), 5 * 7 * HOUR);
  t.equal(calendar.workingMsBetweenExcluding(from, to, [...pauses, ...pauses]), 3 * 7 * HOUR, 'duplicates');
});

t.test('pauses outside the interval or outside working hours do not count', async (t) => {
  // given Monday 2025-03-03 09:00 to 17:00
  const from = at('2025-03-03 09:00');
  const to = at('2025-03-03 17:00');
  // when
  const ms = calendar.workingMsBetweenExcluding(from, to, [
    [at('2025-03-01 00:00'), at('2025-03-03 10:00')], // starts before from: 1 h inside
    [at('2025-03-03 12:00'), at('2025-03-03 13:00')], // lunch: nothing
    [at('2025-03-03 16:30'), at('2025-03-04 12:00')], // ends after to: 0.5 h inside
    [at('2025-03-03 15:00'), at('2025-03-03 14:00')], // empty (end before start)
  ]);
  // then
  t.equal(ms, 5.5 * HOUR);
  t.equal(calendar.workingMsBetweenExcluding(to, from, [[from, to]]), 0);
});

t.test('rejects non-finite instants', async (t) => {
  // given NaN
  // when / then
  t.throws(() => calendar.workingMsBetween(Number.NaN, 0), RangeError);
});

t.test('fast enough for a million cases', async (t) => {
  // given a million pairs of instants spread over 2020–2026
  const start = at('2020-01-01 00:00');
  const span = at('2026-12-31 00:00') - start;
  let seed = 1;
  const next = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const pairs = Array.from({ length: 1_000_000 }, () => start + Math.floor(next() * span));
  // when
  const began = performance.now();
  let total = 0;
  for (let i = 1; i < pairs.length; i++) total += calendar.workingMsBetween(pairs[i - 1], pairs[i]);
  const elapsed = performance.now() - began;
  // then
  t.ok(total > 0);
  t.ok(elapsed < 3_000, `took ${Math.round(elapsed)} ms`);
});
