// bpmn:parallelGateway: a fork sends a token down every flow; a join fires once each incoming flow has a token,
// taking one token per flow (a second token on the same flow waits for the next firing).
import t from 'tap';
import { deploy, steps } from './harness.js';

const fixture = new URL('./parallel-gateway.bpmn', import.meta.url);

t.test('the fork opens every branch at once', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['fork_join']);

  // when
  const snapshot = start('fork_join');

  // then
  t.same(steps(take()), ['entered tax', 'entered social', 'entered seal', 'completed seal']);
  t.same(
    snapshot.scopes['case-1-root'].joins,
    { join: { f_seal_done: 1 } },
    'the quick branch waits at the join',
  );
});

t.test('the join fires once, when the last branch arrives', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['fork_join']);
  start('fork_join');
  take();

  // when
  const afterSocial = complete('social');
  const socialSteps = steps(take());
  const afterTax = complete('tax');

  // then
  t.same(socialSteps, ['completed social']);
  t.equal(afterSocial.status, 'active');
  t.same(steps(take()), ['completed tax', 'entered deliver', 'completed deliver']);
  t.equal(afterTax.status, 'completed');
  t.same(afterTax.scopes, {});
});

t.test('a join fed by two different forks fires when all three branches arrive', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['unpaired_join']);
  start('unpaired_join');
  t.same(steps(take()), ['entered inspect', 'entered fire_check', 'entered env_check']);

  // when
  complete('fire_check');
  complete('inspect');
  const waiting = steps(take());
  const snapshot = complete('env_check');

  // then
  t.same(waiting, ['completed fire_check', 'completed inspect']);
  t.same(steps(take()), ['completed env_check', 'entered u_issue', 'completed u_issue']);
  t.equal(snapshot.status, 'completed');
});

t.test('a second token on the same flow waits at the join for the next firing', async (t) => {
  // given materials submitted twice while the first approval is pending
  const { start, complete, case: caseOf, take } = await deploy(fixture, ['looping_join']);
  start('looping_join');
  complete('submit', { moreMaterial: true });
  complete('submit', { moreMaterial: false });
  t.same(steps(take()), [
    'entered submit',
    'entered approve',
    'completed submit',
    'entered submit',
    'completed submit',
  ]);
  t.same(caseOf('case-1').scopes['case-1-root'].joins, { l_join: { f_submitted: 2 } });

  // when the first approval arrives
  const first = complete('approve', { moreApproval: true });

  // then the join fires once and keeps the second submission
  t.same(steps(take()), ['completed approve', 'entered record', 'completed record', 'entered approve']);
  t.same(first.scopes['case-1-root'].joins, { l_join: { f_submitted: 1 } });
  t.equal(first.status, 'active');

  // when the second approval arrives
  const second = complete('approve', { moreApproval: false });

  // then it fires again with the waiting token, and the case ends
  t.same(steps(take()), ['completed approve', 'entered record', 'completed record']);
  t.equal(second.status, 'completed');
});

t.test('a token left waiting at a join keeps the case active', async (t) => {
  // given two submissions and one approval
  const { start, complete, take } = await deploy(fixture, ['looping_join']);
  start('looping_join');
  complete('submit', { moreMaterial: true });
  complete('submit', { moreMaterial: false });
  take();

  // when the approval ends its loop
  const snapshot = complete('approve', { moreApproval: false });

  // then no token can reach the other flow of the join: the case waits, it does not complete
  t.same(steps(take()), ['completed approve', 'entered record', 'completed record']);
  t.equal(snapshot.status, 'active');
  t.same(snapshot.activities, {});
  t.same(snapshot.scopes['case-1-root'].joins, { l_join: { f_submitted: 1 } });
});
