// bpmn:receiveTask: waits for its message, delivered by the deliverMessage command.
import t from 'tap';
import { deploy, eventTypes, rejection, steps, T0 } from './harness.js';

const fixture = new URL('./receive-task.bpmn', import.meta.url);

t.test('a receive task waits for its message and completes with its variables', async (t) => {
  // given a case waiting for the payment
  const { engine, start, take } = await deploy(fixture, ['await_payment']);
  const started = start('await_payment');
  t.same(steps(take()), ['entered payment']);
  t.match(started.subscriptions, [{ kind: 'message', name: '缴费到账', elementId: 'payment' }]);

  // when the payment arrives at the window
  const snapshot = engine.command('case-1', {
    type: 'deliverMessage',
    name: '缴费到账',
    variables: { amount: 200 },
    channel: 'window',
  });

  // then
  const events = take();
  t.same(events[0], {
    type: 'messageReceived',
    name: '缴费到账',
    elementId: 'payment',
    at: T0,
    channel: 'window',
  });
  t.same(steps(events), ['completed payment', 'entered issue']);
  t.match(
    events.find((e) => e.type === 'stepCompleted'),
    { step: { elementId: 'payment', department: '财政局', variablesChanged: ['amount'] } },
  );
  t.same(eventTypes(events, 'taskCreated'), ['taskCreated'], 'only the next user task is a work item');
  t.same(snapshot.variables, { amount: 200 });
  t.same(snapshot.subscriptions, []);
  t.equal(snapshot.trips, 1, 'a window message is a trip');
});

t.test('a message nothing waits for is refused with noSubscriber', async (t) => {
  // given a case past the receive task
  const { engine, start, take } = await deploy(fixture, ['await_payment']);
  start('await_payment');
  engine.command('case-1', { type: 'deliverMessage', name: '缴费到账' });
  take();

  // when the same message comes again
  const again = rejection(() => engine.command('case-1', { type: 'deliverMessage', name: '缴费到账' }));
  const unknown = rejection(() => engine.command('case-1', { type: 'deliverMessage', name: '补正材料' }));

  // then
  t.match(again, { code: 'noSubscriber', message: /message '缴费到账'/ });
  t.match(unknown, { code: 'noSubscriber' });
  t.same(take(), []);
  t.equal(engine.cases.get('case-1')?.status, 'active');
});
