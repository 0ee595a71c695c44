// Timers counted in working days (gov:workingDays): a department that misses its statutory limit is deemed to agree (超时默认).
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { getDefaultCalendar } from '../../../engine/calendar/index.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';
import { beijing, deploy, local, scheduledTimers, steps } from './harness.js';

/** Deploys a variant of the fixture (written to a temporary file, as the harness reads fixtures from disk). */
async function deployXml(xml: string, now: number) {
  const file = join(tmpdir(), `reflow-working-day-${process.pid}.bpmn`);
  writeFileSync(file, xml);
  return deploy(new URL(`file://${file}`), ['deemed_approval'], { now, calendar: getDefaultCalendar() });
}

const fixture = new URL('./working-day-timer.bpmn', import.meta.url);

t.test('a working-day boundary timer skips weekends and the Spring Festival', async (t) => {
  // given a review entered on Friday 2026-02-06 10:00, before the 2026 Spring Festival (02-15 … 02-23 off,
  // 02-14 and 02-28 worked)
  const h = await deploy(fixture, ['deemed_approval'], {
    now: beijing('2026-02-06 10:00'),
    calendar: getDefaultCalendar(),
  });
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
  t.match(result.findings, [
    { elementId: 'overdue', type: 'invalidTimeLimit', severity: 'error', message: /workingDays/ },
  ]);
});

t.test('gov:workingDays may be a FEEL expression over the case variables', async (t) => {
  // given the limit in a variable (a rectification deadline, configurable per case)
  const xml = readFileSync(fixture, 'utf8').replace(
    'gov:workingDays="20"',
    'gov:workingDays="=deadlineDays"',
  );
  const h = await deployXml(xml, beijing('2026-01-05 09:00'));
  // when cases start with 2 days and with no number
  h.start('deemed_approval', { deadlineDays: 2 });
  const bad = h.start('deemed_approval', { deadlineDays: 'soon' });
  // then the first is due after 2 working days; the second fails with an incident naming the timer
  t.same(scheduledTimers(h.events)[0], { elementId: 'overdue', dueAt: '2026-01-06 17:00' });
  t.equal(h.case(bad.id).status, 'failed');
  t.match(h.case(bad.id).incidents, [{ elementId: 'overdue', message: /soon/ }]);
});
