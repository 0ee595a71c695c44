// Conditional events: fire when their FEEL condition over the case variables becomes true (not while it stays true).
import t from 'tap';
import { deploy, steps } from './harness.js';

const fixture = new URL('./conditional-event.bpmn', import.meta.url);

t.test('a conditional catch waits until a task completion makes its condition true', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['wait_for_materials']);
  const started = start('wait_for_materials', { materialCount: 1 });
  t.same(steps(take()), ['entered collect_first', 'entered materials_ready']);
  t.match(started.subscriptions, [
    { kind: 'conditional', name: 'materialCount >= 3', elementId: 'materials_ready', lastValue: false },
  ]);

  // when a variable changes but the condition still does not hold
  const notYet = complete('collect_first', { materialCount: 2 });

  // then
  t.same(steps(take()), ['completed collect_first', 'entered collect']);
  t.same(
    Object.values(notYet.activities).map((a) => a.elementId),
    ['materials_ready', 'collect'],
  );

  // when the third material is collected
  const snapshot = complete('collect', { materialCount: 3 });

  // then
  t.same(steps(take()), ['completed collect', 'completed materials_ready', 'entered review']);
  t.same(snapshot.subscriptions, []);
});

t.test('a conditional catch whose condition already holds passes at once', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['wait_for_materials']);

  // when
  start('wait_for_materials', { materialCount: 5 });

  // then
  t.same(steps(take()), [
    'entered collect_first',
    'entered materials_ready',
    'completed materials_ready',
    'entered review',
  ]);
});

t.test('a conditional boundary event interrupts its task when the condition becomes true', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['risk_watch']);
  start('risk_watch', { risk: 'low' });
  t.same(steps(take()), ['entered approve', 'entered screen']);

  // when the screening finds a high risk
  const snapshot = complete('screen', { risk: 'high' });

  // then
  t.same(steps(take()), ['completed screen', 'cancelled approve', 'entered expert_review']);
  t.same(snapshot.subscriptions, []);
});

t.test('a conditional boundary event does not fire while its condition stays false', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['risk_watch']);
  start('risk_watch', { risk: 'low' });
  take();

  // when
  complete('screen', { risk: 'medium' });
  const snapshot = complete('approve');

  // then
  t.same(steps(take()), ['completed screen', 'completed approve']);
  t.equal(snapshot.status, 'completed');
});

t.test(
  'a conditional boundary event whose condition already holds when its task is entered fires at once',
  async (t) => {
    // given a case known to be high-risk from the start
    const { start, take } = await deploy(fixture, ['risk_watch']);

    // when
    const snapshot = start('risk_watch', { risk: 'high' });

    // then the approval is interrupted as it is entered (BPMN §10.5.4: the condition is evaluated when the
    // boundary event becomes active), before the parallel screening is reached
    t.same(steps(take()), [
      'entered approve',
      'cancelled approve',
      'entered screen',
      'entered expert_review',
    ]);
    t.same(snapshot.subscriptions, []);
  },
);
