// Structural validation: one test per finding type, each on a model that is sound but for that one defect.
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { parseBpmn } from '../../../engine/model/parse.js';
import type { Finding } from '../../../engine/model/types.js';
import { feelSyntaxProblem, parseAndValidate, validateGraph } from '../../../engine/model/validate.js';

/** A document holding one executable process `p` with this content. */
const doc = (content: string, processAttributes = ''): string => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:message id="m1" name="supplement" />
  <bpmn:process id="p" isExecutable="true"${processAttributes}>
${content}
  </bpmn:process>
</bpmn:definitions>`;

const flow = (id: string, source: string, target: string, condition?: string): string =>
  condition === undefined
    ? `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}" />`
    : `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"><bpmn:conditionExpression>${condition}</bpmn:conditionExpression></bpmn:sequenceFlow>`;

/** start → (the given node `x`) → end. */
const around = (node: string): string => `<bpmn:startEvent id="start" />${flow('f1', 'start', 'x')}
${node}
${flow('f2', 'x', 'end')}<bpmn:endEvent id="end" />`;

type Row = [string | null, string, string];
const rows = (findings: Finding[]): Row[] => findings.map((f) => [f.elementId, f.type, f.severity]);
const findingsOf = async (xml: string): Promise<Finding[]> => (await parseAndValidate(xml)).findings;

t.test('a sound government process has no findings', async (t) => {
  // given the business licence fixture: lanes, materials, a boundary timer, a multi-instance review, a subprocess
  const xml = await readFile(new URL('./fixtures/business-licence.bpmn', import.meta.url), 'utf8');
  // when
  const result = await parseAndValidate(xml);
  // then
  t.same(result.findings, []);
  t.equal(result.graph?.nodes.accept.department, '政务服务中心窗口', 'the lane names the department');
});

t.test('every finding names its element in a message with a fix', async (t) => {
  // given a model with several defects
  const xml = doc(around('<bpmn:userTask id="x" />') + '<bpmn:serviceTask id="loose" />');
  // when
  const findings = await findingsOf(xml);
  // then
  t.ok(findings.length >= 3);
  for (const finding of findings) {
    t.ok(finding.elementId && finding.message.includes(`'${finding.elementId}'`), finding.message);
    t.match(finding.message, /: /, 'what is wrong, then the fix');
  }
});

t.test('noStartEvent: a process without a start event', async (t) => {
  // given
  const xml = doc(
    `<bpmn:userTask id="x" gov:department="A" />${flow('f', 'x', 'end')}<bpmn:endEvent id="end" />`,
  );
  // when
  const findings = await findingsOf(xml);
  // then the process is reported, and the node where BPMN would start implicitly is pointed at
  t.same(rows(findings), [
    ['p', 'noStartEvent', 'error'],
    ['x', 'implicitStart', 'warning'],
  ]);
  t.match(findings[0].message, /process 'p' has no start event.*connect it to 'x'/);
});

t.test('noStartEvent: a subprocess without a start event', async (t) => {
  // given
  const xml = doc(
    around(
      `<bpmn:subProcess id="x"><bpmn:task id="inner" />${flow('fi', 'inner', 'innerEnd')}<bpmn:endEvent id="innerEnd" /></bpmn:subProcess>`,
    ),
  );
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [
    ['x', 'noStartEvent', 'error'],
    ['inner', 'implicitStart', 'warning'],
  ]);
  t.match(
    findings[0].message,
    /subProcess 'x' has no start event: add one inside it and connect it to 'inner'/,
  );
});

t.test('unreachableNode: a node without incoming flow in a scope that has a start event', async (t) => {
  // given
  const xml = doc(around('<bpmn:task id="x" />') + `<bpmn:task id="orphan" />${flow('f3', 'orphan', 'end')}`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['orphan', 'unreachableNode', 'error']]);
});

