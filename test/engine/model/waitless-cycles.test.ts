// Deploy warns on a cycle a token can go round without waiting (issue 15): it names the cycle's elements; a wait
// state anywhere on every way round silences it.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import type { Finding } from '../../../engine/model/types.js';
import { parseAndValidate } from '../../../engine/model/validate.js';

const doc = (content: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:message id="m1" name="supplement" />
  <bpmn:process id="p" isExecutable="true">
${content}
  </bpmn:process>
</bpmn:definitions>`;

const flow = (id: string, source: string, target: string, condition?: string): string =>
  condition === undefined
    ? `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}" />`
    : `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"><bpmn:conditionExpression>${condition}</bpmn:conditionExpression></bpmn:sequenceFlow>`;

const script = (id: string) =>
  `<bpmn:scriptTask id="${id}" scriptFormat="feel" gov:resultVariable="n"><bpmn:script>if n = null then 1 else n + 1</bpmn:script></bpmn:scriptTask>`;

/** start → `body` (entered at `first`, left at `last`) → check → back to `first` by default, or out to end. */
const loopAround = (body: string, first: string, last: string) =>
  doc(`<bpmn:startEvent id="start" />${flow('f_start', 'start', first)}
    ${body}${flow('f_check', last, 'check')}
    <bpmn:exclusiveGateway id="check" default="f_again" />
    ${flow('f_again', 'check', first)}${flow('f_out', 'check', 'end', 'n &lt; 0')}
    <bpmn:endEvent id="end" />`);

const loopWarnings = async (xml: string): Promise<Finding[]> =>
  (await parseAndValidate(xml)).findings.filter((f) => f.type === 'loopWithoutWaitState');

t.test('the reproduction of issue 15: a script and a gateway looping by default flow', async (t) => {
  // given
  const xml = await readFile(new URL('../runtime/endless-loop.bpmn', import.meta.url), 'utf8');
  // when
  const { findings } = await parseAndValidate(xml);
  // then
  t.same(
    findings.map((f) => [f.elementId, f.type, f.severity]),
    [['count', 'loopWithoutWaitState', 'warning']],
    'one warning and nothing else: it still deploys',
  );
  t.match(findings[0].message, /^'count' → 'check' → 'count' is a cycle with no wait state/);
  t.match(findings[0].message, /step budget/);
});

t.test('a wait state on the cycle silences the warning', async (t) => {
  for (const [what, node] of [
    ['a user task', '<bpmn:userTask id="x" gov:department="公安" />'],
    ['a manual task', '<bpmn:manualTask id="x" gov:department="公安" />'],
    ['a receive task', '<bpmn:receiveTask id="x" messageRef="m1" />'],
    [
      'a message catch event',
      '<bpmn:intermediateCatchEvent id="x"><bpmn:messageEventDefinition messageRef="m1" /></bpmn:intermediateCatchEvent>',
    ],
    [
      'a timer',
      '<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
    ],
    ['a call activity (its process may wait)', '<bpmn:callActivity id="x" calledElement="other" />'],
    [
      'a subprocess holding a user task',
      `<bpmn:subProcess id="x"><bpmn:startEvent id="s" />${flow('fs', 's', 'u')}<bpmn:userTask id="u" gov:department="公安" />${flow('fu', 'u', 'e')}<bpmn:endEvent id="e" /></bpmn:subProcess>`,
    ],
  ]) {
    // when
    const warnings = await loopWarnings(loopAround(node, 'x', 'x'));
    // then
    t.same(warnings, [], what);
  }
});

t.test('a cycle with no wait state is named from its first element in the document', async (t) => {
  for (const [what, node] of [
    ['a plain task', '<bpmn:task id="x" />'],
    ['a send task', '<bpmn:sendTask id="x" messageRef="m1" />'],
    [
      'a subprocess with no wait inside',
      `<bpmn:subProcess id="x"><bpmn:startEvent id="s" />${flow('fs', 's', 'e')}<bpmn:endEvent id="e" /></bpmn:subProcess>`,
    ],
  ]) {
    // when
    const warnings = await loopWarnings(loopAround(node, 'x', 'x'));
    // then
    t.same(
      warnings.map((w) => w.elementId),
      ['x'],
      what,
    );
    t.match(warnings[0].message, /^'x' → 'check' → 'x'/, what);
  }
});

t.test(
  'a gateway choosing between a waiting and a running way round still warns of the running one',
  async (t) => {
    // given check → review (user task) → check, and check → recount (script) → check
    const xml = doc(`<bpmn:startEvent id="start" />${flow('f_start', 'start', 'check')}
    <bpmn:exclusiveGateway id="check" default="f_out" />
    ${flow('f_review', 'check', 'review', 'n &lt; 3')}${flow('f_recount', 'check', 'recount', 'n &gt; 10')}${flow('f_out', 'check', 'end')}
    <bpmn:userTask id="review" gov:department="公安" />${flow('f_back1', 'review', 'check')}
    ${script('recount')}${flow('f_back2', 'recount', 'check')}
    <bpmn:endEvent id="end" />`);
    // when
    const warnings = await loopWarnings(xml);
    // then
    t.same(
      warnings.map((w) => w.elementId),
      ['check'],
    );
    t.match(warnings[0].message, /^'check' → 'recount' → 'check'/);
  },
);

