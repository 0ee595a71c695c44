// bpmn:task: no work of its own, so a chain of tasks runs through within the start command.
import t from 'tap';
import { deploy, eventTypes, steps, T0 } from './harness.js';

const fixture = new URL('./task.bpmn', import.meta.url);

t.test('a chain of tasks runs through at once, each as a completed step', async (t) => {
  // given
  const { start, events } = await deploy(fixture, ['plain_tasks']);

  // when
  const snapshot = start('plain_tasks', { applicant: '张三' });

  // then
  t.same(steps(events), ['entered register', 'completed register', 'entered archive', 'completed archive']);
  t.same(eventTypes(events, 'caseStarted', 'caseCompleted'), ['caseStarted', 'caseCompleted']);
  t.equal(snapshot.status, 'completed');
  t.equal(snapshot.endedAt, T0);
  t.same(snapshot.variables, { applicant: '张三' });
  t.same(snapshot.activities, {});
  t.same(snapshot.scopes, {});
  t.equal(eventTypes(events, 'taskCreated').length, 0, 'a plain task is no work item');
});

t.test('a task step records its department and instants', async (t) => {
  // given
  const { start, events } = await deploy(fixture, ['plain_tasks']);

  // when
  start('plain_tasks');

  // then
  const completed = events.find((e) => e.type === 'stepCompleted');
  t.match(completed, {
    type: 'stepCompleted',
    step: {
      elementId: 'register',
      name: '登记',
      type: 'task',
      department: '窗口',
      status: 'completed',
      enteredAt: T0,
      completedAt: T0,
      parentStepId: null,
    },
  });
});
