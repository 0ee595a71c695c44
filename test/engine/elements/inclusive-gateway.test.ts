// bpmn:inclusiveGateway: the split takes every flow whose condition holds (else the default); the OR-join
// (BPMN 2.0 §13.3.5) fires once no token that could still reach one of its empty flows is left.
import t from 'tap';
import { deploy, steps } from './harness.js';

const fixture = new URL('./inclusive-gateway.bpmn', import.meta.url);

t.test(
  'the split takes 2 of 3 branches; the join waits for the open user task but not for the untaken branch',
  async (t) => {
    // given
    const { start, complete, take } = await deploy(fixture, ['checks']);

    // when
    const started = start('checks', { fire: true, env: true, health: false });

    // then the quick branch has arrived and the join waits for the fire check only
    t.same(steps(take()), ['entered fire_check', 'entered env_check', 'completed env_check']);
    t.equal(started.status, 'active');
    t.same(started.scopes['case-1-root'].joins, { checks_done: { f_env_done: 1 } });

    // when
    const snapshot = complete('fire_check');

    // then
    t.same(steps(take()), ['completed fire_check', 'entered issue', 'completed issue']);
    t.equal(snapshot.status, 'completed');
  },
);

t.test('the split takes the default flow when no condition holds, and the join fires at once', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['checks']);

  // when
  const snapshot = start('checks', { fire: false, env: false, health: false });

  // then
  t.same(steps(take()), ['entered no_checks', 'completed no_checks', 'entered issue', 'completed issue']);
  t.equal(snapshot.status, 'completed');
});

t.test('the split with all three branches: the join fires once, after the last', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['checks']);
  start('checks', { fire: true, env: true, health: true });
  t.same(steps(take()), [
    'entered fire_check',
    'entered env_check',
    'completed env_check',
    'entered health_check',
    'completed health_check',
  ]);

  // when
  const snapshot = complete('fire_check');

  // then
  t.same(steps(take()), ['completed fire_check', 'entered issue', 'completed issue']);
  t.equal(snapshot.status, 'completed');
});

t.test('the join does not wait for a user task on another path that cannot reach it', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['unreachable_wait']);

  // when
  const snapshot = start('unreachable_wait', { a: true, b: false });

  // then
  t.same(steps(take()), [
    'entered notify',
    'entered u_a',
    'completed u_a',
    'entered archive',
    'completed archive',
  ]);
  t.equal(snapshot.status, 'active');
  t.same(snapshot.scopes['case-1-root'].joins, {});

  // when
  const done = complete('notify');

  // then
  t.same(steps(take()), ['completed notify']);
  t.equal(done.status, 'completed');
});

t.test('the join waits for a taken user task, still ignoring the one on the other path', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['unreachable_wait']);
  start('unreachable_wait', { a: true, b: true });
  t.same(steps(take()), ['entered notify', 'entered u_a', 'completed u_a', 'entered u_b']);

  // when
  const snapshot = complete('u_b');

  // then
  t.same(steps(take()), ['completed u_b', 'entered archive', 'completed archive']);
  t.equal(snapshot.status, 'active', 'notify is still open');
});

t.test(
  'the join waits for a token on another path that can still reach one of its empty flows',
  async (t) => {
    // given
    const { start, complete, take } = await deploy(fixture, ['reachable_wait']);

    // when
    const started = start('reachable_wait', { a: true, b: false });

    // then
    t.same(steps(take()), ['entered late_review', 'entered r_a', 'completed r_a']);
    t.same(started.scopes['case-1-root'].joins, { r_join: { f_r_a_done: 1 } });

    // when
    const snapshot = complete('late_review');

    // then
    t.same(steps(take()), ['completed late_review', 'entered r_archive', 'completed r_archive']);
    t.equal(snapshot.status, 'completed');
  },
);
