// bpmn:manualTask: work done by hand outside the system, recorded as a task its department completes.
import t from 'tap';
import { createdTasks, deploy, steps } from './harness.js';

const fixture = new URL('./manual-task.bpmn', import.meta.url);

t.test('a manual task waits as a task of its department', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['site_inspection']);

  // when
  const snapshot = start('site_inspection');

  // then
  const events = take();
  t.same(steps(events), ['entered inspect']);
  t.same(createdTasks(events), [{ elementId: 'inspect', department: '市场监管所', dueAt: null }]);
  t.match(
    events.find((e) => e.type === 'taskCreated'),
    { task: { type: 'manualTask', name: '现场核查' } },
  );
  t.equal(snapshot.status, 'active');
});

t.test('completing an in-person manual task counts a trip and ends the case', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['site_inspection']);
  start('site_inspection');
  take();

  // when
  const snapshot = complete('inspect', { passed: true });

  // then
  t.same(steps(take()), ['completed inspect']);
  t.equal(snapshot.trips, 1);
  t.equal(snapshot.status, 'completed');
  t.same(snapshot.variables, { passed: true });
});
