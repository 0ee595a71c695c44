// Issue 17: events that deployed and then ran wrong. Conditional events evaluated when they become active
// (BPMN 2.0.2 §10.5.4), event definitions referenced by id (eventDefinitionRef, §10.5.1), and timer cycles:
// each runs as the spec says, or is refused at deploy naming the element.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Finding } from '../../../engine/model/types.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';
import { deploy, HOUR, processXml, steps } from './harness.js';

const fixture = new URL('./event-semantics.bpmn', import.meta.url);

/** The names of the completed plain tasks, sorted (the betsy way of reading a trace). */
const completedTasks = (trace: ReturnType<typeof steps>, names: string[]): string[] =>
  trace
    .filter((s) => s.startsWith('completed '))
    .map((s) => s.slice('completed '.length))
    .filter((id) => names.includes(id))
    .sort();

t.test('conditional boundary event on a subprocess, interrupting', async (t) => {
  for (const [test, want] of [
    ['a', ['task3']],
    ['b', ['task1', 'task2']],
  ] as const) {
    // given a condition that holds (or not) when the subprocess is entered
    const { start, take } = await deploy(fixture, ['cond_boundary_interrupting']);

    // when a case runs
    const snapshot = start('cond_boundary_interrupting', { test });

    // then it fires as the subprocess is entered, before anything inside runs
    const trace = steps(take());
    t.same(completedTasks(trace, ['task1', 'task2', 'task3']), want, `test = "${test}"`);
    t.equal(snapshot.status, 'completed');
    if (test === 'a') t.same(trace.slice(0, 2), ['entered cbi_sub', 'cancelled cbi_sub']);
  }
});

t.test('conditional boundary event on a subprocess, non-interrupting', async (t) => {
  for (const [test, want] of [
    ['a', ['n_task1', 'n_task2', 'n_task3']],
    ['b', ['n_task1', 'n_task2']],
  ] as const) {
    // given
    const { start, take } = await deploy(fixture, ['cond_boundary_non_interrupting']);

    // when
    const snapshot = start('cond_boundary_non_interrupting', { test });

    // then the boundary's path and the subprocess both run, the boundary once
    t.same(completedTasks(steps(take()), ['n_task1', 'n_task2', 'n_task3']), want, `test = "${test}"`);
    t.equal(snapshot.status, 'completed');
  }
});

t.test('conditional start event of an event subprocess, interrupting', async (t) => {
  for (const [test, want] of [
    ['a', ['event_task']],
    ['b', ['main_task']],
  ] as const) {
    // given
    const { start, take } = await deploy(fixture, ['cond_start_interrupting']);

    // when
    const snapshot = start('cond_start_interrupting', { test });

    // then a condition true as the process starts interrupts it before its main flow runs
    t.same(completedTasks(steps(take()), ['main_task', 'event_task']), want, `test = "${test}"`);
    t.equal(snapshot.status, 'completed');
  }
});

t.test('conditional start event of an event subprocess, non-interrupting', async (t) => {
  for (const [test, want] of [
    ['a', ['n_event_task', 'n_main_task']],
    ['b', ['n_main_task']],
  ] as const) {
    // given
    const { start, take } = await deploy(fixture, ['cond_start_non_interrupting']);

    // when
    const snapshot = start('cond_start_non_interrupting', { test });

    // then
    t.same(completedTasks(steps(take()), ['n_main_task', 'n_event_task']), want, `test = "${test}"`);
    t.equal(snapshot.status, 'completed');
  }
});

t.test('conditions made true later by a task: each fires on the change from false to true', async (t) => {
  // given a case whose conditions do not hold at the start
  const { start, complete, take } = await deploy(fixture, ['cond_later']);
  start('cond_later', { amount: 10, refused: false });
  t.same(steps(take()), ['entered cl_sub', 'entered assess']);

  // when the assessment sets the amount above 100
  complete('assess', { amount: 150 });

  // then the non-interrupting event subprocess runs once, and the subprocess goes on
  t.same(steps(take()), [
    'completed assess',
    'entered cl_watch',
    'entered decide',
    'entered notify',
    'completed notify',
    'completed cl_watch',
  ]);

  // when the decision changes the amount but it stays above 100, then falls and rises again
  const again = complete('decide', { amount: 200 });
  t.equal(again.status, 'completed', 'no rise, no firing: the case ends');
  t.same(
    steps(take()).filter((s) => s.includes('notify')),
    [],
  );
});

