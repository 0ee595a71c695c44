// Leaving an activity by conditional flows (engine/elements/outgoing.ts): every unconditioned flow and every true
// condition; the default flow when no condition holds; none to take is an incident worded as for the gateways.
import t from 'tap';
import { deploy, eventTypes, steps } from './harness.js';

const fixture = new URL('./outgoing-flows.bpmn', import.meta.url);

t.test('an activity leaves by the flow whose condition holds, and only that one', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['activity_conditions']);

  // when
  const snapshot = start('activity_conditions', { capital: 50_000 });

  // then
  t.same(steps(take()), ['entered check', 'completed check', 'entered small', 'completed small']);
  t.equal(snapshot.status, 'completed');
});

t.test('an activity none of whose conditions holds, without a default flow, fails the case', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['activity_conditions']);

  // when
  const snapshot = start('activity_conditions', { capital: 500_000 });

  // then
  t.same(eventTypes(take(), 'incidentRaised', 'caseFailed', 'caseCompleted'), [
    'incidentRaised',
    'caseFailed',
  ]);
  t.equal(snapshot.status, 'failed');
  t.match(snapshot.incidents[0], {
    elementId: 'check',
    message: /no outgoing condition of task 'check' holds and it has no default flow/,
  });
});

t.test(
  'the default flow of an activity is taken when no condition holds, beside its unconditioned flows',
  async (t) => {
    // given
    const { start, take } = await deploy(fixture, ['activity_default']);

    // when
    const snapshot = start('activity_default', { capital: 500_000 });

    // then
    t.same(steps(take()), [
      'entered review',
      'completed review',
      'entered archive',
      'completed archive',
      'entered standard',
      'completed standard',
    ]);
    t.equal(snapshot.status, 'completed');
  },
);

t.test('the default flow of an activity is not taken when a condition holds', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['activity_default']);

  // when
  const snapshot = start('activity_default', { capital: 5_000_000 });

  // then
  t.same(steps(take()), [
    'entered review',
    'completed review',
    'entered archive',
    'completed archive',
    'entered expert',
    'completed expert',
  ]);
  t.equal(snapshot.status, 'completed');
});
