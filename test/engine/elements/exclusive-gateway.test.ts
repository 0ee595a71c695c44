// bpmn:exclusiveGateway: the first outgoing flow whose condition holds, else the default flow; a merge passes each token on.
import t from 'tap';
import { deploy, eventTypes, steps } from './harness.js';

const fixture = new URL('./exclusive-gateway.bpmn', import.meta.url);

t.test('the flow whose condition holds is taken, and only that one', async (t) => {
  for (const [capital, branch] of [
    [5_000_000, 'expert_review'],
    [50_000, 'fast_track'],
  ] as const) {
    // given
    const { start, take } = await deploy(fixture, ['capital_routing']);

    // when
    const snapshot = start('capital_routing', { capital });

    // then
    t.same(
      steps(take()),
      [`entered ${branch}`, `completed ${branch}`, 'entered issue', 'completed issue'],
      `capital ${capital}`,
    );
    t.equal(snapshot.status, 'completed');
  }
});

t.test('the default flow is taken when no condition holds', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['capital_routing']);

  // when
  const snapshot = start('capital_routing', { capital: 500_000 });

  // then
  t.same(steps(take()), [
    'entered standard_review',
    'completed standard_review',
    'entered issue',
    'completed issue',
  ]);
  t.equal(snapshot.status, 'completed');
});

t.test(
  'no condition holding and no default flow fails the case with an incident naming the gateway',
  async (t) => {
    // given
    const { start, take } = await deploy(fixture, ['no_default']);

    // when
    const snapshot = start('no_default', { decision: 'later' });

    // then
    const events = take();
    t.same(steps(events), []);
    t.same(eventTypes(events, 'incidentRaised', 'caseFailed', 'caseCompleted'), [
      'incidentRaised',
      'caseFailed',
    ]);
    t.equal(snapshot.status, 'failed');
    t.equal(snapshot.incidents.length, 1);
    t.match(snapshot.incidents[0], {
      elementId: 'approved',
      message: /exclusiveGateway 'approved'.*default flow/,
    });
  },
);

t.test('a condition that does not hold passes the token to the next flow', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['no_default']);

  // when
  const snapshot = start('no_default', { decision: 'no' });

  // then
  t.same(steps(take()), ['entered refuse', 'completed refuse']);
  t.equal(snapshot.status, 'completed');
});