t.test('boundary events, event subprocesses and link catch events need no incoming flow', async (t) => {
  // given
  const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'x')}
    <bpmn:task id="x" />${flow('f2', 'x', 'throw')}
    <bpmn:boundaryEvent id="b" attachedToRef="x"><bpmn:messageEventDefinition messageRef="m1" /></bpmn:boundaryEvent>${flow('fb', 'b', 'end')}
    <bpmn:intermediateThrowEvent id="throw"><bpmn:linkEventDefinition name="L" /></bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="catch"><bpmn:linkEventDefinition name="L" /></bpmn:intermediateCatchEvent>${flow('f3', 'catch', 'end')}
    <bpmn:endEvent id="end" />
    <bpmn:subProcess id="esp" triggeredByEvent="true">
      <bpmn:startEvent id="espStart"><bpmn:messageEventDefinition messageRef="m1" /></bpmn:startEvent>${flow('fe', 'espStart', 'espEnd')}
      <bpmn:endEvent id="espEnd" />
    </bpmn:subProcess>`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(findings, []);
});

t.test('implicitEnd: an activity without outgoing flow', async (t) => {
  // given
  const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'x')}<bpmn:task id="x" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['x', 'implicitEnd', 'warning']]);
});

t.test('noOutgoing: a gateway, an event or a boundary event without outgoing flow', async (t) => {
  // given
  const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'x')}
    <bpmn:task id="x" />${flow('f2', 'x', 'g')}<bpmn:parallelGateway id="g" />
    <bpmn:boundaryEvent id="b" attachedToRef="x"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [
    ['g', 'noOutgoing', 'error'],
    ['b', 'noOutgoing', 'error'],
  ]);
  t.match(findings[1].message, /a boundary event needs exactly one outgoing flow/);
});

t.test(
  'unexpectedIncoming and unexpectedOutgoing: flows into a start event, out of an end event, on an event subprocess',
  async (t) => {
    // given
    const xml =
      doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'x')}<bpmn:task id="x" />${flow('f2', 'x', 'end')}
    <bpmn:endEvent id="end" />${flow('back', 'end', 'start')}
    <bpmn:subProcess id="esp" triggeredByEvent="true">
      <bpmn:startEvent id="espStart"><bpmn:messageEventDefinition messageRef="m1" /></bpmn:startEvent>${flow('fe', 'espStart', 'espEnd')}
      <bpmn:endEvent id="espEnd" />
    </bpmn:subProcess>${flow('into', 'x', 'esp')}`);
    // when
    const findings = await findingsOf(xml);
    // then
    t.same(rows(findings), [
      ['start', 'unexpectedIncoming', 'error'],
      ['end', 'unexpectedOutgoing', 'error'],
      ['esp', 'unexpectedIncoming', 'error'],
    ]);
  },
);

t.test('unmatchedLink: a link throw event without a catch of its name', async (t) => {
  // given
  const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'throw')}
    <bpmn:intermediateThrowEvent id="throw"><bpmn:linkEventDefinition name="toReview" /></bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="catch"><bpmn:linkEventDefinition name="toreview" /></bpmn:intermediateCatchEvent>${flow('f2', 'catch', 'end')}
    <bpmn:endEvent id="end" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['throw', 'unmatchedLink', 'error']]);
});