t.test('a non-interrupting conditional fires again after its condition fell and rose', async (t) => {
  // given the amount already above 100 as the subprocess opens: it fires at once
  const { start, take, engine } = await deploy(fixture, ['cond_later']);
  start('cond_later', { amount: 500, refused: false });
  t.same(
    steps(take()).filter((s) => s.startsWith('completed notify')),
    ['completed notify'],
  );
  const task = engine.openTasks().find((x) => x.elementId === 'assess')!;

  // when it falls, then (next task) rises again
  engine.completeTask(task.id, { amount: 50 });
  t.same(
    steps(take()).filter((s) => s.startsWith('completed notify')),
    [],
  );
  const decide = engine.openTasks().find((x) => x.elementId === 'decide')!;
  engine.completeTask(decide.id, { amount: 101 });

  // then it fired once more, on the rise
  t.same(
    steps(take()).filter((s) => s.startsWith('completed notify')),
    ['completed notify'],
  );
});

t.test('an interrupting conditional boundary fires when a task sets its condition', async (t) => {
  // given
  const { start, complete, take } = await deploy(fixture, ['cond_later']);
  start('cond_later', { amount: 10, refused: false });
  take();

  // when the assessment refuses the application
  const snapshot = complete('assess', { refused: true });

  // then the subprocess is ended before the decision is reached (the condition is evaluated as the data
  // changes), and the case closes by the boundary's path
  t.same(steps(take()), ['completed assess', 'cancelled cl_sub', 'entered close', 'completed close']);
  t.equal(snapshot.status, 'completed');
});

t.test('an error event definition referenced by id is thrown and caught like a contained one', async (t) => {
  // given an event subprocess whose start references the error definition its sibling end event throws
  const { start, take } = await deploy(fixture, ['ref_error']);

  // when
  const snapshot = start('ref_error');

  // then the error is caught by the event subprocess, the case goes on after the subprocess
  const events = take();
  t.match(
    events.find((e) => e.type === 'errorRaised'),
    { code: 'INVALID', caught: true },
  );
  t.same(completedTasks(steps(events), ['check', 'handle', 'after']), ['after', 'check', 'handle']);
  t.equal(snapshot.status, 'completed');
});

t.test('timer, message and signal definitions referenced by id wait and trigger', async (t) => {
  // given
  const { engine, start, take, advance } = await deploy(fixture, ['ref_timer_message']);
  const started = start('ref_timer_message');
  t.same(steps(take()), ['entered wait_hour']);
  t.match(Object.values(started.timers), [{ elementId: 'wait_hour' }]);

  // when the referenced one-hour timer is due
  t.equal(advance(HOUR), 1);

  // then
  const waiting = engine.cases.get(started.id)!;
  t.same(steps(take()), ['completed wait_hour', 'entered examine']);
  t.match(
    waiting.subscriptions.map((s) => [s.kind, s.name]),
    [
      ['message', '撤回申请'],
      ['signal', '政策调整'],
    ],
  );

  // when the referenced signal, then the referenced message arrives
  engine.command(started.id, { type: 'signal', name: '政策调整' });
  t.same(steps(take()), ['entered recheck', 'completed recheck']);
  const snapshot = engine.command(started.id, { type: 'deliverMessage', name: '撤回申请' });

  // then the non-interrupting signal left the task open; the message interrupted it
  t.same(steps(take()), ['cancelled examine', 'entered refund', 'completed refund']);
  t.equal(snapshot.status, 'completed');
});

t.test('timer cycles on boundary events and event subprocess starts', async (t) => {
  // given a task with a reminder every hour (R/PT1H), a transfer after 5½ hours (interrupting R3/PT5H30M)
  // and an event subprocess urging twice (R2/PT2H)
  const { start, take, advance, case: caseOf } = await deploy(fixture, ['cycle_boundaries']);
  const started = start('cycle_boundaries');
  take();

  // when five hours pass
  advance(5 * HOUR);

  // then the unbounded reminder fired five times, the urging twice, and it stopped there
  let trace = steps(take());
  t.equal(trace.filter((s) => s === 'completed reminder').length, 5);
  t.equal(trace.filter((s) => s === 'completed urge').length, 2);
  t.notOk(
    Object.values(caseOf(started.id).timers).some((x) => x.elementId === 'urge_cycle'),
    'both urgings used',
  );

  // when the interrupting cycle is due
  advance(HOUR);

  // then its first firing interrupts the task: the reminders stop, the cycle does not repeat
  trace = steps(take());
  t.same(trace, ['cancelled approve', 'entered transfer', 'completed transfer']);
  t.equal(caseOf(started.id).status, 'completed');
  t.same(caseOf(started.id).timers, {});
});

t.test('a non-interrupting cycle boundary timer repeats at most n times', async (t) => {
  // given the fixture's R2/PT1H reminder (boundary-event.bpmn) is covered there; here R/PT1H stops with its task
  const { start, take, advance, complete } = await deploy(fixture, ['cycle_boundaries']);
  start('cycle_boundaries');
  advance(2 * HOUR);
  take();

  // when the task completes
  const snapshot = complete('approve');

  // then nothing of the cycles is left
  t.equal(snapshot.status, 'completed');
  t.same(snapshot.timers, {});
  t.equal(advance(24 * HOUR), 0);
});

