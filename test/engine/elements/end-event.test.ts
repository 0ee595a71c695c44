// bpmn:endEvent: none (consumes its token), terminate (ends the scope at once), error (thrown outward).
import t from 'tap';
import { deploy, eventTypes, steps } from './harness.js';

const fixture = new URL('./end-event.bpmn', import.meta.url);

t.test('a none end event consumes one token: the case ends with its last token', async (t) => {
  // given a case whose quick branch has ended while the review is open
  const { start, complete, case: caseOf, take } = await deploy(fixture, ['none_end']);
  const started = start('none_end');
  t.same(steps(take()), ['entered notify', 'completed notify', 'entered review']);
  t.equal(started.status, 'active');

  // when
  const snapshot = complete('review');

  // then
  const events = take();
  t.same(steps(events), ['completed review']);
  t.same(eventTypes(events, 'taskCompleted', 'caseCompleted'), ['taskCompleted', 'caseCompleted']);
  t.equal(snapshot.status, 'completed');
  t.equal(caseOf('case-1').status, 'completed');
});

t.test('a terminate end event cancels every open step and completes the case', async (t) => {
  // given both branches open
  const { start, complete, take } = await deploy(fixture, ['terminate_end']);
  start('terminate_end');
  t.same(steps(take()), ['entered withdraw', 'entered examine']);

  // when the applicant withdraws
  const snapshot = complete('withdraw');

  // then
  const events = take();
  t.same(steps(events), ['completed withdraw', 'cancelled examine']);
  t.same(eventTypes(events, 'taskCompleted', 'taskCancelled', 'caseCompleted'), [
    'taskCompleted',
    'taskCancelled',
    'caseCompleted',
  ]);
  t.equal(snapshot.status, 'completed');
  t.same(snapshot.activities, {});
});

t.test('an uncaught error end event fails the case with an incident naming it', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['error_end']);
  start('error_end');
  take();

  // when
  const snapshot = complete('check');

  // then
  const events = take();
  t.same(steps(events), ['completed check']);
  t.match(
    events.find((e) => e.type === 'errorRaised'),
    { code: 'REJECTED', elementId: 'rejected', caught: false },
  );
  t.equal(snapshot.status, 'failed');
  t.match(snapshot.incidents, [{ elementId: 'rejected', message: /error 'REJECTED'.*not caught/ }]);
  t.same(eventTypes(events, 'errorRaised', 'incidentRaised', 'caseFailed'), [
    'errorRaised',
    'incidentRaised',
    'caseFailed',
  ]);
});