t.test(
  'missingCondition: an exclusive split flow with neither condition nor default is an error',
  async (t) => {
    // given
    const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'g')}<bpmn:exclusiveGateway id="g" />
    ${flow('yes', 'g', 'end', 'approved')}${flow('no', 'g', 'end')}<bpmn:endEvent id="end" />`);
    // when
    const findings = await findingsOf(xml);
    // then
    t.same(rows(findings), [['no', 'missingCondition', 'error']]);
    t.match(findings[0].message, /make it the gateway's default flow/);
  },
);

t.test('missingCondition: an unconditioned inclusive split flow is always taken, a warning', async (t) => {
  // given
  const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'g')}<bpmn:inclusiveGateway id="g" />
    ${flow('a', 'g', 'end', 'needsFire')}${flow('b', 'g', 'end')}<bpmn:endEvent id="end" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['b', 'missingCondition', 'warning']]);
  t.match(findings[0].message, /always taken/);
});

t.test('a default flow needs no condition, and one outgoing flow needs none', async (t) => {
  // given
  const xml =
    doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'g')}<bpmn:exclusiveGateway id="g" default="no" />
    ${flow('yes', 'g', 'merge', 'approved')}${flow('no', 'g', 'merge')}<bpmn:exclusiveGateway id="merge" />${flow('f2', 'merge', 'end')}<bpmn:endEvent id="end" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(findings, []);
});

t.test('invalidDefaultFlow: a default flow that does not leave its gateway', async (t) => {
  // given
  const xml =
    doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'g')}<bpmn:exclusiveGateway id="g" default="f1" />
    ${flow('yes', 'g', 'end', 'approved')}${flow('no', 'g', 'end', 'not(approved)')}<bpmn:endEvent id="end" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['g', 'invalidDefaultFlow', 'error']]);
  t.match(findings[0].message, /choose one of 'yes', 'no'/);
});

t.test('conditionOnDefaultFlow: the condition of a default flow is never evaluated', async (t) => {
  // given
  const xml =
    doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'g')}<bpmn:exclusiveGateway id="g" default="no" />
    ${flow('yes', 'g', 'end', 'approved')}${flow('no', 'g', 'end', 'not(approved)')}<bpmn:endEvent id="end" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['no', 'conditionOnDefaultFlow', 'error']]);
});

t.test('ignoredCondition: conditions leaving a parallel gateway or an event are not evaluated', async (t) => {
  // given
  const xml =
    doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'g', 'ready')}<bpmn:parallelGateway id="g" />
    ${flow('a', 'g', 'join', 'approved')}${flow('b', 'g', 'join')}<bpmn:parallelGateway id="join" />${flow('f2', 'join', 'end')}<bpmn:endEvent id="end" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [
    ['f1', 'ignoredCondition', 'error'],
    ['a', 'ignoredCondition', 'error'],
  ]);
  t.match(
    findings[1].message,
    /leaving parallelGateway 'g' is not evaluated: remove it or use an inclusive gateway/,
  );
});

t.test('invalidExpression: every FEEL expression of the model is parsed', async (t) => {
  // given one broken expression in each place FEEL is written
  const xml =
    doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'g')}<bpmn:exclusiveGateway id="g" default="f3" />
    ${flow('f2', 'g', 'loop', 'amount >')}${flow('f3', 'g', 'mi')}
    <bpmn:task id="loop"><bpmn:standardLoopCharacteristics><bpmn:loopCondition>done =</bpmn:loopCondition></bpmn:standardLoopCharacteristics></bpmn:task>
    <bpmn:userTask id="mi" gov:department="=reviewer +">
      <bpmn:multiInstanceLoopCharacteristics gov:collection="=reviewers[" gov:elementVariable="reviewer">
        <bpmn:loopCardinality>count(</bpmn:loopCardinality>
        <bpmn:completionCondition>nrOfCompletedInstances &gt;= )</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    ${flow('f4', 'loop', 'wait')}${flow('f5', 'mi', 'wait')}
    <bpmn:intermediateCatchEvent id="wait"><bpmn:conditionalEventDefinition><bpmn:condition>ready and</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>
    ${flow('f6', 'wait', 'script')}
    <bpmn:scriptTask id="script" scriptFormat="feel" gov:resultVariable="r"><bpmn:script>{ a: 1</bpmn:script></bpmn:scriptTask>
    ${flow('f7', 'script', 'timer')}
    <bpmn:intermediateCatchEvent id="timer"><bpmn:timerEventDefinition><bpmn:timeDuration>=duration(</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    ${flow('f8', 'timer', 'end')}<bpmn:endEvent id="end" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(
    rows(findings).filter((r) => r[1] === 'invalidExpression'),
    [
      ['f2', 'invalidExpression', 'error'],
      ['loop', 'invalidExpression', 'error'],
      ['mi', 'invalidExpression', 'error'],
      ['mi', 'invalidExpression', 'error'],
      ['mi', 'invalidExpression', 'error'],
      ['mi', 'invalidExpression', 'error'],
      ['wait', 'invalidExpression', 'error'],
      ['script', 'invalidExpression', 'error'],
      ['timer', 'invalidExpression', 'error'],
    ],
  );
  t.same(
    rows(findings).filter((r) => r[1] !== 'invalidExpression'),
    [['loop', 'loopWithoutWaitState', 'warning']],
    'nothing else but the warning that the task loops without waiting',
  );
  const messages = findings.map((f) => f.message).join('\n');
  t.match(
    messages,
    /the condition of sequence flow 'f2' is not valid FEEL \('amount >': the expression ends too early/,
  );
  t.match(messages, /gov:department of userTask 'mi'/);
  t.match(messages, /gov:collection of userTask 'mi'/);
  t.match(messages, /the loopCardinality of userTask 'mi'/);
  t.match(messages, /the completionCondition of userTask 'mi'/);
});

t.test('invalidExpression: a JUEL expression is named as such', async (t) => {
  // given a Camunda 7 condition
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the JUEL expression under test
  const juel = '${approved}';
  const xml =
    doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'g')}<bpmn:exclusiveGateway id="g" default="no" />
    ${flow('yes', 'g', 'end', juel)}${flow('no', 'g', 'end')}<bpmn:endEvent id="end" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['yes', 'invalidExpression', 'error']]);
  t.match(findings[0].message, /is a JUEL expression\): write it in FEEL/);
});

t.test(
  'FEEL: unknown variables, multi-word names and a leading = are fine; syntax errors are located',
  async (t) => {
    // given / when / then
    t.equal(feelSyntaxProblem('applicant age >= 18 and 材料齐全 = true'), null);
    t.equal(feelSyntaxProblem('= count(reviewers) > 2'), null);
    t.equal(feelSyntaxProblem('some r in reviews satisfies r.passed'), null);
    t.equal(feelSyntaxProblem('='), 'the expression is empty');
    t.equal(feelSyntaxProblem('a +* b'), "unexpected '*' at character 4");
    t.equal(feelSyntaxProblem('x > 1)'), "unexpected ')' at character 6");
    t.match(feelSyntaxProblem('{ a: 1') ?? '', /ends too early/);
  },
);

t.test('missingDepartment: a userTask or manualTask with neither gov:department nor a lane', async (t) => {
  // given
  const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'review')}
    <bpmn:userTask id="review" />${flow('f2', 'review', 'archive')}<bpmn:manualTask id="archive" />${flow('f3', 'archive', 'end')}<bpmn:endEvent id="end" />`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [
    ['review', 'missingDepartment', 'error'],
    ['archive', 'missingDepartment', 'error'],
  ]);
  t.equal(findings[0].message, "userTask 'review' has no department: set gov:department or put it in a lane");
});

