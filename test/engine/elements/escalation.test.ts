// Escalation events: thrown outward to the nearest boundary event or event subprocess catching the code;
// unlike an error, an escalation nothing catches is no failure.
import t from 'tap';
import { deploy, eventTypes, steps } from './harness.js';

const fixture = new URL('./escalation.bpmn', import.meta.url);

t.test(
  'an intermediate escalation is caught by a non-interrupting boundary on the enclosing subprocess',
  async (t) => {
    // given
    const { start, take } = await deploy(fixture, ['difficult_case']);

    // when
    const snapshot = start('difficult_case');

    // then the subprocess goes on and the consultation opens beside it
    const events = take();
    t.same(steps(events), ['entered handling', 'entered consult', 'entered handle']);
    t.match(
      events.find((e) => e.type === 'escalationRaised'),
      { code: 'DIFFICULT', elementId: 'flag_difficult', caught: true },
    );
    t.same(
      Object.values(snapshot.activities).map((a) => a.elementId),
      ['handling', 'consult', 'handle'],
    );
  },
);

t.test('the case ends when both the subprocess and the escalation path are done', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['difficult_case']);
  start('difficult_case');
  take();

  // when
  complete('handle');
  const snapshot = complete('consult');

  // then
  t.same(steps(take()), ['completed handle', 'completed handling', 'completed consult']);
  t.equal(snapshot.status, 'completed');
});

t.test(
  'an escalation end event is caught by an interrupting boundary: the subprocess is cancelled',
  async (t) => {
    // given a review beyond the department's authority
    const { start, complete, take } = await deploy(fixture, ['refer_to_leader']);
    start('refer_to_leader', { amount: 5_000_000 });
    t.same(steps(take()), ['entered review', 'entered examine', 'entered verify']);

    // when
    const snapshot = complete('examine');

    // then
    const events = take();
    t.same(steps(events), ['completed examine', 'cancelled verify', 'cancelled review', 'entered leader']);
    t.match(
      events.find((e) => e.type === 'escalationRaised'),
      { code: 'LEADER', elementId: 'to_leader', caught: true },
    );
    t.same(Object.keys(snapshot.scopes), ['case-1-root']);
  },
);

t.test('within authority the escalation end event is not reached', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['refer_to_leader']);
  start('refer_to_leader', { amount: 10 });
  take();

  // when
  complete('examine');
  const snapshot = complete('verify');

  // then
  t.same(steps(take()), ['completed examine', 'completed verify', 'completed review']);
  t.equal(snapshot.status, 'completed');
});

t.test('an escalation nothing catches does not fail the case', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['uncaught']);
  start('uncaught');
  const thrown = take();
  t.same(steps(thrown), ['entered u_handle']);
  t.match(
    thrown.find((e) => e.type === 'escalationRaised'),
    { code: 'DIFFICULT', caught: false },
  );

  // when
  const snapshot = complete('u_handle');

  // then
  const events = take();
  t.same(eventTypes(events, 'escalationRaised', 'incidentRaised', 'caseCompleted', 'caseFailed'), [
    'escalationRaised',
    'caseCompleted',
  ]);
  t.equal(snapshot.status, 'completed');
  t.same(snapshot.incidents, []);
});

t.test(
  'an escalation caught by an interrupting event subprocess of its own scope stops the throwing path',
  async (t) => {
    // given
    const { start, take } = await deploy(fixture, ['escalate_in_scope']);

    // when
    const snapshot = start('escalate_in_scope');

    // then
    t.same(steps(take()), ['entered on_leader', 'entered leader_decides']);
    t.same(
      Object.values(snapshot.activities).map((a) => a.elementId),
      ['on_leader', 'leader_decides'],
    );
  },
);
