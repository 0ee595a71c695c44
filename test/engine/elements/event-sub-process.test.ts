// Event subprocesses (triggeredByEvent): started by their start event's trigger inside a running scope; an
// interrupting one first ends everything else in that scope, a non-interrupting one runs alongside.
import t from 'tap';
import { deploy, eventTypes, HOUR, scheduledTimers, steps } from './harness.js';

const fixture = new URL('./event-sub-process.bpmn', import.meta.url);

t.test('an interrupting message start cancels the open tasks of its scope', async (t) => {
  // given two open tasks
  const { engine, start, take } = await deploy(fixture, ['withdrawal']);
  const started = start('withdrawal');
  t.same(steps(take()), ['entered review', 'entered inspect']);
  t.match(started.subscriptions, [
    { kind: 'message', name: '撤回申请', elementId: 'withdrawn', activityId: null },
  ]);

  // when the applicant withdraws
  const snapshot = engine.command('case-1', { type: 'deliverMessage', name: '撤回申请' });

  // then
  const events = take();
  t.same(steps(events), ['cancelled review', 'cancelled inspect', 'entered on_withdraw', 'entered refund']);
  t.same(eventTypes(events, 'taskCancelled', 'taskCreated'), [
    'taskCancelled',
    'taskCancelled',
    'taskCreated',
  ]);
  t.same(snapshot.subscriptions, [], 'an interrupting start fires once');
  t.same(
    engine.openTasks().map((task) => task.elementId),
    ['refund'],
  );

  // when
  const done = engine.completeTask(engine.openTasks()[0].id);

  // then
  t.same(steps(take()), ['completed refund', 'completed on_withdraw']);
  t.equal(done.status, 'completed');
});

t.test('an interrupting start also drops the tokens waiting at joins of its scope', async (t) => {
  // given one branch at the join
  const { engine, start, complete, take } = await deploy(fixture, ['withdrawal']);
  start('withdrawal');
  complete('review');
  take();

  // when
  const snapshot = engine.command('case-1', { type: 'deliverMessage', name: '撤回申请' });

  // then
  t.same(steps(take()), ['cancelled inspect', 'entered on_withdraw', 'entered refund']);
  t.same(snapshot.scopes['case-1-root'].joins, {});
});

t.test('a non-interrupting timer start runs alongside the open task', async (t) => {
  // given
  const { start, advance, case: caseOf, take } = await deploy(fixture, ['reminders']);
  start('reminders');
  t.same(scheduledTimers(take()), [{ elementId: 'slow', dueAt: '2026-01-05 13:00' }]);

  // when four hours pass
  advance(4 * HOUR);

  // then
  const events = take();
  t.same(steps(events), ['entered on_slow', 'entered urge']);
  t.same(
    Object.values(caseOf('case-1').activities).map((a) => a.elementId),
    ['approve', 'on_slow', 'urge'],
  );
});

t.test('the main path ending before the timer withdraws it', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['reminders']);
  start('reminders');
  take();

  // when
  const snapshot = complete('approve');

  // then
  t.same(eventTypes(take(), 'timerCancelled', 'caseCompleted'), ['timerCancelled', 'caseCompleted']);
  t.same(snapshot.timers, {});
});

t.test('the case waits for a running non-interrupting event subprocess', async (t) => {
  // given the reminder open
  const { start, complete, advance, take } = await deploy(fixture, ['reminders']);
  start('reminders');
  advance(4 * HOUR);
  take();

  // when
  const waiting = complete('approve');
  const snapshot = complete('urge');

  // then
  t.equal(waiting.status, 'active');
  t.same(steps(take()), ['completed approve', 'completed urge', 'completed on_slow']);
  t.equal(snapshot.status, 'completed');
});

t.test('an error start catches an error end event of its scope', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['invalid_materials']);

  // when
  const snapshot = start('invalid_materials', { materialsValid: false });

  // then tokens still on their way in the interrupted scope are withdrawn too: 'examine' is never entered
  const events = take();
  t.same(steps(events), [
    'entered notify',
    'completed notify',
    'entered on_invalid',
    'entered reject',
    'completed reject',
    'completed on_invalid',
  ]);
  t.match(
    events.find((e) => e.type === 'errorRaised'),
    { code: 'INVALID', elementId: 'invalid', caught: true },
  );
  t.equal(snapshot.status, 'completed');
  t.same(snapshot.incidents, []);
});

t.test('without the error the event subprocess never starts', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['invalid_materials']);
  start('invalid_materials', { materialsValid: true });

  // when
  const snapshot = complete('examine');

  // then
  t.same(steps(take()), ['entered notify', 'completed notify', 'entered examine', 'completed examine']);
  t.equal(snapshot.status, 'completed');
});
