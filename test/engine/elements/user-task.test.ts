// bpmn:userTask: a work item for a department, due after its time limit in working days, completed from outside.
import t from 'tap';
import { getDefaultCalendar } from '../../../engine/calendar/index.js';
import { beijing, createdTasks, deploy, eventTypes, local, rejection, steps } from './harness.js';

const fixture = new URL('./user-task.bpmn', import.meta.url);
const reviewers = ['市场监管局', '消防救援支队'];

t.test('a user task is created for its department, due after gov:timeLimit working days', async (t) => {
  // given Friday 2026-02-13 15:00, the eve of the 2026 Spring Festival (Saturday the 14th is a 调休 working day,
  // the 15th to the 23rd are holidays)
  const { start, take } = await deploy(fixture, ['licence_review'], {
    calendar: getDefaultCalendar(),
    now: beijing('2026-02-13 15:00'),
  });

  // when
  const snapshot = start('licence_review', { reviewers });

  // then the lane names the department; 0.5 day = 3.5 h: 2 h on Friday, 1.5 h on Saturday
  const events = take();
  t.same(steps(events), ['entered accept']);
  t.same(createdTasks(events), [{ elementId: 'accept', department: '综合窗口', dueAt: '2026-02-14 10:30' }]);
  t.match(
    events.find((e) => e.type === 'taskCreated'),
    {
      task: {
        id: 'case-1-s1',
        caseId: 'case-1',
        elementId: 'accept',
        name: '受理',
        type: 'userTask',
        createdAt: beijing('2026-02-13 15:00'),
      },
    },
  );
  t.match(Object.values(snapshot.activities), [
    { elementId: 'accept', wait: 'task', department: '综合窗口', dueAt: beijing('2026-02-14 10:30') },
  ]);
});

t.test('gov:department wins over the lane, and the due date skips the Spring Festival', async (t) => {
  // given the case accepted at once
  const { start, complete, take } = await deploy(fixture, ['licence_review'], {
    calendar: getDefaultCalendar(),
    now: beijing('2026-02-13 15:00'),
  });
  start('licence_review', { reviewers });
  take();

  // when
  complete('accept');

  // then 1.5 days = 10.5 h: 2 h Friday, 7 h Saturday, 1.5 h on Tuesday the 24th
  const events = take();
  t.same(steps(events), ['completed accept', 'entered review']);
  t.same(createdTasks(events), [{ elementId: 'review', department: '审批科', dueAt: '2026-02-24 10:30' }]);
});

t.test('a FEEL department inside a multi-instance names each instance its reviewer', async (t) => {
  // given the case at the joint review
  const { start, complete, take } = await deploy(fixture, ['licence_review'], {
    calendar: getDefaultCalendar(),
    now: beijing('2026-02-13 15:00'),
  });
  start('licence_review', { reviewers });
  complete('accept');
  take();

  // when
  complete('review');

  // then 2 days = 14 h: 2 h Friday, 7 h Saturday, 5 h on Tuesday the 24th
  const events = take();
  t.same(steps(events), ['completed review', 'entered joint_review', 'entered joint_review']);
  t.same(createdTasks(events), [
    { elementId: 'joint_review', department: '市场监管局', dueAt: '2026-02-24 15:00' },
    { elementId: 'joint_review', department: '消防救援支队', dueAt: '2026-02-24 15:00' },
  ]);
});

t.test('without a calendar a task has no due date', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['licence_review']);

  // when
  start('licence_review', { reviewers });

  // then
  t.same(createdTasks(take()), [{ elementId: 'accept', department: '综合窗口', dueAt: null }]);
});

t.test('completing a task merges its variables and moves the token on', async (t) => {
  // given
  const { engine, start, task, take } = await deploy(fixture, ['licence_review']);
  start('licence_review', { reviewers });
  take();
  engine.now = beijing('2026-01-06 10:00');

  // when
  const snapshot = engine.completeTask(task('accept').id, { materialsComplete: true });

  // then
  const events = take();
  t.same(steps(events), ['completed accept', 'entered review']);
  t.same(
    eventTypes(events, 'taskCompleted', 'variablesChanged', 'stepCompleted', 'stepEntered', 'taskCreated'),
    ['taskCompleted', 'variablesChanged', 'stepCompleted', 'stepEntered', 'taskCreated'],
  );
  t.match(
    events.find((e) => e.type === 'stepCompleted'),
    {
      step: {
        elementId: 'accept',
        completedAt: beijing('2026-01-06 10:00'),
        variablesChanged: ['materialsComplete'],
      },
    },
  );
  t.equal(snapshot.variables.materialsComplete, true);
  t.equal(local(snapshot.activities['case-1-s2'].enteredAt), '2026-01-06 10:00');
});

t.test('a task that is not open cannot be completed', async (t) => {
  // given a completed task
  const { engine, start, complete, take } = await deploy(fixture, ['licence_review']);
  start('licence_review', { reviewers });
  complete('accept');
  take();

  // when
  const refused = rejection(() => engine.command('case-1', { type: 'completeTask', taskId: 'case-1-s1' }));

  // then
  t.match(refused, { code: 'notOpen' });
  t.same(take(), []);
});
