// The sample processes in processes/: each file compiles, opens in bpmn-js with a complete and clean
// diagram, each before/after pair moves every static metric the right way (减环节, 减材料, 减时限,
// 减跑动), the figures in processes/README.md are the ones staticMetrics() gives, and every process runs
// to completion on the LocalEngine — main path, correction loop (补正), deemed approval (超时默认), appeal
// (申诉) and overdue escalation (督办) — driven by a script that answers tasks as a department would.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import t, { type Test } from 'tap';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import type { CaseSnapshot, TaskRecord, Variables } from '../../engine/elements/state.js';
import { type StaticMetrics, staticMetrics } from '../../engine/metrics/static-metrics.js';
import { reflowModdle } from '../../engine/model/parse.js';
import type { ProcessGraph } from '../../engine/model/types.js';
import { compileDefinition } from '../../engine/runtime/definition.js';
import { LocalEngine } from '../../engine/runtime/local-engine.js';

const dir = new URL('../../processes/', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, dir), 'utf8');

/** Every sample: file, process key, and for pairs which side it is. */
const SAMPLES = [
  { file: 'business-startup.before.bpmn', key: 'business_startup' },
  { file: 'business-startup.after.bpmn', key: 'business_startup' },
  { file: 'construction-approval.before.bpmn', key: 'construction_approval' },
  { file: 'construction-approval.after.bpmn', key: 'construction_approval' },
  { file: 'sole-proprietor.before.bpmn', key: 'sole_proprietor_registration' },
  { file: 'sole-proprietor.after.bpmn', key: 'sole_proprietor_registration' },
  { file: 'rating-rectification.bpmn', key: 'rating_rectification' },
];
const PAIRS = ['business-startup', 'construction-approval', 'sole-proprietor'];

async function graphOf(file: string): Promise<ProcessGraph> {
  const compiled = await compileDefinition(read(file));
  if (!compiled.ok) throw new Error(`${file} does not compile: ${JSON.stringify(compiled.findings)}`);
  return compiled.definition.graph;
}

// ---------------------------------------------------------------------------------------------------
// compile

for (const { file, key } of SAMPLES) {
  t.test(`${file} compiles without error findings`, async (t) => {
    // when
    const result = await compileDefinition(read(file));

    // then
    t.ok(result.ok, 'compiles');
    t.same(
      result.findings.filter((f) => f.severity === 'error'),
      [],
      'no error findings',
    );
    for (const warning of result.findings.filter((f) => f.severity === 'warning')) {
      t.comment(`warning ${warning.elementId}: ${warning.message}`);
    }
    if (result.ok) t.equal(result.definition.key, key, 'the process id is the key');
  });
}

t.test('each before and after deploy as versions 1 and 2 of one key', async (t) => {
  for (const pair of PAIRS) {
    // given
    const engine = new LocalEngine();

    // when
    const before = await engine.deploy(read(`${pair}.before.bpmn`));
    const after = await engine.deploy(read(`${pair}.after.bpmn`));

    // then
    t.equal(before.key, after.key, `${pair}: one key`);
    t.same([before.version, after.version], [1, 2], `${pair}: versions 1 and 2`);
    t.equal(before.graph.name, after.graph.name, `${pair}: one service name`);
  }
});

// ---------------------------------------------------------------------------------------------------
// diagram interchange: what bpmn-js needs to draw each file, drawn without overlaps

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const inside = (inner: Box, outer: Box): boolean =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.width <= outer.x + outer.width &&
  inner.y + inner.height <= outer.y + outer.height;
const overlap = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const centre = (b: Box): { x: number; y: number } => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
const onBorder = (p: { x: number; y: number }, b: Box): boolean => {
  const within = p.x >= b.x - 1 && p.x <= b.x + b.width + 1 && p.y >= b.y - 1 && p.y <= b.y + b.height + 1;
  const edge =
    Math.abs(p.x - b.x) <= 1 ||
    Math.abs(p.x - b.x - b.width) <= 1 ||
    Math.abs(p.y - b.y) <= 1 ||
    Math.abs(p.y - b.y - b.height) <= 1;
  return within && edge;
};