t.test('a timer boundary event on the way round is a wait; an error boundary event is not', async (t) => {
  // given a task whose only way back to the gateway goes out by a boundary event
  const withBoundary = (definition: string) =>
    doc(`<bpmn:startEvent id="start" />${flow('f_start', 'start', 'check')}
    <bpmn:exclusiveGateway id="check" default="f_work" />
    ${flow('f_work', 'check', 'work')}${flow('f_out', 'check', 'end', 'done')}
    <bpmn:serviceTask id="work" gov:handler="h" />${flow('f_done', 'work', 'end2')}
    <bpmn:boundaryEvent id="b" attachedToRef="work">${definition}</bpmn:boundaryEvent>${flow('f_b', 'b', 'check')}
    <bpmn:endEvent id="end" /><bpmn:endEvent id="end2" />`);
  // when
  const timer = await loopWarnings(
    withBoundary(
      '<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>',
    ),
  );
  const error = await loopWarnings(withBoundary('<bpmn:errorEventDefinition />'));
  // then
  t.same(timer, [], 'the timer makes the token wait');
  t.same(
    error.map((w) => w.elementId),
    ['check'],
  );
  t.match(error[0].message, /^'check' → 'work' → 'b' → 'check'/);
});

t.test('a link throw back to its catch closes a cycle', async (t) => {
  // given
  const xml = doc(`<bpmn:startEvent id="start" />${flow('f_start', 'start', 'again')}
    <bpmn:intermediateCatchEvent id="again"><bpmn:linkEventDefinition name="back" /></bpmn:intermediateCatchEvent>
    ${flow('f1', 'again', 'work')}${script('work')}${flow('f2', 'work', 'check')}
    <bpmn:exclusiveGateway id="check" default="f_back" />${flow('f_back', 'check', 'jump')}${flow('f_out', 'check', 'end', 'n &gt; 3')}
    <bpmn:intermediateThrowEvent id="jump"><bpmn:linkEventDefinition name="back" /></bpmn:intermediateThrowEvent>
    <bpmn:endEvent id="end" />`);
  // when
  const warnings = await loopWarnings(xml);
  // then
  t.same(
    warnings.map((w) => w.elementId),
    ['again'],
  );
  t.match(warnings[0].message, /^'again' → 'work' → 'check' → 'jump' → 'again'/);
});

t.test('a cycle inside a subprocess is found in its own scope', async (t) => {
  // given
  const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'sub')}
    <bpmn:subProcess id="sub"><bpmn:startEvent id="s" />${flow('fs', 's', 'inner')}${script('inner')}${flow('fi', 'inner', 'g')}
      <bpmn:exclusiveGateway id="g" default="fb" />${flow('fb', 'g', 'inner')}${flow('fo', 'g', 'e', 'n &gt; 3')}<bpmn:endEvent id="e" />
    </bpmn:subProcess>${flow('f2', 'sub', 'end')}<bpmn:endEvent id="end" />`);
  // when
  const warnings = await loopWarnings(xml);
  // then
  t.same(
    warnings.map((w) => w.elementId),
    ['inner'],
  );
});

t.test('a standard loop on a task that never waits warns unless it has a loopMaximum', async (t) => {
  const loop = (characteristics: string, type = 'task', attributes = '') =>
    doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'x')}
      <bpmn:${type} id="x"${attributes}><bpmn:standardLoopCharacteristics>${characteristics}</bpmn:standardLoopCharacteristics></bpmn:${type}>
      ${flow('f2', 'x', 'end')}<bpmn:endEvent id="end" />`);
  // when
  const conditionOnly = await loopWarnings(loop('<bpmn:loopCondition>n &lt; 5</bpmn:loopCondition>'));
  const bounded = await loopWarnings(
    loop('<bpmn:loopCondition>n &lt; 5</bpmn:loopCondition>').replace(
      '<bpmn:standardLoopCharacteristics>',
      '<bpmn:standardLoopCharacteristics loopMaximum="10">',
    ),
  );
  const waiting = await loopWarnings(
    loop('<bpmn:loopCondition>n &lt; 5</bpmn:loopCondition>', 'userTask', ' gov:department="公安"'),
  );
  // then
  t.same(
    conditionOnly.map((w) => w.elementId),
    ['x'],
  );
  t.match(conditionOnly[0].message, /set a loopMaximum/);
  t.same(bounded, [], 'loopMaximum bounds it');
  t.same(waiting, [], 'a user task waits each time round');
});

t.test(
  'flows into a start event or out of an end event close no cycle (they are refused anyway)',
  async (t) => {
    // given
    const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'x')}<bpmn:task id="x" />
    ${flow('f2', 'x', 'end')}<bpmn:endEvent id="end" />${flow('back', 'end', 'start')}`);
    // when
    const warnings = await loopWarnings(xml);
    // then
    t.same(warnings, []);
  },
);

t.test(
  'subprocesses nested 3,000 deep: a wait at the bottom is found, without overflowing the stack',
  async (t) => {
    // given a loop through a subprocess whose innermost subprocess holds a user task
    const depth = 3000;
    let open = '';
    let close = '';
    for (let i = 0; i < depth; i++) {
      open += `<bpmn:subProcess id="s${i}"><bpmn:startEvent id="s${i}_start" />`;
      close = `</bpmn:subProcess>${close}`;
    }
    const wait = `<bpmn:userTask id="deep" gov:department="市场监管" />${flow('f_deep', `s${depth - 1}_start`, 'deep')}`;
    const body = open.replace(/<bpmn:startEvent id="s(\d+)_start" \/>/g, (m, i) =>
      Number(i) < depth - 1 ? `${m}${flow(`f_in${i}`, `s${i}_start`, `s${Number(i) + 1}`)}` : m,
    );
    const xml = loopAround(`${body}${wait}${close}`, 's0', 's0');
    // when it is validated
    const warnings = await loopWarnings(xml);
    // then the wait deep inside counts: no warning, and no crash
    t.same(warnings, [], 'the user task at the bottom is a wait state on the loop');
  },
);