async function refusal(key: string): Promise<Finding[]> {
  const result = await compileDefinition(processXml(readFileSync(fixture, 'utf8'), key));
  t.notOk(result.ok, `${key} is refused`);
  return result.findings.filter((f) => f.severity === 'error');
}

t.test('a cycle on an intermediate catch event is refused at deploy, naming the element', async (t) => {
  // when
  const findings = await refusal('cycle_catch');

  // then
  t.match(findings, [
    {
      elementId: 'every_hour',
      type: 'unsupportedElement',
      message: /'every_hour' has a timeCycle.*timeDuration/,
    },
  ]);
});

t.test('a process timer start event with a cycle is refused at deploy, naming the element', async (t) => {
  // when
  const findings = await refusal('cycle_start');

  // then
  t.match(findings, [
    { elementId: 'daily', type: 'unsupportedElement', message: /'daily'.*timeCycle.*none start/ },
  ]);
});

t.test('a process timer or conditional start event is refused at deploy, naming the element', async (t) => {
  // when
  const timer = await refusal('timer_start');
  const conditional = await refusal('conditional_start');

  // then
  t.match(timer, [
    { elementId: 'at_nine', type: 'unsupportedElement', message: /'at_nine'.*timer.*none start/ },
  ]);
  t.match(conditional, [
    { elementId: 'on_demand', type: 'unsupportedElement', message: /'on_demand'.*condition.*none start/ },
  ]);
});

t.test('an event with a contained and a referenced definition is refused as a multiple event', async (t) => {
  // when
  const findings = await refusal('multiple_definitions');

  // then
  t.match(findings, [
    { elementId: 'md_wait', type: 'unsupportedElement', message: /'md_wait' has several event definitions/ },
  ]);
});

t.test('an escalation event definition referenced by id catches the escalation', async (t) => {
  // given a subprocess escalating to a non-interrupting boundary event that references the escalation
  const { start, take } = await deploy(fixture, ['ref_escalation']);

  // when
  const snapshot = start('ref_escalation');

  // then
  const events = take();
  t.match(
    events.find((e) => e.type === 'escalationRaised'),
    { code: 'SUPERVISE', caught: true },
  );
  t.same(completedTasks(steps(events), ['supervise']), ['supervise']);
  t.equal(snapshot.status, 'completed');
});

t.test('start events BPMN does not allow where they are are refused at deploy, naming each', async (t) => {
  // when
  const misplaced = await refusal('misplaced_starts');
  const errorStart = await refusal('error_start');

  // then a triggered start in an embedded subprocess, an untriggered one in an event subprocess
  t.match(misplaced, [
    { elementId: 'ms_sub_timer', message: /'ms_sub_timer' of subprocess 'ms_sub' has a timer definition/ },
    {
      elementId: 'ms_untriggered',
      message: /'ms_untriggered' of event subprocess 'ms_never' has no trigger/,
    },
  ]);
  // and an error start event of the process (referenced or contained alike)
  t.match(errorStart, [{ elementId: 'es_start', message: /'es_start'.*error definition.*event subprocess/ }]);
});

t.test('a message payload that makes a condition true fires it before its subprocess ends', async (t) => {
  // given a subprocess whose last step waits for a message, watched by a non-interrupting conditional
  const { engine, start, take } = await deploy(fixture, ['cond_by_message']);
  const started = start('cond_by_message', { urgent: false });
  take();

  // when the message arrives marked urgent, ending the subprocess in the same command
  const snapshot = engine.command(started.id, {
    type: 'deliverMessage',
    name: '撤回申请',
    variables: { urgent: true },
  });

  // then the condition rose while the subprocess was still active: the boundary's path ran too
  t.same(completedTasks(steps(take()), ['expedite']), ['expedite']);
  t.equal(snapshot.status, 'completed');
});

t.test(
  'an interrupting timer event subprocess with a cycle interrupts at its first firing, once',
  async (t) => {
    // given
    const { start, take, advance, case: caseOf } = await deploy(fixture, ['cycle_interrupting_start']);
    const started = start('cycle_interrupting_start');
    take();

    // when three hours pass
    const fired = advance(3 * HOUR);

    // then only the first firing happened: it ended the case's work and ran the event subprocess
    t.equal(fired, 1);
    t.same(steps(take()), [
      'cancelled work',
      'entered ci_timeout',
      'entered timed_out',
      'completed timed_out',
      'completed ci_timeout',
    ]);
    t.equal(caseOf(started.id).status, 'completed');
    t.same(caseOf(started.id).timers, {});
  },
);

t.test('a cycle of zero repetitions is refused at deploy, naming the element', async (t) => {
  // when
  const findings = await refusal('cycle_zero');

  // then
  t.match(findings, [
    { elementId: 'cz_never', type: 'invalidTimerExpression', message: /'cz_never'.*repeats zero times/ },
  ]);
});