t.test('unsupportedScriptFormat: a script in another language', async (t) => {
  // given
  const xml = doc(
    around(
      '<bpmn:scriptTask id="x" scriptFormat="javascript" gov:resultVariable="r"><bpmn:script>1 + 1</bpmn:script></bpmn:scriptTask>',
    ),
  );
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['x', 'unsupportedScriptFormat', 'error']]);
  t.match(findings[0].message, /has scriptFormat 'javascript': Reflow runs FEEL scripts only/);
});

t.test(
  'missingScript and missingResultVariable: an empty FEEL script whose result goes nowhere',
  async (t) => {
    // given
    const xml = doc(around('<bpmn:scriptTask id="x" scriptFormat="feel" />'));
    // when
    const findings = await findingsOf(xml);
    // then
    t.same(rows(findings), [
      ['x', 'missingScript', 'error'],
      ['x', 'missingResultVariable', 'warning'],
    ]);
  },
);

t.test('missingHandler: a serviceTask without gov:handler', async (t) => {
  // given
  const xml = doc(around('<bpmn:serviceTask id="x" />'));
  // when / then
  t.same(rows(await findingsOf(xml)), [['x', 'missingHandler', 'error']]);
});

t.test('missingCalledElement: a callActivity without calledElement', async (t) => {
  // given
  const xml = doc(around('<bpmn:callActivity id="x" />'));
  // when / then
  t.same(rows(await findingsOf(xml)), [['x', 'missingCalledElement', 'error']]);
});

t.test('missingTimerExpression: a timer event without a time', async (t) => {
  // given
  const xml = doc(
    around('<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition /></bpmn:intermediateCatchEvent>'),
  );
  // when / then
  t.same(rows(await findingsOf(xml)), [['x', 'missingTimerExpression', 'error']]);
});

t.test('missingMessage: a message event without a message', async (t) => {
  // given
  const xml = doc(
    around(
      '<bpmn:intermediateCatchEvent id="x"><bpmn:messageEventDefinition /></bpmn:intermediateCatchEvent>',
    ),
  );
  // when
  const result = await parseAndValidate(xml);
  // then
  t.same(rows(result.findings), [['x', 'missingMessage', 'error']]);
  t.same(result.graph?.nodes.x.event, { kind: 'message', name: '' }, 'no name is invented');
});

t.test('missingCondition: a conditional event without a condition', async (t) => {
  // given
  const xml = doc(
    around(
      '<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition /></bpmn:intermediateCatchEvent>',
    ),
  );
  // when / then
  t.same(rows(await findingsOf(xml)), [['x', 'missingCondition', 'error']]);
});

