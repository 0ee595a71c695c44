// multiInstanceLoopCharacteristics: one inner instance per count or per item of gov:collection, in parallel
// or in sequence; the body is no step, each instance is. 会签: one review per department of the list.
import t from 'tap';
import { getDefaultCalendar } from '../../../engine/calendar/index.js';
import { createdTasks, deploy, steps } from './harness.js';

const fixture = new URL('./multi-instance.bpmn', import.meta.url);

t.test(
  'a parallel multi-instance opens loopCardinality instances at once and ends after the last',
  async (t) => {
    // given
    const { start, engine, tasks, take } = await deploy(fixture, ['copies_parallel']);
    const started = start('copies_parallel', { copies: 3 });
    t.same(steps(take()), ['entered sign', 'entered sign', 'entered sign']);
    t.match(Object.values(started.activities), [
      {
        elementId: 'sign',
        step: false,
        wait: 'body',
        multi: { total: 3, completed: 0, active: 3, next: 3, items: null },
      },
      { elementId: 'sign', loopCounter: 1, locals: { loopCounter: 1 } },
      { elementId: 'sign', loopCounter: 2, locals: { loopCounter: 2 } },
      { elementId: 'sign', loopCounter: 3, locals: { loopCounter: 3 } },
    ]);

    // when the instances complete in any order
    const [first, second, third] = tasks('sign');
    engine.completeTask(second.id);
    engine.completeTask(third.id);
    const waiting = steps(take());
    const snapshot = engine.completeTask(first.id);

    // then
    t.same(waiting, ['completed sign', 'completed sign']);
    t.same(steps(take()), ['completed sign']);
    t.equal(snapshot.status, 'completed');
  },
);

t.test('a cardinality of 0 runs no instance', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['copies_parallel']);

  // when
  const snapshot = start('copies_parallel', { copies: 0 });

  // then
  t.same(steps(take()), []);
  t.equal(snapshot.status, 'completed');
});

t.test('a cardinality that is no whole number fails the case', async (t) => {
  // given
  const { start } = await deploy(fixture, ['copies_parallel']);

  // when
  const snapshot = start('copies_parallel', { copies: 'three' });

  // then
  t.equal(snapshot.status, 'failed');
  t.match(snapshot.incidents, [{ elementId: 'sign', message: /loopCardinality 'copies'/ }]);
});

t.test('a sequential multi-instance runs one instance after the other', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['copies_sequential']);
  start('copies_sequential');
  t.same(createdTasks(take()), [{ elementId: 'countersign', department: '第1级', dueAt: null }]);

  // when
  complete('countersign');
  const second = take();
  complete('countersign');
  const third = take();
  const snapshot = complete('countersign');

  // then
  t.same(steps(second), ['completed countersign', 'entered countersign']);
  t.same(createdTasks(second), [{ elementId: 'countersign', department: '第2级', dueAt: null }]);
  t.same(createdTasks(third), [{ elementId: 'countersign', department: '第3级', dueAt: null }]);
  t.same(steps(take()), ['completed countersign']);
  t.equal(snapshot.status, 'completed');
});

t.test(
  '会签: one review per department of the list, each due in 3 working days (Monday 09:00 → Wednesday 17:00)',
  async (t) => {
    // given
    const { start, take } = await deploy(fixture, ['joint_review'], { calendar: getDefaultCalendar() });

    // when
    const snapshot = start('joint_review', { reviewers: ['市场监管局', '消防救援支队', '生态环境局'] });

    // then
    const events = take();
    t.same(steps(events), ['entered review', 'entered review', 'entered review']);
    t.same(createdTasks(events), [
      { elementId: 'review', department: '市场监管局', dueAt: '2026-01-07 17:00' },
      { elementId: 'review', department: '消防救援支队', dueAt: '2026-01-07 17:00' },
      { elementId: 'review', department: '生态环境局', dueAt: '2026-01-07 17:00' },
    ]);
    t.match(
      Object.values(snapshot.activities)
        .filter((a) => a.step)
        .map((a) => a.locals),
      [
        { reviewer: '市场监管局', loopCounter: 1 },
        { reviewer: '消防救援支队', loopCounter: 2 },
        { reviewer: '生态环境局', loopCounter: 3 },
      ],
    );
    t.notOk('reviewer' in snapshot.variables, 'the element variable is local to its instance');
  },
);

t.test('会签 ends when every department has reviewed', async (t) => {
  // given
  const { start, engine, tasks, take } = await deploy(fixture, ['joint_review']);
  start('joint_review', { reviewers: ['市场监管局', '消防救援支队'] });
  take();

  // when
  for (const task of tasks('review'))
    engine.completeTask(task.id, { [`opinion_${task.department}`]: '同意' });

  // then
  t.same(steps(take()), ['completed review', 'completed review', 'entered decide']);
  t.same(engine.cases.get('case-1')!.variables, {
    reviewers: ['市场监管局', '消防救援支队'],
    opinion_市场监管局: '同意',
    opinion_消防救援支队: '同意',
  });
});

t.test('an empty list of reviewers passes straight on', async (t) => {
  // given
  const { start, take } = await deploy(fixture, ['joint_review']);

  // when
  start('joint_review', { reviewers: [] });

  // then
  t.same(steps(take()), ['entered decide']);
});

t.test('a collection that is not a list fails the case', async (t) => {
  // given
  const { start } = await deploy(fixture, ['joint_review']);

  // when
  const snapshot = start('joint_review', { reviewers: '市场监管局' });

  // then
  t.equal(snapshot.status, 'failed');
  t.match(snapshot.incidents, [
    { elementId: 'review', message: /gov:collection '=reviewers' of 'review' is not a list/ },
  ]);
});

t.test('a completion condition met by 2 of 3 experts cancels the third review', async (t) => {
  // given
  const { start, engine, tasks, take } = await deploy(fixture, ['two_of_three']);
  start('two_of_three', { experts: ['张教授', '李研究员', '王工'] });
  t.same(
    createdTasks(take()).map((task) => task.department),
    ['张教授', '李研究员', '王工'],
  );

  // when
  const [zhang, li, wang] = tasks('expert');
  engine.completeTask(wang.id);
  const one = steps(take());
  const snapshot = engine.completeTask(zhang.id);

  // then
  t.same(one, ['completed expert']);
  const events = take();
  t.same(steps(events), ['completed expert', 'cancelled expert', 'entered q_decide', 'completed q_decide']);
  t.match(
    events.filter((e) => e.type === 'stepCancelled'),
    [{ step: { id: li.id, department: '李研究员' } }],
  );
  t.match(
    events.filter((e) => e.type === 'taskCancelled'),
    [{ taskId: li.id }],
  );
  t.equal(snapshot.status, 'completed');
  t.equal(engine.openTasks().length, 0);
});
