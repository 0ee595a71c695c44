// Static metrics (README: 各项指标如何计算 / Figures, `static`): steps, departments, materials, time limits and trips read off the
// model. Each fixture states the right answer, worked out by hand, in a comment at its top.
import { readFileSync } from 'node:fs';
import t, { type Test } from 'tap';
import { criticalPath, messageStarts, staticMetrics } from '../../../engine/metrics/static-metrics.js';
import type { ProcessGraph } from '../../../engine/model/types.js';
import { parseAndValidate } from '../../../engine/model/validate.js';

/**
 * The graph of process `key` in a fixture beside this spec (the fixture's other processes lose their
 * executable mark); the fixture must validate without errors.
 */
async function load(t: Test, fixture: string, key?: string): Promise<ProcessGraph> {
  let xml = readFileSync(new URL(`./${fixture}`, import.meta.url), 'utf8');
  if (key) {
    xml = xml.replace(/<bpmn:process id="([^"]+)" isExecutable="true"/g, (all, id: string) =>
      id === key ? all : `<bpmn:process id="${id}" isExecutable="false"`,
    );
  }
  return graphOf(t, xml);
}

async function graphOf(t: Test, xml: string): Promise<ProcessGraph> {
  const { graph, findings } = await parseAndValidate(xml);
  t.same(
    findings.filter((f) => f.severity === 'error'),
    [],
    'the fixture is valid',
  );
  if (!graph) throw new Error('the fixture did not parse');
  return graph;
}

t.test('serial chain: the step limits add up', async (t) => {
  // given
  const graph = await load(t, 'serial.bpmn');

  // when
  const metrics = staticMetrics(graph);

  // then
  t.same(metrics, {
    steps: 3,
    departments: 3,
    materials: 0,
    applicantMaterials: 0,
    timeLimitDays: 6,
    pathTimeLimitDays: 6,
    trips: 2,
    statutoryLimitDays: null,
  });
  t.same(criticalPath(graph), ['start', 'f1', 'accept', 'f2', 'register', 'f3', 'tax', 'f4', 'end']);
});

t.test('parallel approval (并联审批): four branches take the longest, not the sum', async (t) => {
  // given
  const graph = await load(t, 'parallel.bpmn');

  // when
  const metrics = staticMetrics(graph);

  // then
  t.equal(metrics.pathTimeLimitDays, 9, '1 + max(3, 7, 5, 2) + 1, not 1 + 17 + 1');
  t.equal(metrics.timeLimitDays, 9);
  t.equal(metrics.steps, 6);
  t.equal(metrics.departments, 5, '窗口 twice, and four reviewing departments');
  t.same(criticalPath(graph), [
    'start',
    'f_start',
    'accept',
    'f_accept',
    'fork',
    'f_r2',
    'r2',
    'f_j2',
    'join',
    'f_join',
    'issue',
    'f_issue',
    'end',
  ]);
});

t.test('exclusive branches: the longest alternative, and trips on their own longest path', async (t) => {
  // given
  const graph = await load(t, 'exclusive.bpmn');

  // when
  const metrics = staticMetrics(graph);

  // then
  t.equal(metrics.pathTimeLimitDays, 8, '1 + 3 + 4 through the full review');
  t.equal(metrics.trips, 2, 'check and fast, on the fast path');
  t.equal(metrics.steps, 4);
  t.same(criticalPath(graph), [
    'start',
    'f_start',
    'check',
    'f_check',
    'choose',
    'f_full',
    'full1',
    'f_full1',
    'full2',
    'f_full_done',
    'merge',
    'f_merge',
    'end',
  ]);
});

t.test('a correction loop (补正) is walked once: it neither runs forever nor counts twice', async (t) => {
  // given
  const graph = await load(t, 'correction.bpmn');

  // when
  const metrics = staticMetrics(graph);

  // then
  t.equal(metrics.pathTimeLimitDays, 9, 'submit 1 + review 5 + approve 3; review is not counted again');
  t.equal(metrics.trips, 2, 'submit and one correction request');
  t.equal(metrics.steps, 4);
  t.same(criticalPath(graph), [
    'start',
    'f_start',
    'submit',
    'f_submit',
    'review',
    'f_review',
    'complete',
    'f_ok',
    'approve',
    'f_approve',
    'end',
  ]);
});