t.test('invalidAttachment: a boundary event on nothing, or on a gateway', async (t) => {
  // given
  const xml =
    doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'g')}<bpmn:exclusiveGateway id="g" />${flow('f2', 'g', 'end')}<bpmn:endEvent id="end" />
    <bpmn:boundaryEvent id="onGateway" attachedToRef="g"><bpmn:messageEventDefinition messageRef="m1" /></bpmn:boundaryEvent>${flow('f3', 'onGateway', 'end')}
    <bpmn:boundaryEvent id="onNothing"><bpmn:messageEventDefinition messageRef="m1" /></bpmn:boundaryEvent>${flow('f4', 'onNothing', 'end')}`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [
    ['onGateway', 'invalidAttachment', 'error'],
    ['onNothing', 'invalidAttachment', 'error'],
  ]);
  t.match(findings[0].message, /attached to exclusiveGateway 'g', which is not an activity/);
});

t.test('crossScopeFlow: a sequence flow into a subprocess', async (t) => {
  // given
  const xml = doc(`<bpmn:startEvent id="start" />${flow('f1', 'start', 'x')}
    <bpmn:subProcess id="x"><bpmn:startEvent id="s2" />${flow('fs', 's2', 'inner')}<bpmn:task id="inner" />${flow('fi', 'inner', 'e2')}<bpmn:endEvent id="e2" /></bpmn:subProcess>
    ${flow('f2', 'x', 'end')}<bpmn:endEvent id="end" />${flow('across', 'start', 'inner')}`);
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['across', 'crossScopeFlow', 'error']]);
});

t.test('invalidTimeLimit: a negative time limit on a step or the process', async (t) => {
  // given
  const xml = doc(around('<bpmn:task id="x" gov:timeLimit="-2" />'), ' gov:timeLimit="-1"');
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [
    ['p', 'invalidTimeLimit', 'error'],
    ['x', 'invalidTimeLimit', 'error'],
  ]);
});

t.test('timeLimitExceedsStatutory: 承诺时限 beyond 法定时限', async (t) => {
  // given
  const xml = doc(around('<bpmn:task id="x" />'), ' gov:timeLimit="20" gov:statutoryLimit="15"');
  // when
  const findings = await findingsOf(xml);
  // then
  t.same(rows(findings), [['p', 'timeLimitExceedsStatutory', 'warning']]);
  t.match(findings[0].message, /承诺时限.*20.*法定时限.*15/);
});

t.test('missingMultiInstanceInput: a multi-instance with neither cardinality nor collection', async (t) => {
  // given
  const xml = doc(around('<bpmn:task id="x"><bpmn:multiInstanceLoopCharacteristics /></bpmn:task>'));
  // when / then
  t.same(rows(await findingsOf(xml)), [['x', 'missingMultiInstanceInput', 'error']]);
});

t.test('unboundedLoop: a standard loop with neither condition nor maximum', async (t) => {
  // given
  const xml = doc(around('<bpmn:task id="x"><bpmn:standardLoopCharacteristics /></bpmn:task>'));
  // when / then
  t.same(rows(await findingsOf(xml)), [['x', 'unboundedLoop', 'error']]);
});

t.test('an ad-hoc subprocess holds unconnected activities without findings', async (t) => {
  // given
  const xml = doc(
    around('<bpmn:adHocSubProcess id="x"><bpmn:task id="a" /><bpmn:task id="b" /></bpmn:adHocSubProcess>'),
  );
  // when / then
  t.same(await findingsOf(xml), []);
});

t.test('validateGraph reads only the graph; parseAndValidate adds it to the parse findings', async (t) => {
  // given a model with a parse problem and a structural one
  const xml = doc(around('<bpmn:serviceTask id="x" gov:handlr="h" />'));
  // when
  const parsed = await parseBpmn(xml);
  const combined = await parseAndValidate(xml);
  // then
  t.same(rows(validateGraph(parsed.graph!)), [['x', 'missingHandler', 'error']]);
  t.same(rows(combined.findings), [
    ['x', 'unknownAttribute', 'error'],
    ['x', 'missingHandler', 'error'],
  ]);
});

t.test('parseAndValidate of unreadable XML gives no graph and the parse finding only', async (t) => {
  // given / when
  const result = await parseAndValidate('<bpmn:definitions');
  // then
  t.equal(result.graph, null);
  t.same(rows(result.findings), [[null, 'malformedXml', 'error']]);
});
