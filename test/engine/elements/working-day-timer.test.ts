// Timers counted in working days (gov:workingDays): a department that misses its statutory limit is deemed to agree (超时默认).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { getDefaultCalendar } from '../../../engine/calendar/index.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';
import { beijing, deploy, local, scheduledTimers, steps } from './harness.js';

const fixture = new URL('./working-day-timer.bpmn', import.meta.url);

t.test('a working-day boundary timer skips weekends and the Spring Festival', async (t) => {
  // given a review entered on Friday 2026-02-06 10:00, before the 2026 Spring Festival (02-15 … 02-23 off,
  // 02-14 and 02-28 worked)
  const h = await deploy(fixture, ['deemed_approval'], { now: beijing('2026-02-06 10:00'), calendar: getDefaultCalendar() });
  h.start('deemed_approval');
  // when it is left undone
  const [timer] = scheduledTimers(h.events);
  // then the timer is due after 20 × 7 = 140 working hours: Friday Feb 6 10:00–17:00 gives 6 h; then 19 full
  // days (Feb 9–13, 14 调休, 24–27, 28 调休, Mar 2–6, 9–11) give 133 h; the last hour is Thu Mar 12 09:00–10:00
  t.same(timer, { elementId: 'overdue', dueAt: '2026-03-12 10:00' });
  h.engine.advanceTo(beijing('2026-03-12 09:59'));
  t.same(steps(h.events), ['entered review'], 'not a minute early');
  h.engine.advanceTo(beijing('2026-03-12 10:00'));
  t.same(steps(h.events), ['entered review', 'cancelled review', 'entered deem', 'completed deem']);
  t.equal(local(h.engine.now), '2026-03-12 10:00');
  t.equal([...h.engine.cases.values()][0].variables.deemedApproved, true);
});

t.test('gov:workingDays that is not a number is refused at deploy', async (t) => {
  // given a timer with gov:workingDays="soon"
  const xml = readFileSync(fixture, 'utf8').replace('gov:workingDays="20"', 'gov:workingDays="soon"');
  // when it is compiled
  const result = await compileDefinition(xml);
  // then the finding names the timer
  t.equal(result.ok, false);
  t.match(result.findings, [{ elementId: 'overdue', type: 'invalidAttributeValue', severity: 'error', message: /workingDays/ }]);
});