t.test('a loop that is the only way out still ends (no start-to-end path without a repeat)', async (t) => {
  // given a task whose only outgoing flow leads back to itself through a gateway
  const graph = await graphOf(
    t,
    `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="spin" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="merge" />
    <bpmn:exclusiveGateway id="merge" />
    <bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="work" />
    <bpmn:task id="work" gov:timeLimit="2" gov:inPerson="true" />
    <bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="merge" />
  </bpmn:process>
</bpmn:definitions>`,
  );

  // when
  const metrics = staticMetrics(graph);

  // then
  t.equal(metrics.pathTimeLimitDays, 2);
  t.equal(metrics.trips, 1);
  t.same(criticalPath(graph), ['start', 'f1', 'merge', 'f2', 'work']);
});

t.test('subprocesses: content counted, the container not; an own limit wins over the content', async (t) => {
  // given
  const graph = await load(t, 'subprocess.bpmn');

  // when
  const metrics = staticMetrics(graph);

  // then
  t.equal(metrics.steps, 7, 'intake, s1, s2, s3, d1, finish and the event subprocess escalate');
  t.equal(metrics.pathTimeLimitDays, 10, 'intake 1 + site (2 + max(3, 4)) + decide 2 (not d1 10) + finish 1');
  t.same(criticalPath(graph), [
    'start',
    'f_start',
    'intake',
    'f_intake',
    'site',
    'site_start',
    'fs_start',
    's1',
    'fs_s1',
    'site_fork',
    'fs_s3',
    's3',
    'fs_j3',
    'site_join',
    'fs_join',
    'site_end',
    'f_site',
    'decide',
    'f_decide',
    'finish',
    'f_finish',
    'end',
  ]);
});

t.test('an event subprocess that outlasts the normal flow is the longest path', async (t) => {
  // given the subprocess fixture with the escalation given 30 days
  const xml = readFileSync(new URL('./subprocess.bpmn', import.meta.url), 'utf8').replace(
    '<bpmn:task id="escalate" name="督办" gov:timeLimit="1" />',
    '<bpmn:task id="escalate" name="督办" gov:timeLimit="30" />',
  );
  const graph = await graphOf(t, xml);

  // when
  const metrics = staticMetrics(graph);

  // then
  t.equal(metrics.pathTimeLimitDays, 30);
  t.same(criticalPath(graph), [
    'overdue',
    'overdue_start',
    'fo_start',
    'escalate',
    'fo_escalate',
    'overdue_end',
  ]);
});

t.test(
  'call activities: the called process measured through resolveCalled, its steps counted once',
  async (t) => {
    // given
    const startup = await load(t, 'call-activity.bpmn', 'startup');
    const seal = await load(t, 'call-activity.bpmn', 'seal');
    const resolveCalled = (key: string): ProcessGraph | undefined => (key === 'seal' ? seal : undefined);

    // when
    const resolved = staticMetrics(startup, { resolveCalled });
    const unresolved = staticMetrics(startup);

    // then
    t.match(
      resolved,
      { steps: 3, pathTimeLimitDays: 10, timeLimitDays: 10, trips: 2 },
      'apply, make, collect',
    );
    t.match(
      unresolved,
      { steps: 3, pathTimeLimitDays: 5, timeLimitDays: 5, trips: 0 },
      'apply and two calls',
    );
    t.same(criticalPath(startup, { resolveCalled }), [
      'start',
      'f_start',
      'apply',
      'f_apply',
      'call_seal',
      'f_call',
      'call_seal_fast',
      'f_call_fast',
      'end',
    ]);
  },
);

