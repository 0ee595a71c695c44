// The engine's two memos and its in-place mode (added for the simulation, engine/simulate): the lifecycle
// transitions execute() remembers equal XState's own for every state, command and resulting status; FEEL
// results remembered over primitive values equal a fresh evaluation, while time-dependent and non-primitive
// expressions are evaluated afresh; and `inPlace` gives the same case as a copying run.
import { readFileSync } from 'node:fs';
import { evaluate } from 'feelin';
import t from 'tap';
import { initialTransition, transition } from 'xstate';
import { getDefaultCalendar } from '../../../engine/calendar/index.js';
import { type CaseCommand, type CaseSnapshot, CommandRejected } from '../../../engine/elements/state.js';
import { evaluateFeel } from '../../../engine/model/feel.js';
import { caseMachine } from '../../../engine/runtime/case-machine.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';
import { execute } from '../../../engine/runtime/execute.js';

const TYPES: CaseCommand['type'][] = [
  'start',
  'completeTask',
  'deliverMessage',
  'fireTimer',
  'signal',
  'cancel',
];
const STATUSES: CaseSnapshot['status'][] = ['active', 'completed', 'failed', 'cancelled'];

t.test('lifecycle: what execute() accepts and where a case goes are what XState says', async (t) => {
  const def = await compileDefinition(
    readFileSync(new URL('../../../processes/sole-proprietor.before.bpmn', import.meta.url), 'utf8'),
  );
  if (!def.ok) throw new Error('sample does not compile');
  const now = Date.parse('2026-03-02T09:00:00+08:00');
  for (const lifecycle of ['new', 'active', 'completed', 'failed', 'cancelled']) {
    for (const type of TYPES) {
      // XState directly
      const from =
        lifecycle === 'new'
          ? initialTransition(caseMachine)[0]
          : caseMachine.resolveState({
              value: lifecycle,
              context: { case: { status: 'active' } as CaseSnapshot },
            });
      let applied = false;
      transition(caseMachine, from, {
        type,
        apply: (c) => {
          applied = true;
          return c ?? ({ status: 'active' } as CaseSnapshot);
        },
      });
      // execute(): a command it refuses is refused for the lifecycle, not for the case's content
      const snapshot =
        lifecycle === 'new'
          ? null
          : ({
              ...execute(def.definition, null, { type: 'start', caseId: 'c' }, { now }).snapshot,
              lifecycle,
            } as CaseSnapshot);
      const command = { type, caseId: 'c', taskId: 'none', timerId: 'none', name: 'none' } as CaseCommand;
      let refusedForLifecycle = false;
      try {
        execute(def.definition, snapshot, command, { now });
      } catch (error) {
        refusedForLifecycle = error instanceof CommandRejected && error.code === 'notActive';
      }
      t.equal(!refusedForLifecycle, applied, `${lifecycle} + ${type}: ${applied ? 'accepted' : 'refused'}`);
      if (!applied) continue;
      for (const status of STATUSES) {
        const [after] = transition(caseMachine, from, { type, apply: () => ({ status }) as CaseSnapshot });
        t.ok(typeof after.value === 'string', `${lifecycle} + ${type} → ${status}: ${String(after.value)}`);
      }
    }
  }
  // end to end: a completed case says so and accepts nothing more
  let { snapshot } = execute(def.definition, null, { type: 'start', caseId: 'c2' }, { now });
  for (
    let open = Object.values(snapshot.activities).find((a) => a.wait === 'task');
    open;
    open = Object.values(snapshot.activities).find((a) => a.wait === 'task')
  ) {
    ({ snapshot } = execute(def.definition, snapshot, { type: 'completeTask', taskId: open.id }, { now }));
  }
  t.equal(snapshot.status, 'completed');
  t.equal(snapshot.lifecycle, 'completed');
  t.throws(
    () => execute(def.definition, snapshot, { type: 'cancel' }, { now }),
    { code: 'notActive' },
    'an ended case accepts nothing',
  );
});