for (const { file, key } of SAMPLES) {
  t.test(`${file} has a complete, clean diagram`, async (t) => {
    // given
    const xml = read(file);
    const graph = await graphOf(file);
    const { rootElement: definitions, warnings } = await reflowModdle.fromXML(xml, 'bpmn:Definitions');

    // then: the namespaces bpmn-js writes, and gov
    for (const ns of [
      'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
      'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"',
      'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"',
      'xmlns:di="http://www.omg.org/spec/DD/20100524/DI"',
      'xmlns:gov="urn:reflow:gov:1"',
    ]) {
      t.ok(xml.includes(ns), ns);
    }
    t.same(warnings, [], 'bpmn-moddle reads every element and attribute');

    // one executable process, in a pool
    const processes = definitions.rootElements.filter((e: { $type: string }) => e.$type === 'bpmn:Process');
    t.equal(processes.length, 1, 'one process');
    const process = processes[0];
    t.equal(process.isExecutable, true, 'executable');
    const collaboration = definitions.rootElements.find(
      (e: { $type: string }) => e.$type === 'bpmn:Collaboration',
    );
    t.equal(collaboration?.participants?.length, 1, 'a collaboration with one participant');
    t.equal(collaboration.participants[0].processRef.id, key, 'the pool shows the process');

    // a shape with bounds for the pool, every lane and every flow node; an edge for every flow
    const plane = definitions.diagrams[0].plane;
    t.equal(plane.bpmnElement.id, collaboration.id, 'the diagram shows the collaboration');
    const shapes = new Map<string, Box>();
    const edges = new Map<string, { x: number; y: number }[]>();
    for (const element of plane.planeElement) {
      if (element.$type === 'bpmndi:BPMNShape') shapes.set(element.bpmnElement.id, element.bounds);
      if (element.$type === 'bpmndi:BPMNEdge') edges.set(element.bpmnElement.id, element.waypoint);
    }
    const pool = shapes.get(collaboration.participants[0].id);
    t.ok(pool, 'the pool has a shape');
    const lanes: { id: string; name: string; flowNodeRef?: { id: string }[] }[] =
      process.laneSets?.[0]?.lanes ?? [];
    t.ok(lanes.length > 0, 'the pool has lanes');
    const missingShapes = [...lanes.map((l) => l.id), ...Object.keys(graph.nodes)].filter(
      (id) => !shapes.get(id),
    );
    t.same(missingShapes, [], 'every lane and flow node has a shape with bounds');
    const missingEdges = Object.keys(graph.flows).filter((id) => (edges.get(id)?.length ?? 0) < 2);
    t.same(missingEdges, [], 'every sequence flow has an edge with waypoints');
    if (!pool || missingShapes.length > 0 || missingEdges.length > 0) return;

    // lanes stack inside the pool; each flow node lies in the one lane that refers to it (as bpmn-js keeps it)
    const laneOf = new Map<string, string[]>();
    for (const lane of lanes) {
      t.ok(inside(shapes.get(lane.id)!, pool), `lane ${lane.name} lies in the pool`);
      for (const ref of lane.flowNodeRef ?? []) laneOf.set(ref.id, [...(laneOf.get(ref.id) ?? []), lane.id]);
    }
    const misplaced: string[] = [];
    for (const [id, node] of Object.entries(graph.nodes)) {
      const box = shapes.get(id)!;
      const refs = laneOf.get(id) ?? [];
      const c = centre(box);
      const lane = refs.length === 1 ? shapes.get(refs[0])! : null;
      if (!inside(box, pool)) misplaced.push(`${id} outside the pool`);
      if (!lane) misplaced.push(`${id} is in ${refs.length} lanes`);
      else if (!(c.x > lane.x && c.x < lane.x + lane.width && c.y > lane.y && c.y < lane.y + lane.height))
        misplaced.push(`${id} is drawn outside its lane`);
      if (node.scope !== key && !inside(box, shapes.get(node.scope)!))
        misplaced.push(`${id} is drawn outside its subprocess`);
    }
    t.same(misplaced, [], 'every flow node is drawn in its pool, lane and subprocess');

    // no two shapes overlap, but for a subprocess and its content and a boundary event and its activity
    const ancestors = (id: string): string[] => {
      const scope = graph.nodes[id]?.scope;
      return scope && scope !== key ? [scope, ...ancestors(scope)] : [];
    };
    const ids = Object.keys(graph.nodes);
    const overlapping: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const [a, b] = [ids[i], ids[j]];
        if (ancestors(a).includes(b) || ancestors(b).includes(a)) continue;
        if (graph.nodes[a].attachedTo === b || graph.nodes[b].attachedTo === a) continue;
        if (overlap(shapes.get(a)!, shapes.get(b)!)) overlapping.push(`${a} × ${b}`);
      }
    }
    t.same(overlapping, [], 'no shapes overlap');

    // edges start and end on their shapes' borders and run orthogonally
    const badEdges: string[] = [];
    for (const [id, flow] of Object.entries(graph.flows)) {
      const points = edges.get(id)!;
      if (!onBorder(points[0], shapes.get(flow.source)!))
        badEdges.push(`${id} does not start at ${flow.source}`);
      if (!onBorder(points[points.length - 1], shapes.get(flow.target)!))
        badEdges.push(`${id} does not end at ${flow.target}`);
      for (let i = 1; i < points.length; i++) {
        if (points[i].x !== points[i - 1].x && points[i].y !== points[i - 1].y)
          badEdges.push(`${id} has a diagonal segment`);
      }
    }
    t.same(badEdges, [], 'edges connect their shapes with horizontal and vertical segments');

    // boundary events sit on their activity's border
    for (const node of Object.values(graph.nodes).filter((n) => n.type === 'boundaryEvent')) {
      t.ok(
        onBorder(centre(shapes.get(node.id)!), shapes.get(node.attachedTo!)!),
        `${node.id} sits on ${node.attachedTo}`,
      );
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// static metrics: the direction of every change, and the README table

const METRIC_COLUMNS = [
  'steps',
  'departments',
  'materials',
  'applicantMaterials',
  'timeLimitDays',
  'pathTimeLimitDays',
  'statutoryLimitDays',
  'trips',
] as const;

for (const pair of PAIRS) {
  t.test(`${pair}: the after version does better on every count`, async (t) => {
    // given
    const before = staticMetrics(await graphOf(`${pair}.before.bpmn`));
    const after = staticMetrics(await graphOf(`${pair}.after.bpmn`));
    t.comment(`before ${JSON.stringify(before)}`);
    t.comment(`after  ${JSON.stringify(after)}`);

    // then
    t.ok(after.steps <= before.steps, `减环节: steps ${before.steps} → ${after.steps}`);
    t.ok(
      after.applicantMaterials < before.applicantMaterials,
      `减材料: applicant materials ${before.applicantMaterials} → ${after.applicantMaterials}`,
    );
    t.ok(after.materials <= before.materials, `materials ${before.materials} → ${after.materials}`);
    t.ok(
      after.timeLimitDays! < before.timeLimitDays!,
      `减时限: committed ${before.timeLimitDays} → ${after.timeLimitDays}`,
    );
    t.ok(
      after.pathTimeLimitDays! < before.pathTimeLimitDays!,
      `path ${before.pathTimeLimitDays} → ${after.pathTimeLimitDays}`,
    );
    t.ok(after.trips < before.trips, `减跑动: trips ${before.trips} → ${after.trips}`);
    t.ok(after.pathTimeLimitDays! <= after.timeLimitDays!, 'the after steps fit in its committed limit');
    if (after.statutoryLimitDays !== null)
      t.ok(after.timeLimitDays! <= after.statutoryLimitDays, 'committed within statutory');
  });
}

t.test('processes/README.md gives the figures staticMetrics() computes', async (t) => {
  // given
  const readme = read('README.md');
  const table = /<!-- metrics:start -->([\s\S]*?)<!-- metrics:end -->/.exec(readme)?.[1] ?? '';
  const rows = new Map<string, string[]>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const file = /`([\w.-]+\.bpmn)`/.exec(cells[1] ?? '')?.[1];
    if (file) rows.set(file, cells.slice(2, 2 + METRIC_COLUMNS.length));
  }

  for (const { file } of SAMPLES) {
    // when
    const metrics: StaticMetrics = staticMetrics(await graphOf(file));
    const expected = METRIC_COLUMNS.map((c) => (metrics[c] === null ? '—' : String(metrics[c])));
    t.comment(`| \`${file}\` | ${expected.join(' | ')} |`);

    // then
    t.same(rows.get(file), expected, `${file}: ${METRIC_COLUMNS.join(', ')}`);
  }
});

// ---------------------------------------------------------------------------------------------------
// runs: a scripted driver answers every open task, delivers awaited messages and lets time pass for timers

type Answer = Variables | ((round: number) => Variables);

interface Script {
  start?: Variables;
  /** Variables to complete a task with, by element id (a function gets the how-manieth completion, from 0). */
  answers?: Record<string, Answer>;
  /** Tasks left undone, so that their timers fire (a department that misses its deadline). */
  leaveOpen?: string[];
}

interface Run {
  engine: LocalEngine;
  snapshot: CaseSnapshot;
  /** Element ids of the tasks completed, in order. */
  completed: string[];
  /** Every task created. */
  created: TaskRecord[];
  /** Messages delivered. */
  delivered: string[];
  /** Timers fired: the timer event and when. */
  fired: { elementId: string; at: number }[];
}

const ajv = new Ajv({ allErrors: true, strict: false });

/** Validates variables against a gov:form the way the server does (ajv); fails the test naming the fields. */
function checkForm(t: Test, form: unknown, variables: Variables, what: string): void {
  if (!form) return;
  const validate = ajv.compile(form as object);
  t.ok(
    validate(variables),
    `${what}: the variables fill in its form${validate.errors ? ` (${ajv.errorsText(validate.errors)})` : ''}`,
  );
}

async function start(
  t: Test,
  file: string,
  script: Script,
): Promise<{ engine: LocalEngine; caseId: string; run: Run }> {
  const created: TaskRecord[] = [];
  const fired: Run['fired'] = [];
  const engine = new LocalEngine({
    calendar: getDefaultCalendar(),
    roundTrip: true,
    onEvents: (_id, events) => {
      for (const event of events) {
        if (event.type === 'taskCreated') created.push(event.task);
        if (event.type === 'timerFired') fired.push({ elementId: event.elementId, at: event.at });
      }
    },
  });
  const definition = await engine.deploy(read(file));
  checkForm(t, definition.graph.form, script.start ?? {}, `${file} start`);
  const snapshot = engine.start(definition.key, script.start ?? {});
  return {
    engine,
    caseId: snapshot.id,
    run: { engine, snapshot, completed: [], created, delivered: [], fired },
  };
}

/** Drives a started case until it ends: tasks first, then awaited messages, then the next timer. */
function drive(t: Test, engine: LocalEngine, caseId: string, run: Run, script: Script): Run {
  const rounds = new Map<string, number>();
  const leaveOpen = new Set(script.leaveOpen ?? []);
  for (let step = 0; step < 500; step++) {
    const snapshot = engine.cases.get(caseId)!;
    run.snapshot = snapshot;
    if (snapshot.status !== 'active') return run;
    const task = engine.openTasks(caseId).find((open) => !leaveOpen.has(open.elementId));
    if (task) {
      const round = rounds.get(task.elementId) ?? 0;
      rounds.set(task.elementId, round + 1);
      const answer = script.answers?.[task.elementId];
      const variables = typeof answer === 'function' ? answer(round) : (answer ?? {});
      checkForm(t, task.form, variables, `task ${task.elementId}`);
      engine.completeTask(task.id, variables);
      run.completed.push(task.elementId);
      continue;
    }
    const message = snapshot.subscriptions.find((s) => s.kind === 'message');
    if (message) {
      engine.command(caseId, { type: 'deliverMessage', name: message.name, variables: {} });
      run.delivered.push(message.name);
      continue;
    }
    const timer = engine.nextTimer();
    if (timer) {
      engine.advanceTo(timer.timer.dueAt);
      continue;
    }
    t.fail(`case ${caseId} is stuck: nothing to do, nothing to wait for`);
    return run;
  }
  t.fail(`case ${caseId} did not end within 500 steps`);
  return run;
}

async function runCase(t: Test, file: string, script: Script): Promise<Run> {
  const { engine, caseId, run } = await start(t, file, script);
  const result = drive(t, engine, caseId, run, script);
  t.equal(result.snapshot.status, 'completed', `${file}: the case completes`);
  t.same(result.snapshot.incidents, [], 'without incidents');
  t.same(engine.openTasks(caseId), [], 'leaving no open task');
  return result;
}

/** The static trips figure of a file: a main-path run makes exactly that many in-person trips. */
const staticTrips = async (file: string): Promise<number> => staticMetrics(await graphOf(file)).trips;

t.test('business start-up, before: seven windows in a row', async (t) => {
  const file = 'business-startup.before.bpmn';

  t.test('main path', async (t) => {
    // when
    const run = await runCase(t, file, { answers: { registration_review: { materialsComplete: true } } });

    // then
    t.same(run.completed, [
      'name_approval',
      'registration_intake',
      'registration_review',
      'issue_licence',
      'seal_approval',
      'seal_making',
      'bank_account',
      'account_approval',
      'tax_registration',
      'invoice_purchase',
      'social_insurance',
      'housing_fund',
    ]);
    t.equal(run.snapshot.corrected, false, 'done first time');
    t.equal(run.snapshot.trips, await staticTrips(file), 'as many trips as the model says');
    t.same(
      [...new Set(run.created.map((task) => task.department))],
      ['工商局', '公安局', '银行', '人民银行', '税务局', '人社局', '公积金中心'],
      'departments come from the lanes',
    );
  });

  t.test('through the correction loop (补正)', async (t) => {
    // when
    const run = await runCase(t, file, {
      answers: { registration_review: (round) => ({ materialsComplete: round > 0 }) },
    });

    // then
    t.same(run.completed.slice(0, 5), [
      'name_approval',
      'registration_intake',
      'registration_review',
      'correction_request',
      'registration_review',
    ]);
    t.same(run.delivered, ['materials-supplemented']);
    t.equal(run.snapshot.corrected, true, 'not done first time');
    t.equal(
      run.snapshot.trips,
      (await staticTrips(file)) + 1,
      'bringing the missing documents is one more trip',
    );
  });
});

t.test('business start-up, after: one form, parallel handling, one pick-up', async (t) => {
  const file = 'business-startup.after.bpmn';
  const form = {
    companyName: '杭州示例科技有限公司',
    legalPerson: '张三',
    registeredCapital: 100,
    address: '杭州市西湖区示例路1号',
  };
  const parallel = ['seal_making', 'invoices', 'social_insurance', 'housing_fund', 'bank_account'];

  t.test('main path: pick-up at the window', async (t) => {
    // when
    const run = await runCase(t, file, {
      start: { ...form, delivery: 'window' },
      answers: { registration_review: { materialsComplete: true } },
    });

    // then
    t.same(run.completed, ['registration_review', ...parallel, 'pick_up']);
    t.equal(run.snapshot.trips, 1, 'one trip');
    t.equal(run.snapshot.trips, await staticTrips(file));
    const openTogether = run.created.filter((task) => parallel.includes(task.elementId));
    t.equal(
      new Set(openTogether.map((task) => task.createdAt)).size,
      1,
      'the five departments start at once',
    );
  });

  t.test('licence by mail: no trip at all', async (t) => {
    // when
    const run = await runCase(t, file, {
      start: { ...form, delivery: 'mail' },
      answers: { registration_review: { materialsComplete: true } },
    });

    // then
    t.same(run.completed, ['registration_review', ...parallel, 'mail']);
    t.equal(run.snapshot.trips, 0);
  });

  t.test('through the correction loop, supplemented online', async (t) => {
    // when
    const run = await runCase(t, file, {
      start: { ...form, delivery: 'window' },
      answers: { registration_review: (round) => ({ materialsComplete: round > 0 }) },
    });

    // then
    t.same(run.completed.slice(0, 3), ['registration_review', 'correction_request', 'registration_review']);
    t.same(run.delivered, ['materials-supplemented']);
    t.equal(run.snapshot.corrected, true);
    t.equal(run.snapshot.trips, 1, 'supplementing online costs no trip');
  });
});

t.test('construction approval, before: serial reviews', async (t) => {
  // given
  const file = 'construction-approval.before.bpmn';

  // when
  const run = await runCase(t, file, {});

  // then
  t.equal(run.completed.length, 12, 'twelve reviews, one after the other');
  t.equal(run.snapshot.trips, await staticTrips(file));
  t.same(
    [...new Set(run.created.map((task) => task.department))].sort(),
    ['人防办', '住建局', '发改委', '城建档案馆', '消防机构', '自然资源局'].sort(),
  );
});

t.test('construction approval, after: four stages', async (t) => {
  const file = 'construction-approval.after.bpmn';
  const acceptanceDepartments = ['自然资源局', '消防机构', '人防办', '城建档案馆'];
  const projectStart = {
    projectName: '示例产业园标准厂房',
    projectCode: '2026-370000-00-00-000001',
    acceptanceDepartments,
  };

  t.test('main path: every department answers in time', async (t) => {
    // when
    const run = await runCase(t, file, { start: projectStart });

    // then
    t.same(run.completed, [
      'project_approval',
      'land_use_permit',
      'works_planning_permit',
      'fire_design_review',
      'civil_defence_review',
      'construction_permit',
      'joint_acceptance',
      'joint_acceptance',
      'joint_acceptance',
      'joint_acceptance',
      'completion_filing',
    ]);
    const joint = run.created.filter((task) => task.elementId === 'joint_acceptance');
    t.same(
      joint.map((task) => task.department),
      acceptanceDepartments,
      '联合验收: one task per department of the list, at once',
    );
    t.equal(new Set(joint.map((task) => task.createdAt)).size, 1);
    t.equal(run.snapshot.trips, await staticTrips(file));
    t.notOk(
      Object.keys(run.snapshot.variables).some((name) => name.startsWith('deemedApproved')),
      'nothing deemed approved',
    );
  });

  t.test('超时默认: co-reviewers that miss their deadline are deemed to agree', async (t) => {
    // when land-use, fire and civil-defence reviews are never done
    const run = await runCase(t, file, {
      start: projectStart,
      leaveOpen: ['land_use_permit', 'fire_design_review', 'civil_defence_review'],
    });

    // then
    t.match(run.snapshot.variables, {
      deemedApprovedLandUse: true,
      deemedApprovedFire: true,
      deemedApprovedCivilDefence: true,
    });
    t.same(run.completed, [
      'project_approval',
      'works_planning_permit',
      'construction_permit',
      'joint_acceptance',
      'joint_acceptance',
      'joint_acceptance',
      'joint_acceptance',
      'completion_filing',
    ]);
    const calendar = getDefaultCalendar();
    t.same(run.fired.map((timer) => timer.elementId).sort(), [
      'civil_defence_review_overdue',
      'fire_design_review_overdue',
      'land_use_permit_overdue',
    ]);
    for (const timer of run.fired) {
      const review = run.created.find((task) => `${task.elementId}_overdue` === timer.elementId)!;
      const days = calendar.workingDaysBetween(review.createdAt, timer.at);
      t.ok(
        Math.abs(days - 20) < 1e-9,
        `${review.elementId} deemed approved after ${days.toFixed(3)} working days: exactly its 20`,
      );
    }
  });

  t.test('the deemed approvals wait exactly 20 working days (gov:workingDays)', async (t) => {
    // given the timers of the deemed approvals
    const graph = await graphOf(file);
    const timers = Object.values(graph.nodes).filter((node) => node.id.endsWith('_overdue'));
    // then each counts working days on the calendar, not calendar time
    t.same(
      timers.map((node) => (node.event?.kind === 'timer' ? [node.event.timer, node.event.expression] : null)),
      [
        ['workingDays', '20'],
        ['workingDays', '20'],
        ['workingDays', '20'],
      ],
    );
  });
});

t.test('sole proprietor, before: two windows', async (t) => {
  // given
  const file = 'sole-proprietor.before.bpmn';

  // when
  const run = await runCase(t, file, {});

  // then
  t.same(run.completed, ['accept', 'review', 'pick_up', 'tax_registration']);
  t.equal(run.snapshot.trips, 3);
  t.equal(run.snapshot.trips, await staticTrips(file));
});

t.test('sole proprietor, after: one form, one window', async (t) => {
  const file = 'sole-proprietor.after.bpmn';
  const form = {
    operatorName: '李四',
    idNumber: '11010519491231002X',
    businessScope: '餐饮服务',
    premisesAddress: '北京市朝阳区示例街2号',
  };

  t.test('registered on the spot, electronic licence: no trip', async (t) => {
    // when
    const run = await runCase(t, file, {
      start: { ...form, delivery: 'online' },
      answers: { accept: { onTheSpot: true } },
    });

    // then
    t.same(run.completed, ['accept']);
    t.equal(run.snapshot.trips, 0);
  });

  t.test('reviewed within 3 days, licence at the window: one trip', async (t) => {
    // when
    const run = await runCase(t, file, {
      start: { ...form, delivery: 'window' },
      answers: { accept: { onTheSpot: false } },
    });

    // then
    t.same(run.completed, ['accept', 'review', 'pick_up']);
    t.equal(run.snapshot.trips, 1);
    t.equal(run.snapshot.trips, await staticTrips(file));
  });
});

t.test('好差评 rectification loop', async (t) => {
  const file = 'rating-rectification.bpmn';
  const rating = {
    department: '市场监管局',
    ratedCaseId: 'case-20260105-001',
    level: 1,
    comment: '窗口人员态度差，多次往返',
    deadlineDays: 5,
  };

  t.test('rectify path: 受理-核实-整改-反馈-回访', async (t) => {
    // when
    const run = await runCase(t, file, { start: rating, answers: { verify: { ratingMistaken: false } } });

    // then
    t.same(run.completed, ['accept', 'verify', 'rectify', 'feedback', 'call_back']);
    t.same(
      run.created.map((task) => task.department),
      ['政务服务中心', '市场监管局', '市场监管局', '市场监管局', '政务服务中心'],
      'the rated department verifies, rectifies and reports back',
    );
  });

  t.test('appeal upheld: no rectification', async (t) => {
    // when
    const run = await runCase(t, file, {
      start: rating,
      answers: { verify: { ratingMistaken: true }, appeal_review: { appealUpheld: true } },
    });

    // then
    t.same(run.completed, ['accept', 'verify', 'appeal_review']);
    t.ok(run.snapshot.endedAt !== null);
  });

  t.test('appeal rejected: rectify after all', async (t) => {
    // when
    const run = await runCase(t, file, {
      start: rating,
      answers: { verify: { ratingMistaken: true }, appeal_review: { appealUpheld: false } },
    });

    // then
    t.same(run.completed, ['accept', 'verify', 'appeal_review', 'rectify', 'feedback', 'call_back']);
  });

  t.test('overdue rectification is escalated to 督办, rectification goes on', async (t) => {
    // given a rectification started
    const script: Script = { start: rating, answers: { verify: { ratingMistaken: false } } };
    const { engine, caseId, run } = await start(t, file, script);
    engine.completeTask(engine.openTasks(caseId)[0].id);
    engine.completeTask(engine.openTasks(caseId)[0].id, { ratingMistaken: false });
    const rectifyStarted = engine.now;
    t.same(
      engine.openTasks(caseId).map((task) => task.elementId),
      ['rectify'],
    );
    const calendar = getDefaultCalendar();

    // when 4 working days pass: still within the 5-day limit
    engine.advanceTo(calendar.addWorkingDays(rectifyStarted, 4));

    // then
    t.same(
      engine.openTasks(caseId).map((task) => task.elementId),
      ['rectify'],
      'no escalation within the limit',
    );

    // when 6 working days have passed
    engine.advanceTo(calendar.addWorkingDays(rectifyStarted, 6));

    // then
    const open = engine.openTasks(caseId);
    t.same(
      open.map((task) => task.elementId).sort(),
      ['rectify', 'supervise'],
      '督办 appears beside the rectification',
    );
    t.equal(open.find((task) => task.elementId === 'supervise')?.department, '政务服务中心');

    // and the case still runs to its end
    const done = drive(t, engine, caseId, run, script);
    t.equal(done.snapshot.status, 'completed');
    t.same(done.completed.sort(), ['call_back', 'feedback', 'rectify', 'supervise']);
  });
});