t.test(
  "a 一件事 is measured end to end: the called processes' steps, departments and materials, deduplicated by name",
  async (t) => {
    // given a master that calls two department processes in parallel; both ask for the ID card (other ids,
    // same name), the seal process also for the licence, which the master's own intake asks for by id
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="master" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="intake" />
    <bpmn:userTask id="intake" gov:department="政务服务中心" gov:timeLimit="0.5">
      <bpmn:extensionElements><gov:materials>
        <gov:material id="licence" name="营业执照" source="applicant" />
      </gov:materials></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="intake" targetRef="split" />
    <bpmn:parallelGateway id="split" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="call_seal" />
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="call_tax" />
    <bpmn:callActivity id="call_seal" calledElement="seal" />
    <bpmn:callActivity id="call_tax" calledElement="tax" />
    <bpmn:sequenceFlow id="f5" sourceRef="call_seal" targetRef="join" />
    <bpmn:sequenceFlow id="f6" sourceRef="call_tax" targetRef="join" />
    <bpmn:parallelGateway id="join" />
    <bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:process id="seal" isExecutable="true">
    <bpmn:startEvent id="s_start" />
    <bpmn:sequenceFlow id="s1" sourceRef="s_start" targetRef="s_make" />
    <bpmn:userTask id="s_make" gov:department="公安局" gov:timeLimit="1" gov:inPerson="true">
      <bpmn:extensionElements><gov:materials>
        <gov:material id="seal_id" name="法定代表人身份证" source="applicant" />
        <gov:material id="licence" name="营业执照" source="shared" />
      </gov:materials></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="s2" sourceRef="s_make" targetRef="s_end" />
    <bpmn:endEvent id="s_end" />
  </bpmn:process>
  <bpmn:process id="tax" isExecutable="true">
    <bpmn:startEvent id="t_start" />
    <bpmn:sequenceFlow id="t1" sourceRef="t_start" targetRef="t_register" />
    <bpmn:userTask id="t_register" gov:department="税务局" gov:timeLimit="0.5">
      <bpmn:extensionElements><gov:materials>
        <gov:material id="tax_id" name="法定代表人身份证" source="shared" />
        <gov:material id="tax_form" name="涉税信息确认表" source="applicant" />
      </gov:materials></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="t2" sourceRef="t_register" targetRef="t_invoice" />
    <bpmn:userTask id="t_invoice" gov:department="税务局" gov:timeLimit="0.5" />
    <bpmn:sequenceFlow id="t3" sourceRef="t_invoice" targetRef="t_end" />
    <bpmn:endEvent id="t_end" />
  </bpmn:process>
</bpmn:definitions>`;
    const { graphs } = await parseAndValidate(xml);
    const [master, seal, tax] = graphs ?? [];
    const resolveCalled = (key: string) => (key === 'seal' ? seal : key === 'tax' ? tax : undefined);

    // when
    const whole = staticMetrics(master, { resolveCalled });
    const alone = staticMetrics(master);

    // then the master with its department processes: intake + make + register + invoice
    t.same(whole, {
      steps: 4,
      departments: 3,
      materials: 3,
      applicantMaterials: 3,
      timeLimitDays: 1.5,
      pathTimeLimitDays: 1.5,
      trips: 1,
      statutoryLimitDays: null,
    });
    // 营业执照 once (same id), 法定代表人身份证 once (same name, asked of the applicant by the seal process),
    // 涉税信息确认表: three materials, all handed in by the applicant somewhere
    t.match(
      alone,
      { steps: 3, departments: 1, materials: 1, trips: 0, pathTimeLimitDays: 0.5 },
      'unresolved calls',
    );
  },
);

t.test('a process that calls itself is measured once, not forever', async (t) => {
  // given a process whose call activity calls the process itself
  const graph = await graphOf(
    t,
    `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="again" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:task id="work" gov:timeLimit="2" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="call" />
    <bpmn:callActivity id="call" calledElement="again" />
    <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`,
  );

  // when
  const metrics = staticMetrics(graph, { resolveCalled: (key) => (key === 'again' ? graph : undefined) });

  // then the recursive call contributes nothing
  t.equal(metrics.pathTimeLimitDays, 2);
});

t.test('link events: a path continues from a throw link at the catch link of the same name', async (t) => {
  // given work 2 → throw link "next" … catch link "next" → more 3 → end: 5
  const graph = await graphOf(
    t,
    `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="linked" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:task id="work" gov:timeLimit="2" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="go" />
    <bpmn:intermediateThrowEvent id="go"><bpmn:linkEventDefinition id="go_link" name="next" /></bpmn:intermediateThrowEvent>
    <bpmn:intermediateCatchEvent id="arrive"><bpmn:linkEventDefinition id="arrive_link" name="next" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="arrive" targetRef="more" />
    <bpmn:task id="more" gov:timeLimit="3" />
    <bpmn:sequenceFlow id="f4" sourceRef="more" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`,
  );

  // when
  const metrics = staticMetrics(graph);

  // then
  t.equal(metrics.pathTimeLimitDays, 5);
  t.same(criticalPath(graph), ['start', 'f1', 'work', 'f2', 'go', 'arrive', 'f3', 'more', 'f4', 'end']);
});

t.test('boundary events: a path may leave an activity through its boundary event', async (t) => {
  // given
  const graph = await load(t, 'boundary.bpmn');

  // when
  const metrics = staticMetrics(graph);

  // then
  t.equal(metrics.pathTimeLimitDays, 15, 'review 5, then the timer path escalate 10');
  t.equal(metrics.trips, 1, 'the in-person boundary event');
  t.equal(metrics.steps, 3);
  t.same(criticalPath(graph), [
    'start',
    'f_start',
    'review',
    'review_overdue',
    'f_overdue',
    'escalate',
    'f_escalate',
    'escalated',
  ]);
});

t.test(
  'multi-instance: parallel counts one instance, sequential with a literal cardinality n times',
  async (t) => {
    // given
    const graph = await load(t, 'multi-instance.bpmn');

    // when
    const metrics = staticMetrics(graph);

    // then
    t.equal(metrics.pathTimeLimitDays, 18, '5 + 3 × 2 + 2 × 1 + 4 + 1');
    t.equal(metrics.trips, 3, 'three sequential hearings in person');
    t.equal(metrics.steps, 5);
    t.equal(metrics.departments, 2, '=reviewer counts once, by its expression text, and 审查科');
  },
);

t.test('materials: distinct ids; one asked of the applicant anywhere is an applicant material', async (t) => {
  // given
  const graph = await load(t, 'materials.bpmn');

  // when
  const metrics = staticMetrics(graph);

  // then
  t.equal(metrics.materials, 4);
  t.equal(metrics.applicantMaterials, 3, 'licence_form, id_card (applicant at register), articles');
  t.equal(metrics.pathTimeLimitDays, null, 'no step has a time limit');
  t.equal(metrics.timeLimitDays, null);
  t.same(criticalPath(graph), [], 'no time-limit path to show');
});

t.test('departments from lanes; the process limit overrides the path; the statutory limit', async (t) => {
  // given
  const graph = await load(t, 'lanes.bpmn');

  // when
  const metrics = staticMetrics(graph);

  // then
  t.same(metrics, {
    steps: 5,
    departments: 3,
    materials: 0,
    applicantMaterials: 0,
    timeLimitDays: 3,
    pathTimeLimitDays: 8,
    trips: 0,
    statutoryLimitDays: 20,
  });
});

t.test('a real sample: the business licence fixture of the model specs', async (t) => {
  // given 受理 1 (in person; a reminder on a boundary timer) → 补正 loop back to 受理 → score → joint review 2
  // (multi-instance, parallel) beside site_check (in-person inspection) → issue 1
  const xml = readFileSync(new URL('../model/fixtures/business-licence.bpmn', import.meta.url), 'utf8');
  const graph = await graphOf(t, xml);

  // when
  const metrics = staticMetrics(graph);

  // then
  t.same(metrics, {
    steps: 6, // accept, remind, score, review, inspect, issue
    departments: 3, // 政务服务中心窗口, =reviewer, 市场监管局
    materials: 2,
    applicantMaterials: 1, // the lease; the id card is shared
    timeLimitDays: 5, // the process's own commitment
    pathTimeLimitDays: 4, // accept 1 + review 2 + issue 1
    trips: 2, // accept and the site inspection
    statutoryLimitDays: 15,
  });
  t.same(criticalPath(graph), [
    'start',
    'f_start',
    'accept',
    'f_accept',
    'complete',
    'f_complete',
    'score',
    'f_score',
    'split',
    'f_review',
    'review',
    'f_reviewed',
    'join',
    'f_join',
    'issue',
    'f_issue',
    'end',
  ]);
});

/** A process: `branches` parallel branches of `length` steps; step j of branch i has limit i (1-based). */
function wideProcess(branches: number, length: number): string {
  const parts: string[] = [
    '<bpmn:startEvent id="start" />',
    '<bpmn:sequenceFlow id="f_start" sourceRef="start" targetRef="fork" />',
    '<bpmn:parallelGateway id="fork" />',
    '<bpmn:parallelGateway id="join" />',
    '<bpmn:sequenceFlow id="f_join" sourceRef="join" targetRef="end" />',
    '<bpmn:endEvent id="end" />',
  ];
  for (let i = 1; i <= branches; i++) {
    parts.push(`<bpmn:sequenceFlow id="f_${i}_0" sourceRef="fork" targetRef="t_${i}_1" />`);
    for (let j = 1; j <= length; j++) {
      parts.push(`<bpmn:task id="t_${i}_${j}" gov:timeLimit="${i}" gov:inPerson="${j === 1}" />`);
      const next = j === length ? 'join' : `t_${i}_${j + 1}`;
      parts.push(`<bpmn:sequenceFlow id="f_${i}_${j}" sourceRef="t_${i}_${j}" targetRef="${next}" />`);
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="wide" isExecutable="true">${parts.join('\n')}</bpmn:process>
</bpmn:definitions>`;
}

t.test('30 parallel branches of 5 steps each: the longest branch, fast', async (t) => {
  // given
  const graph = await graphOf(t, wideProcess(30, 5));

  // when
  const began = performance.now();
  const metrics = staticMetrics(graph);
  const path = criticalPath(graph);
  const took = performance.now() - began;

  // then
  t.equal(metrics.steps, 150);
  t.equal(metrics.pathTimeLimitDays, 150, 'branch 30: 5 steps of 30 days');
  t.equal(metrics.trips, 1, 'one in-person step per branch');
  t.same(
    path.filter((id) => id.startsWith('t_')),
    ['t_30_1', 't_30_2', 't_30_3', 't_30_4', 't_30_5'],
  );
  t.ok(took < 200, `took ${took.toFixed(1)} ms`);
});

t.test('40 fork/join stages in series (2^40 paths) are measured without enumerating paths', async (t) => {
  // given stages of two parallel branches each: the upper 1 day, the lower 2 (hand-built graph)
  const stages = 40;
  const nodes: ProcessGraph['nodes'] = {};
  const flows: ProcessGraph['flows'] = {};
  const node = (id: string, type: string, timeLimit: number | null = null): void => {
    nodes[id] = {
      id,
      type,
      name: null,
      scope: 'deep',
      incoming: [],
      outgoing: [],
      department: null,
      timeLimit,
      inPerson: false,
      correction: false,
      pausesClock: false,
      materials: [],
      form: null,
      loop: null,
      boundaries: [],
      defaultFlow: null,
      event: null,
      eventDefinitionCount: 0,
      attachedTo: null,
      interrupting: true,
      triggeredByEvent: false,
      calledElement: null,
      script: null,
      scriptFormat: null,
      resultVariable: null,
      handler: null,
      startQuantity: 1,
      completionQuantity: 1,
      instantiate: false,
    };
  };
  const flow = (source: string, target: string): void => {
    const id = `${source}->${target}`;
    flows[id] = { id, name: null, source, target, condition: null, scope: 'deep' };
    nodes[source].outgoing.push(id);
    nodes[target].incoming.push(id);
  };
  node('start', 'startEvent');
  let previous = 'start';
  for (let s = 0; s < stages; s++) {
    node(`fork${s}`, 'parallelGateway');
    node(`up${s}`, 'task', 1);
    node(`down${s}`, 'task', 2);
    node(`join${s}`, 'parallelGateway');
    flow(previous, `fork${s}`);
    flow(`fork${s}`, `up${s}`);
    flow(`fork${s}`, `down${s}`);
    flow(`up${s}`, `join${s}`);
    flow(`down${s}`, `join${s}`);
    previous = `join${s}`;
  }
  node('end', 'endEvent');
  flow(previous, 'end');
  const graph: ProcessGraph = {
    key: 'deep',
    name: null,
    serviceCode: null,
    timeLimit: null,
    statutoryLimit: null,
    form: null,
    nodes,
    flows,
    scopes: {
      deep: { id: 'deep', nodes: Object.keys(nodes), startEvents: ['start'], eventSubprocesses: [] },
    },
  };

  // when
  const began = performance.now();
  const metrics = staticMetrics(graph);
  const took = performance.now() - began;

  // then
  t.equal(metrics.pathTimeLimitDays, 2 * stages);
  t.equal(metrics.steps, 2 * stages);
  t.ok(took < 200, `took ${took.toFixed(1)} ms`);
});

t.test(
  'messages: a process a sent message starts is a parallel branch from the sender to where its answer is awaited',
  async (t) => {
    // given the 一件事 of the messages tests (test/server/fixtures/messages/one-thing.bpmn): the master sends
    // to 刻章 then to 领票 (one after the other, on one path), then waits for both answers in parallel; 领票
    // sends on to 登记 and answers without waiting for it. With time limits: 刻章 2, 领票's own step 1, 登记 3.
    const xml = readFileSync(
      new URL('../../server/fixtures/messages/one-thing.bpmn', import.meta.url),
      'utf8',
    )
      .replace('name="现场刻章"', 'name="现场刻章" gov:timeLimit="2"')
      .replace('name="补正发票信息"', 'name="补正发票信息" gov:timeLimit="1"')
      .replace('name="现场核验"', 'name="现场核验" gov:timeLimit="3"');
    const { graphs } = await parseAndValidate(xml);
    const all = graphs ?? [];
    const [master] = all;
    const resolveStarted = messageStarts(all);

    // when
    const whole = staticMetrics(master, { resolveStarted });
    const alone = staticMetrics(master);

    // then each started process counts once: wait_seal, wait_tax, hand_over + 现场刻章 + 补正 + 现场核验
    t.equal(alone.steps, 3, 'the master alone: two receive tasks and the hand-over');
    t.equal(whole.steps, alone.steps + 3);
    t.equal(whole.departments, 4, '政务服务中心, 公安, 税务, 市场监管');
    // 领票's branch (3: its 登记 branch outlasts its own 1) is longer than 刻章's (2); not their sum 2 + 1 + 3,
    // as the sends are one after the other but the departments work at once
    t.equal(whole.pathTimeLimitDays, 3);
    t.equal(
      whole.trips,
      1,
      'the in-person steps are on parallel branches: the longest, as for a parallel gateway',
    );
    t.same(
      criticalPath(master, { resolveStarted }),
      ['start', 'm1', 'ask_seal', 'm2', 'ask_tax', 'wait_tax', 'm7', 'join', 'm8', 'hand_over', 'm9', 'end'],
      'the path goes from the sender to the answer it waits for, through the branch (not drawn: another pool)',
    );
    t.equal(alone.pathTimeLimitDays, null, 'without following the messages no step has a time limit');

    // a message that starts the sender's own process again counts once, without running forever
    const again = staticMetrics(master, { resolveStarted: () => master });
    t.equal(again.steps, alone.steps);
  },
);