t.test('FEEL: remembered results equal fresh ones', async (t) => {
  const expressions = [
    'materialsComplete = true',
    'delivery = "mail"',
    '=x > 3',
    'x + y',
    'not(flag)',
    'count(list) > 1',
    '部门 = "税务局"',
    'string length(name) > 2',
    'if x > 1 then "a" else null',
  ];
  const values: Record<string, unknown>[] = [
    {
      materialsComplete: true,
      delivery: 'mail',
      x: 5,
      y: 1,
      flag: false,
      list: [1, 2],
      部门: '税务局',
      name: 'abc',
    },
    {
      materialsComplete: false,
      delivery: 'window',
      x: 1,
      y: -1,
      flag: true,
      list: [1],
      部门: '公安局',
      name: 'a',
    },
    { materialsComplete: null, x: null, flag: null },
    {},
    { delivery: 'mail"x', x: 2.5, y: '1' },
  ];
  for (let round = 0; round < 3; round++) {
    for (const expression of expressions) {
      for (const variables of values) {
        const source = expression.replace(/^=/, '');
        let fresh: unknown;
        try {
          fresh = evaluate(source, variables).value ?? null;
        } catch {
          fresh = 'error';
        }
        let memo: unknown;
        try {
          memo = evaluateFeel(expression, variables);
        } catch {
          memo = 'error';
        }
        t.same(
          memo,
          fresh,
          `round ${round}: ${expression} over ${JSON.stringify(variables)} = ${JSON.stringify(fresh)}`,
        );
      }
    }
  }
});

t.test('FEEL: time and non-primitive values are evaluated afresh, results are never shared', async (t) => {
  const first = evaluateFeel('string(now())', {}) as string;
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.not(evaluateFeel('string(now())', {}), first, 'now() moves on');
  const list = evaluateFeel('[a, b]', { a: 1, b: 2 }) as number[];
  list.push(3);
  t.same(evaluateFeel('[a, b]', { a: 1, b: 2 }), [1, 2], 'a list result is a new list each time');
  t.equal(evaluateFeel('count(xs)', { xs: [1, 2, 3] }), 3);
  t.equal(evaluateFeel('count(xs)', { xs: [1] }), 1, 'a list variable is read each time');
  t.equal(evaluateFeel('a b = 1', { 'a b': 1 }), true, 'a name with a space in the context');
  t.equal(evaluateFeel('a b = 1', { 'a b': 2 }), false);
});

t.test('inPlace: the same case, without a copy', async (t) => {
  const def = await compileDefinition(
    readFileSync(new URL('../../../processes/business-startup.after.bpmn', import.meta.url), 'utf8'),
  );
  if (!def.ok) throw new Error('sample does not compile');
  const calendar = getDefaultCalendar();
  const now = Date.parse('2026-03-02T09:00:00+08:00');
  const variables = {
    companyName: 'x',
    legalPerson: 'y',
    registeredCapital: 1,
    address: 'z',
    delivery: 'mail',
  };
  const copied = execute(def.definition, null, { type: 'start', caseId: 'c', variables }, { now, calendar });
  const inPlace = execute(
    def.definition,
    null,
    { type: 'start', caseId: 'c', variables },
    { now, calendar, inPlace: true },
  );
  let a = copied.snapshot;
  let b = inPlace.snapshot;
  for (let step = 1; a.status === 'active'; step++) {
    const task = Object.values(a.activities).find((x) => x.wait === 'task');
    if (!task) break;
    const command: CaseCommand = {
      type: 'completeTask',
      taskId: task.id,
      variables: { materialsComplete: true },
    };
    const before = JSON.stringify(a);
    const next = execute(def.definition, a, command, { now: now + step * 60_000, calendar });
    t.equal(JSON.stringify(a), before, 'a copying run leaves its input alone');
    const same = execute(def.definition, b, command, { now: now + step * 60_000, calendar, inPlace: true });
    t.equal(same.snapshot, b, 'in place: the very snapshot given');
    t.same(same.events, next.events, `step ${step}: the same events`);
    a = next.snapshot;
    b = same.snapshot;
    t.equal(JSON.stringify(b), JSON.stringify(a), `step ${step}: the same case`);
  }
  t.equal(a.status, 'completed');
});
