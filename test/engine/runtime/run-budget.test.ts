// Every command has a budget (issue 15): a run past its element activations or its CPU time is stopped, nothing
// of the command applies, and the case fails with an incident naming the loop that kept running.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { CaseSnapshot } from '../../../engine/elements/state.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';
import { execute, raiseIncident } from '../../../engine/runtime/execute.js';
import { LocalEngine } from '../../../engine/runtime/local-engine.js';
import { DEFAULT_STEP_BUDGET, RunBudgetExceeded } from '../../../engine/runtime/run-budget.js';

const endlessLoop = readFileSync(new URL('./endless-loop.bpmn', import.meta.url), 'utf8');
/**
 * The same loop with a plain task for the script: its one condition reads a variable that never changes, so FEEL
 * is asked once (remembered after) — these runs cost activations only, however busy the machine.
 */
const plainLoop = endlessLoop.replace(
  /<bpmn:scriptTask id="count"[^>]*>([\s\S]*?)<bpmn:script>[\s\S]*?<\/bpmn:script>\s*<\/bpmn:scriptTask>/,
  '<bpmn:task id="count">$1</bpmn:task>',
);

const doc = (key: string, content: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs_${key}" targetNamespace="urn:reflow:test">
  <bpmn:process id="${key}" isExecutable="true">
${content}
  </bpmn:process>
</bpmn:definitions>`;

const flow = (id: string, source: string, target: string, condition?: string): string =>
  condition === undefined
    ? `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}" />`
    : `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"><bpmn:conditionExpression>${condition}</bpmn:conditionExpression></bpmn:sequenceFlow>`;

/** A user task, then a task/gateway loop that never ends (`n` is never set). */
const reviewThenLoop = doc(
  'review_then_loop',
  `<bpmn:startEvent id="start" />${flow('f0', 'start', 'review')}
    <bpmn:userTask id="review" gov:department="公安" />${flow('f1', 'review', 'count')}
    <bpmn:task id="count" />
    ${flow('f2', 'count', 'check')}<bpmn:exclusiveGateway id="check" default="f_again" />
    ${flow('f_again', 'check', 'count')}${flow('f_out', 'check', 'end', 'n &gt;= 1')}
    <bpmn:endEvent id="end" />`,
);

/** A standard loop on a plain task (no FEEL to slow it down). */
const standardLoop = (characteristics: string) =>
  doc(
    'standard_loop',
    `<bpmn:startEvent id="start" />${flow('f1', 'start', 'again')}
    <bpmn:task id="again"><bpmn:standardLoopCharacteristics${characteristics}</bpmn:task>
    ${flow('f2', 'again', 'end')}<bpmn:endEvent id="end" />`,
  );

t.test('the reproduction of issue 15 stops at the step budget and fails the case', async (t) => {
  // given
  const events: string[] = [];
  const recorder = new LocalEngine({ onEvents: (_id, list) => events.push(...list.map((e) => e.type)) });
  await recorder.deploy(endlessLoop);
  // when
  const snapshot = recorder.start('endless_loop', { applicant: '张三' });
  // then
  t.equal(snapshot.status, 'failed');
  t.equal(snapshot.lifecycle, 'failed');
  t.same(snapshot.variables, { applicant: '张三' }, 'no variable the loop set is kept');
  t.match(snapshot.incidents, [{ elementId: 'count', elements: ['count', 'check'] }]);
  t.match(snapshot.incidents[0].message, /more than 10000 element activations/);
  t.match(snapshot.incidents[0].message, /'count', 'check' kept running/);
  t.same(events, ['caseStarted', 'incidentRaised', 'caseFailed'], 'no step of the stopped run is recorded');
  t.same(snapshot.activities, {});
  t.same(snapshot.timers, {});
});

t.test('execute() throws RunBudgetExceeded and leaves the caller snapshot as it was', async (t) => {
  // given a case waiting at its user task
  const compiled = await compileDefinition(reviewThenLoop, {
    id: 'review_then_loop:1',
    version: 1,
  });
  if (!compiled.ok) throw new Error('does not compile');
  const definition = compiled.definition;
  const started = execute(
    definition,
    null,
    { type: 'start', caseId: 'c1', variables: {} },
    {
      now: 1000,
    },
  ).snapshot;
  const before = structuredClone(started);
  const [taskId] = Object.keys(started.activities);
  // when
  let thrown: unknown;
  try {
    execute(
      definition,
      started,
      { type: 'completeTask', taskId, variables: { decision: 'ok' } },
      { now: 2000, budget: { activations: 500 } },
    );
  } catch (error) {
    thrown = error;
  }
  // then
  t.ok(thrown instanceof RunBudgetExceeded, 'the run is stopped');
  const exceeded = thrown as RunBudgetExceeded;
  t.equal(exceeded.limit, 'activations');
  t.equal(exceeded.activations, 501);
  t.same(exceeded.incident.elements, ['count', 'check']);
  t.match(exceeded.message, /more than 500 element activations/);
  t.same(started, before, 'the snapshot given is not changed');

  // when the incident is raised on the case as it was
  const failed = raiseIncident(definition, started, exceeded.incident, { now: 2000 });
  // then nothing of the completion is applied, and the open task is cancelled
  t.equal(failed.snapshot.status, 'failed');
  t.equal(failed.snapshot.variables.decision, undefined, 'the completion variables are not applied');
  t.same(
    failed.events.map((e) => e.type),
    ['incidentRaised', 'taskCancelled', 'stepCancelled', 'caseFailed'],
  );
  t.match(failed.snapshot.incidents, [{ elementId: 'count', elements: ['count', 'check'], at: 2000 }]);
  t.same(started, before, 'raiseIncident copies the case too');
});

