// bpmn:boundaryEvent: armed while its activity runs; an interrupting one ends the activity and leaves by its
// own flow, a non-interrupting one sends a token on and leaves the activity running.
import t from 'tap';
import { deploy, eventTypes, HOUR, scheduledTimers, steps, T0 } from './harness.js';

const fixture = new URL('./boundary-event.bpmn', import.meta.url);

t.test('an interrupting timer boundary event cancels the overdue task and takes its flow', async (t) => {
  // given
  const { start, advance, case: caseOf, take } = await deploy(fixture, ['overdue_transfer']);
  start('overdue_transfer');
  const armed = take();
  t.same(steps(armed), ['entered review']);
  t.same(scheduledTimers(armed), [{ elementId: 'overdue', dueAt: '2026-01-07 09:00' }]);

  // when two days pass
  advance(48 * HOUR);

  // then
  const events = take();
  t.same(steps(events), ['cancelled review', 'entered supervise']);
  t.same(eventTypes(events, 'timerFired', 'taskCancelled', 'taskCreated'), [
    'timerFired',
    'taskCancelled',
    'taskCreated',
  ]);
  t.same(caseOf('case-1').timers, {});
});

t.test('a task completed in time disarms its timer boundary event', async (t) => {
  // given
  const { start, complete, advance, take } = await deploy(fixture, ['overdue_transfer']);
  start('overdue_transfer');
  take();

  // when
  const snapshot = complete('review');

  // then
  const events = take();
  t.same(steps(events), ['completed review']);
  t.same(eventTypes(events, 'timerCancelled', 'caseCompleted'), ['timerCancelled', 'caseCompleted']);
  t.same(snapshot.timers, {});
  t.equal(advance(72 * HOUR), 0, 'nothing fires later');
});

t.test(
  'SLA escalation: a non-interrupting R2/PT1H timer fires twice while the task stays open',
  async (t) => {
    // given
    const { start, advance, case: caseOf, complete, take } = await deploy(fixture, ['sla_reminders']);
    start('sla_reminders');
    t.same(scheduledTimers(take()), [{ elementId: 'sla', dueAt: '2026-01-05 10:00' }]);

    // when three hours pass
    const fired = advance(3 * HOUR);

    // then
    t.equal(fired, 2);
    const events = take();
    t.same(steps(events), ['entered warn', 'completed warn', 'entered warn', 'completed warn']);
    t.same(scheduledTimers(events), [{ elementId: 'sla', dueAt: '2026-01-05 11:00' }]);
    t.same(
      events.filter((e) => e.type === 'timerFired').map((e) => e.type === 'timerFired' && e.at - T0),
      [HOUR, 2 * HOUR],
    );
    t.same(caseOf('case-1').timers, {}, 'both repetitions used');
    t.match(Object.values(caseOf('case-1').activities), [{ elementId: 'approve', wait: 'task' }]);

    // when the task is finally done
    const snapshot = complete('approve');

    // then
    t.same(steps(take()), ['completed approve']);
    t.equal(snapshot.status, 'completed');
  },
);

t.test('the remaining repetitions of a cycle are withdrawn when the task completes', async (t) => {
  // given one reminder sent
  const { start, advance, complete, take } = await deploy(fixture, ['sla_reminders']);
  start('sla_reminders');
  advance(HOUR);
  take();

  // when
  const snapshot = complete('approve');

  // then
  t.same(eventTypes(take(), 'timerCancelled', 'caseCompleted'), ['timerCancelled', 'caseCompleted']);
  t.same(snapshot.timers, {});
});

t.test('a message boundary event interrupts the task', async (t) => {
  // given
  const { engine, start, take } = await deploy(fixture, ['withdrawable']);
  start('withdrawable');
  take();

  // when
  const snapshot = engine.command('case-1', {
    type: 'deliverMessage',
    name: '撤回申请',
    variables: { reason: '不再需要' },
  });

  // then
  const events = take();
  t.same(steps(events), ['cancelled examine', 'entered refund', 'completed refund']);
  t.match(events[0], { type: 'messageReceived', elementId: 'withdrawn' });
  t.equal(snapshot.status, 'completed');
  t.same(snapshot.variables, { reason: '不再需要' });
});

t.test(
  'an error end event inside a subprocess is caught by the error boundary on the subprocess',
  async (t) => {
    // given both inspections open
    const { start, complete, take } = await deploy(fixture, ['safety_check']);
    start('safety_check');
    t.same(steps(take()), ['entered inspection', 'entered fire_safety', 'entered hygiene']);

    // when the fire inspection finds a hazard
    const snapshot = complete('fire_safety', { hazard: true });

    // then
    const events = take();
    t.same(steps(events), [
      'completed fire_safety',
      'cancelled hygiene',
      'cancelled inspection',
      'entered rectify',
    ]);
    t.match(
      events.find((e) => e.type === 'errorRaised'),
      { code: 'UNSAFE', elementId: 'unsafe', caught: true },
    );
    t.equal(snapshot.status, 'active');
    t.same(Object.keys(snapshot.scopes), ['case-1-root']);
    t.same(snapshot.incidents, []);
  },
);

t.test('the subprocess without an error leaves by its normal flow', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['safety_check']);
  start('safety_check');
  take();

  // when
  complete('fire_safety', { hazard: false });
  const snapshot = complete('hygiene');

  // then
  t.same(steps(take()), ['completed fire_safety', 'completed hygiene', 'completed inspection']);
  t.equal(snapshot.status, 'completed');
});
