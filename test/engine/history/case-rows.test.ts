// The one fold from a case's events to its rows (engine/history/case-rows.ts): which event makes or changes
// which row, rows born and changed in one command written once, step numbers per revision, and what a case
// holds after its commands.
import t from 'tap';
import type { CaseEvent, StepRecord, TaskRecord } from '../../../engine/elements/state.js';
import {
  applyCommandRows,
  caseRows,
  commandRows,
  type HeldRows,
  ROWS_AS_WRITTEN,
  type StepRow,
  type TaskRow,
} from '../../../engine/history/case-rows.js';

const T0 = Date.UTC(2026, 0, 5, 1);
/** Every ms counts: a step's working time is its length. */
const calendar = { workingMsBetween: (from: number, to: number) => to - from };
const identity = { id: 'c1', processKey: 'p', version: 2 };

const step = (id: string, over: Partial<StepRecord> = {}): StepRecord => ({
  id,
  elementId: `el_${id}`,
  name: id,
  type: 'userTask',
  department: 'office',
  status: 'active',
  enteredAt: T0,
  completedAt: null,
  dueAt: null,
  timeLimit: null,
  inPerson: false,
  correction: false,
  pausesClock: false,
  variablesChanged: [],
  parentStepId: null,
  ...over,
});
const task = (id: string): TaskRecord => ({
  id,
  caseId: 'c1',
  elementId: `el_${id}`,
  name: id,
  type: 'userTask',
  department: 'office',
  createdAt: T0,
  dueAt: null,
  form: null,
});
const timer = (id: string) => ({
  id,
  elementId: `el_${id}`,
  activityId: null,
  scopeId: 'root',
  dueAt: T0 + 99,
});

const start: CaseEvent[] = [
  { type: 'stepEntered', step: step('a') },
  { type: 'taskCreated', task: task('a') },
  { type: 'stepEntered', step: step('b') },
  { type: 'stepCompleted', step: step('b', { status: 'completed', completedAt: T0 + 5 }) },
  { type: 'timerScheduled', timer: timer('short') },
  { type: 'timerFired', timerId: 'short', elementId: 'el_short', at: T0 + 1 },
  { type: 'timerScheduled', timer: timer('long') },
];
const next: CaseEvent[] = [
  {
    type: 'stepCompleted',
    step: step('a', { status: 'completed', completedAt: T0 + 7, variablesChanged: ['x'] }),
  },
  { type: 'taskCompleted', taskId: 'a', at: T0 + 7, variables: {} },
  { type: 'stepEntered', step: step('c', { enteredAt: T0 + 7 }) },
  { type: 'timerCancelled', timerId: 'long' },
  { type: 'stepCompleted', step: step('elsewhere', { status: 'completed', completedAt: T0 + 8 }) },
];

t.test("a command's rows: born and changed in one command is one new row", async (t) => {
  const rows = commandRows(identity, start, { calendar, revision: 0 });
  t.same(
    rows.newSteps.map((s) => [s.id, s.status, s.seq, s.working_ms]),
    [
      ['a', 'active', 1, null],
      ['b', 'completed', 2, 5],
    ],
    'a start numbers its steps from 1; a completed step carries its working time',
  );
  t.match(rows.newSteps[0], {
    case_id: 'c1',
    process_key: 'p',
    version: 2,
    element_id: 'el_a',
    entered_at: new Date(T0).toISOString(),
  });
  t.same(rows.changedSteps, []);
  t.same(
    rows.newTasks.map((k) => [k.id, k.status]),
    [['a', 'open']],
  );
  t.same(
    rows.newTimers.map((m) => m.id),
    ['long'],
    'a timer scheduled and fired in one command leaves no row',
  );
  t.same(rows.goneTimers, []);
});

t.test('a later command: changes of rows written before, steps numbered by its revision', async (t) => {
  const rows = commandRows(identity, next, { calendar, revision: 3 });
  t.same(
    rows.newSteps.map((s) => [s.id, s.seq]),
    [['c', 3001]],
  );
  t.same(rows.changedSteps[0], {
    id: 'a',
    case_id: 'c1',
    status: 'completed',
    completed_at: new Date(T0 + 7).toISOString(),
    working_ms: 7,
    variables_changed: ['x'],
    department: 'office',
  });
  t.same(rows.changedTasks, [
    { id: 'a', case_id: 'c1', status: 'completed', completed_at: new Date(T0 + 7).toISOString() },
  ]);
  t.same(rows.goneTimers, ['long']);
});

t.test("a case's rows after its commands", async (t) => {
  let held: HeldRows<StepRow, TaskRow> = { steps: new Map(), tasks: new Map(), timers: new Map() };
  held = applyCommandRows(held, commandRows(identity, start, { calendar, revision: 0 }), ROWS_AS_WRITTEN);
  const before = held;
  held = applyCommandRows(held, commandRows(identity, next, { calendar, revision: 1 }), ROWS_AS_WRITTEN);
  t.equal(before.steps.get('a')?.status, 'active', 'the rows before are left as they were');
  t.match(held.steps.get('a'), {
    status: 'completed',
    seq: 1,
    working_ms: 7,
    name: 'a',
    variables_changed: ['x'],
  });
  t.equal(held.steps.get('c')?.seq, 1001);
  t.notOk(held.steps.has('elsewhere'), 'a change of a row not held is dropped');
  t.match(held.tasks.get('a'), { status: 'completed', completed_at: new Date(T0 + 7).toISOString() });
  t.same([...(held.timers?.keys() ?? [])], [], 'the cancelled timer is gone');
  t.same(
    caseRows(identity, [{ events: start }, { events: next }], calendar),
    held,
    'caseRows folds the same',
  );
});
