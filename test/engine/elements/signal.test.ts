// Signal events: a thrown signal (or the `signal` command) reaches every catch waiting for its name:
// catch events, boundary events and event subprocess starts.
import t from 'tap';
import { deploy, rejection, steps } from './harness.js';

const fixture = new URL('./signal.bpmn', import.meta.url);

t.test('a signal thrown in one branch is caught by the catch event waiting in the other', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['accepted_broadcast']);
  const started = start('accepted_broadcast');
  t.same(steps(take()), ['entered accept', 'entered on_accepted']);
  t.match(started.subscriptions, [{ kind: 'signal', name: '已受理', elementId: 'on_accepted' }]);

  // when
  const snapshot = complete('accept');

  // then
  const events = take();
  t.same(steps(events), [
    'completed accept',
    'completed on_accepted',
    'entered prepare',
    'completed prepare',
  ]);
  t.match(
    events.find((e) => e.type === 'signalThrown'),
    { name: '已受理', elementId: 'announce' },
  );
  t.equal(snapshot.status, 'completed');
});

t.test('a signal boundary event interrupts the task', async (t) => {
  // given
  const { engine, start, take } = await deploy(fixture, ['policy_change']);
  start('policy_change');
  take();

  // when the policy changes
  const snapshot = engine.command('case-1', {
    type: 'signal',
    name: '政策调整',
    variables: { policy: '2026版' },
  });

  // then
  const events = take();
  t.same(steps(events), ['cancelled review', 'entered re_review']);
  t.match(events[0], { type: 'signalThrown', name: '政策调整', elementId: 'external' });
  t.same(snapshot.variables, { policy: '2026版' });
});

t.test('an external signal nothing waits for changes nothing', async (t) => {
  // given
  const { engine, start, take } = await deploy(fixture, ['policy_change']);
  start('policy_change');
  take();

  // when
  const snapshot = engine.command('case-1', { type: 'signal', name: '暂停办理' });

  // then
  t.same(
    take().map((e) => e.type),
    ['signalThrown'],
  );
  t.match(Object.values(snapshot.activities), [{ elementId: 'review' }]);
});

t.test(
  'a signal starts a non-interrupting event subprocess beside the running task, each time',
  async (t) => {
    // given
    const { engine, start, take } = await deploy(fixture, ['suspendable']);
    start('suspendable');
    take();

    // when
    engine.command('case-1', { type: 'signal', name: '暂停办理' });
    const first = take();
    const snapshot = engine.command('case-1', { type: 'signal', name: '暂停办理' });

    // then
    t.same(steps(first), ['entered on_suspend', 'entered notify_suspension']);
    t.same(steps(take()), ['entered on_suspend', 'entered notify_suspension']);
    t.same(
      Object.values(snapshot.activities).map((a) => a.elementId),
      ['process_case', 'on_suspend', 'notify_suspension', 'on_suspend', 'notify_suspension'],
    );
  },
);

t.test('the case ends when the main path and the started event subprocess are done', async (t) => {
  // given
  const { engine, start, complete, take } = await deploy(fixture, ['suspendable']);
  start('suspendable');
  engine.command('case-1', { type: 'signal', name: '暂停办理' });
  take();

  // when
  const waiting = complete('process_case');
  const snapshot = complete('notify_suspension');

  // then
  t.equal(waiting.status, 'active', 'the event subprocess still runs');
  t.same(steps(take()), ['completed process_case', 'completed notify_suspension', 'completed on_suspend']);
  t.equal(snapshot.status, 'completed');
  t.match(
    rejection(() => engine.command('case-1', { type: 'signal', name: '暂停办理' })),
    { code: 'notActive' },
  );
});

t.test(
  'a signal thrown inside the scope of an interrupting signal start ends the throwing path too',
  async (t) => {
    // given
    const { start, complete, take } = await deploy(fixture, ['suspend_from_inside']);
    start('suspend_from_inside');
    take();

    // when
    const snapshot = complete('i_check');

    // then
    t.same(steps(take()), [
      'completed i_check',
      'entered on_i_suspend',
      'entered i_archive',
      'completed i_archive',
      'completed on_i_suspend',
    ]);
    t.equal(snapshot.status, 'completed');
  },
);
