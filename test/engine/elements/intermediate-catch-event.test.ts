// bpmn:intermediateCatchEvent: a step that waits for its timer (duration, date or cycle) or its message.
import t from 'tap';
import { beijing, deploy, eventTypes, HOUR, local, MINUTE, scheduledTimers, steps } from './harness.js';

const fixture = new URL('./intermediate-catch-event.bpmn', import.meta.url);

t.test('a duration timer waits that long from when it is reached', async (t) => {
  // given
  const { start, advance, take } = await deploy(fixture, ['timers']);

  // when
  const snapshot = start('timers');

  // then
  const events = take();
  t.same(steps(events), ['entered publicity']);
  t.same(scheduledTimers(events), [{ elementId: 'publicity', dueAt: '2026-01-12 09:00' }]);
  t.match(Object.values(snapshot.activities), [{ elementId: 'publicity', wait: 'timer' }]);

  // when less than seven days pass
  t.equal(advance(7 * 24 * HOUR - MINUTE), 0);

  // then nothing fired
  t.same(take(), []);
});

t.test('a date timer waits until the date, read in Beijing time when it has no zone', async (t) => {
  // given the publicity period over
  const { start, advance, take } = await deploy(fixture, ['timers']);
  start('timers');
  take();

  // when
  advance(7 * 24 * HOUR);

  // then
  const events = take();
  t.same(steps(events), ['completed publicity', 'entered hearing_day']);
  t.same(scheduledTimers(events), [{ elementId: 'hearing_day', dueAt: '2026-01-20 14:30' }]);
});

// a timeCycle on a catch event is refused at deploy (test/engine/elements/event-semantics.test.ts)
t.test('a duration timer after the hearing day fires once, after its interval', async (t) => {
  // given the hearing day reached
  const { engine, start, take } = await deploy(fixture, ['timers']);
  start('timers');
  take();
  engine.advanceTo(beijing('2026-01-20 14:30'));
  const reached = take();
  t.same(steps(reached), [
    'completed publicity',
    'entered hearing_day',
    'completed hearing_day',
    'entered next_slot',
  ]);
  t.same(scheduledTimers(reached).slice(-1), [{ elementId: 'next_slot', dueAt: '2026-01-20 15:00' }]);

  // when two hours pass
  const fired = engine.advanceTo(beijing('2026-01-20 16:30'));

  // then
  t.equal(fired, 1);
  const events = take();
  t.same(steps(events), ['completed next_slot']);
  t.same(eventTypes(events, 'timerScheduled', 'timerFired', 'caseCompleted'), [
    'timerFired',
    'caseCompleted',
  ]);
  t.equal(local(engine.cases.get('case-1')!.endedAt), '2026-01-20 15:00');
});

t.test('a message catch event waits for its message', async (t) => {
  // given
  const { engine, start, take } = await deploy(fixture, ['fee_message']);
  const started = start('fee_message');
  t.same(steps(take()), ['entered paid']);
  t.match(started.subscriptions, [{ kind: 'message', name: '缴费到账', elementId: 'paid' }]);

  // when
  const snapshot = engine.command('case-1', {
    type: 'deliverMessage',
    name: '缴费到账',
    variables: { paidAmount: 50 },
  });

  // then
  const events = take();
  t.same(steps(events), ['completed paid', 'entered issue']);
  t.match(
    events.find((e) => e.type === 'stepCompleted'),
    { step: { elementId: 'paid', variablesChanged: ['paidAmount'] } },
  );
  t.same(snapshot.variables, { paidAmount: 50 });
  t.same(snapshot.subscriptions, []);
});

t.test('a timer given as a FEEL expression is computed when reached', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['computed_wait']);

  // when
  start('computed_wait', { days: 3 });

  // then
  t.same(scheduledTimers(take()), [{ elementId: 'cooling_off', dueAt: '2026-01-08 09:00' }]);
});

t.test('a timer expression that does not compute fails the case', async (t) => {
  // given
  const { start } = await deploy(fixture, ['computed_wait']);

  // when
  const snapshot = start('computed_wait', {});

  // then
  t.equal(snapshot.status, 'failed');
  t.match(snapshot.incidents, [{ elementId: 'cooling_off', message: /unreadable duration/ }]);
});
