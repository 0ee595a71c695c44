// standardLoopCharacteristics: the activity runs again while loopCondition holds, tested after each run
// (or before, with testBefore), at most loopMaximum times; every run is a step.
import t from 'tap';
import { deploy, steps } from './harness.js';

const fixture = new URL('./standard-loop.bpmn', import.meta.url);

t.test('a do-while loop runs again until the condition no longer holds', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['correct_until_complete']);
  start('correct_until_complete');

  // when
  complete('correct', { materialsComplete: false });
  const snapshot = complete('correct', { materialsComplete: true });

  // then
  t.same(steps(take()), ['entered correct', 'completed correct', 'entered correct', 'completed correct']);
  t.equal(snapshot.status, 'completed');
});

t.test('the loop counter of each run is kept on its instance', async (t) => {
  // given
  const { start, complete, case: caseOf } = await deploy(fixture, ['correct_until_complete']);
  start('correct_until_complete');

  // when
  complete('correct', { materialsComplete: false });

  // then
  t.match(Object.values(caseOf('case-1').activities), [{ elementId: 'correct', loopCounter: 2 }]);
});

t.test('a while loop (testBefore) runs as long as the condition holds before each run', async (t) => {
  for (const [reminders, runs] of [
    [0, 0],
    [1, 1],
    [3, 3],
  ]) {
    // given
    const { start, take } = await deploy(fixture, ['while_pending']);

    // when
    const snapshot = start('while_pending', { reminders });

    // then
    t.same(
      steps(take()),
      Array.from({ length: runs }, () => ['entered remind', 'completed remind']).flat(),
      `${reminders} reminders`,
    );
    t.equal(snapshot.status, 'completed');
  }
});

t.test('loopMaximum stops the loop even while the condition holds', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['at_most_three']);
  start('at_most_three');

  // when
  complete('retry', { verified: false });
  complete('retry', { verified: false });
  const snapshot = complete('retry', { verified: false });

  // then
  t.same(steps(take()), [
    'entered retry',
    'completed retry',
    'entered retry',
    'completed retry',
    'entered retry',
    'completed retry',
  ]);
  t.equal(snapshot.status, 'completed');
});

t.test('loopMaximum does not force runs once the condition fails', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['at_most_three']);
  start('at_most_three');

  // when
  const snapshot = complete('retry', { verified: true });

  // then
  t.same(steps(take()), ['entered retry', 'completed retry']);
  t.equal(snapshot.status, 'completed');
});