t.test('the budget is configurable: a long but finite loop runs when it fits', async (t) => {
  // given a standard loop of 300 rounds: 300 activations after the start event's
  const xml = standardLoop(' loopMaximum="300"></bpmn:standardLoopCharacteristics>');
  const engine = async (activations: number) => {
    const e = new LocalEngine({ budget: { activations } });
    await e.deploy(xml);
    return e;
  };
  // when
  const stopped = (await engine(250)).start('standard_loop');
  const finished = (await engine(400)).start('standard_loop');
  // then
  t.equal(stopped.status, 'failed');
  t.match(stopped.incidents[0].message, /more than 250 element activations/);
  t.same(stopped.incidents[0].elements, ['again']);
  t.equal(finished.status, 'completed');
});

t.test('a CPU time limit stops a run by the time source given', async (t) => {
  // given a CPU clock that advances 5 ms each time it is read
  let cpu = 0;
  const cpuClock = () => (cpu += 5);
  const engine = new LocalEngine({ budget: { cpuMs: 100, cpuClock } });
  await engine.deploy(plainLoop);
  // when
  const snapshot = engine.start('endless_loop');
  // then
  t.equal(snapshot.status, 'failed');
  t.match(snapshot.incidents[0].message, /used more than 100 ms of CPU time/);
  t.same(snapshot.incidents[0].elements, ['count', 'check']);
  t.ok(cpu > 100 && cpu < 200, 'read a few times, not once per activation');
});

t.test('a command of a few activations never reads the CPU clock', async (t) => {
  // given a CPU clock that counts its reads, and a process of three activations per command
  let reads = 0;
  const engine = new LocalEngine({ budget: { cpuMs: 100, cpuClock: () => ++reads } });
  await engine.deploy(
    `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="d" targetNamespace="t">
  <bpmn:process id="short" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u" />
    <bpmn:userTask id="u" gov:department="窗口" /><bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>`,
  );
  // when
  const started = engine.start('short');
  const done = engine.completeTask(engine.openTasks(started.id)[0].id, {});
  // then
  t.equal(done.status, 'completed');
  t.equal(reads, 0, 'reading the clock is a system call in the server: short commands skip it');
});

t.test('the same run stops at the same place every time (deterministic)', async (t) => {
  const run = async (): Promise<CaseSnapshot> => {
    const engine = new LocalEngine({ budget: { activations: 777 } });
    await engine.deploy(plainLoop);
    return engine.start('endless_loop', { x: 1 }, { caseId: 'same' });
  };
  // when
  const [a, b] = [await run(), await run()];
  // then
  t.same(a, b);
});

t.test(
  'a standard loop whose condition always holds is stopped too, without overflowing the stack',
  async (t) => {
    // given
    const engine = new LocalEngine();
    await engine.deploy(
      standardLoop('><bpmn:loopCondition>true</bpmn:loopCondition></bpmn:standardLoopCharacteristics>'),
    );
    // when
    const snapshot = engine.start('standard_loop');
    // then
    t.equal(snapshot.status, 'failed');
    t.same(snapshot.incidents[0].elements, ['again']);
    t.match(
      snapshot.incidents[0].message,
      new RegExp(`more than ${DEFAULT_STEP_BUDGET} element activations`),
    );
  },
);

t.test('long loops and sequential multi-instances within the budget still run to the end', async (t) => {
  // given 5,000 rounds of a standard loop and 3,000 sequential instances: far deeper than the stack allows nested
  const steps: number[] = [0, 0];
  const counting = new LocalEngine({
    onEvents: (id, events) => {
      steps[id === 'loop' ? 0 : 1] += events.filter((e) => e.type === 'stepCompleted').length;
    },
  });
  await counting.deploy(standardLoop(' loopMaximum="5000"></bpmn:standardLoopCharacteristics>'));
  await counting.deploy(
    doc(
      'sequential',
      `<bpmn:startEvent id="start" />${flow('f1', 'start', 'each')}
      <bpmn:task id="each"><bpmn:multiInstanceLoopCharacteristics isSequential="true" gov:collection="=items" gov:elementVariable="item" /></bpmn:task>
      ${flow('f2', 'each', 'end')}<bpmn:endEvent id="end" />`,
    ),
  );
  // when
  const loop = counting.start('standard_loop', {}, { caseId: 'loop' });
  const sequential = counting.start(
    'sequential',
    { items: Array.from({ length: 3000 }, (_, i) => i) },
    { caseId: 'seq' },
  );
  // then
  t.equal(loop.status, 'completed');
  t.equal(sequential.status, 'completed');
  t.same(steps, [5000, 3000], 'every round and every instance ran, once');
});

t.test('an element the run passed once on its way into the loop is not named', async (t) => {
  // given a budget so small that the start event is still among the latest activations
  const engine = new LocalEngine({ budget: { activations: 6 } });
  await engine.deploy(plainLoop);
  // when
  const snapshot = engine.start('endless_loop');
  // then: start, count, check, count, check, count, (count…) — 'start' ran once
  t.same(snapshot.incidents[0].elements, ['count', 'check']);
  t.equal(snapshot.incidents[0].elementId, 'count');
});
