// bpmn:eventBasedGateway: waits for the first of the events after it; the others are withdrawn.
import t from 'tap';
import { deploy, eventTypes, HOUR, local, rejection, scheduledTimers, steps } from './harness.js';

const fixture = new URL('./event-based-gateway.bpmn', import.meta.url);

async function atGateway() {
  const harness = await deploy(fixture, ['await_supplement']);
  harness.start('await_supplement');
  harness.engine.now += HOUR;
  harness.complete('request');
  return harness;
}

t.test('the gateway waits for the message and the timer at once', async (t) => {
  // given / when
  const { case: caseOf, events } = await atGateway();

  // then the gateway is no step; both catches are armed
  t.same(steps(events), ['entered request', 'completed request']);
  t.same(
    scheduledTimers(events),
    [{ elementId: 'deadline', dueAt: '2026-01-10 10:00' }],
    'P5D from Monday 10:00',
  );
  const snapshot = caseOf('case-1');
  t.match(Object.values(snapshot.activities), [{ elementId: 'wait', wait: 'gateway', step: false }]);
  t.match(snapshot.subscriptions, [{ kind: 'message', name: '补正材料', elementId: 'supplemented' }]);
});

t.test('the message wins: the timer is withdrawn', async (t) => {
  // given
  const { engine, take } = await atGateway();
  take();

  // when
  const snapshot = engine.command('case-1', {
    type: 'deliverMessage',
    name: '补正材料',
    variables: { supplement: ['营业执照'] },
  });

  // then
  const events = take();
  t.same(steps(events), ['entered supplemented', 'completed supplemented', 'entered review']);
  t.same(eventTypes(events, 'messageReceived', 'timerCancelled', 'timerFired'), [
    'messageReceived',
    'timerCancelled',
  ]);
  t.same(snapshot.timers, {});
  t.same(snapshot.subscriptions, []);
  t.same(snapshot.variables, { supplement: ['营业执照'] });
  t.match(
    events.find((e) => e.type === 'stepCompleted'),
    { step: { elementId: 'supplemented', variablesChanged: ['supplement'] } },
    'the message variables are recorded on the catch event that received them',
  );
  t.equal(snapshot.corrected, true, 'the correction node was reached');
});

t.test('the timer wins: the message is no longer awaited', async (t) => {
  // given
  const { engine, advance, take } = await atGateway();
  take();

  // when five days pass
  const fired = advance(5 * 24 * HOUR);

  // then
  t.equal(fired, 1);
  const events = take();
  t.same(steps(events), ['entered deadline', 'completed deadline', 'entered close', 'completed close']);
  t.match(
    events.find((e) => e.type === 'timerFired'),
    { elementId: 'deadline', at: Date.parse('2026-01-10T10:00:00+08:00') },
  );
  const snapshot = engine.cases.get('case-1')!;
  t.equal(snapshot.status, 'completed');
  t.equal(local(snapshot.endedAt), '2026-01-10 10:00');
  t.equal(snapshot.corrected, false);
  t.match(
    rejection(() => engine.command('case-1', { type: 'deliverMessage', name: '补正材料' })),
    { code: 'notActive' },
  );
});
