// Property tests: due dates and measured working time agree, working time is additive and matches a day-by-day count.
import fc from 'fast-check';
import t from 'tap';
import { createCalendar } from '../../../engine/calendar/index.js';

const calendar = createCalendar();
const M = calendar.msPerWorkingDay;
const DAY = 86_400_000;
const OFFSET = 8 * 3_600_000;
const FROM = Date.parse('2020-01-01T00:00:00+08:00');
const TO = Date.parse('2027-01-01T00:00:00+08:00');
const instant = fc.integer({ min: FROM, max: TO - 1 });
const quarterDays = fc.integer({ min: 0, max: 240 }).map((q) => q / 4);

/** Reference: working ms between two instants, walking day by day over each working period. */
const byDayWalk = (from: number, to: number): number => {
  const periods = [
    [9, 12],
    [13, 17],
  ].map(([s, e]) => [s * 3_600_000, e * 3_600_000]);
  let total = 0;
  for (let midnight = Math.floor((from + OFFSET) / DAY) * DAY - OFFSET; midnight < to; midnight += DAY) {
    if (!calendar.isWorkingDay(midnight)) continue;
    for (const [s, e] of periods)
      total += Math.max(0, Math.min(to, midnight + e) - Math.max(from, midnight + s));
  }
  return total;
};

t.test('workingDaysBetween(from, addWorkingDays(from, n)) gives back n', async (t) => {
  // given random instants in 2020–2026 and n in [0, 60] by quarter days
  // when / then
  fc.assert(
    fc.property(instant, quarterDays, (from, n) => {
      const due = calendar.addWorkingDays(from, n);
      return due >= from && Math.abs(calendar.workingDaysBetween(from, due) - n) * M <= 1;
    }),
    { numRuns: 2000 },
  );
  t.pass('held');
});

t.test('the due instant is the earliest one: a millisecond earlier is not enough', async (t) => {
  // given random instants and n > 0
  // when / then
  fc.assert(
    fc.property(instant, fc.integer({ min: 1, max: 240 }), (from, q) => {
      const due = calendar.addWorkingDays(from, q / 4);
      return calendar.workingMsBetween(from, due - 1) < (q / 4) * M;
    }),
    { numRuns: 2000 },
  );
  t.pass('held');
});

t.test('working time is additive: between(a, b) + between(b, c) = between(a, c)', async (t) => {
  // given three ordered random instants
  // when / then
  fc.assert(
    fc.property(fc.array(instant, { minLength: 3, maxLength: 3 }), (xs) => {
      const [a, b, c] = [...xs].sort((x, y) => x - y);
      return (
        calendar.workingMsBetween(a, b) + calendar.workingMsBetween(b, c) === calendar.workingMsBetween(a, c)
      );
    }),
    { numRuns: 2000 },
  );
  t.pass('held');
});

t.test('agrees with a day-by-day walk over the working periods', async (t) => {
  // given a random instant and a span of up to 40 calendar days
  // when / then
  fc.assert(
    fc.property(instant, fc.integer({ min: 0, max: 40 * DAY }), (from, span) => {
      return calendar.workingMsBetween(from, from + span) === byDayWalk(from, from + span);
    }),
    { numRuns: 1000 },
  );
  t.pass('held');
});

t.test('pauses: never more than the plain time, and order or duplication does not matter', async (t) => {
  // given an interval and random pauses
  const pause = fc
    .tuple(instant, fc.integer({ min: 0, max: 20 * DAY }))
    .map(([s, l]) => [s, s + l] as [number, number]);
  // when / then
  fc.assert(
    fc.property(
      instant,
      fc.integer({ min: 0, max: 200 * DAY }),
      fc.array(pause, { maxLength: 6 }),
      (from, span, ps) => {
        const to = from + span;
        const excluded = calendar.workingMsBetweenExcluding(from, to, ps);
        const again = calendar.workingMsBetweenExcluding(from, to, [...ps].reverse().concat(ps));
        return excluded >= 0 && excluded <= calendar.workingMsBetween(from, to) && excluded === again;
      },
    ),
    { numRuns: 1000 },
  );
  t.pass('held');
});
