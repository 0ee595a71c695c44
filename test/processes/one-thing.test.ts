// The 一件事 sample (processes/business-startup-one-thing.*.bpmn): 企业开办 as one thing. Before, five separate
// department services the applicant applies to one after another; after (processes/by-call/), one master process
// that calls the five department processes of its file (registration, then four in parallel). Each file deploys as one unit
// (a collaboration: one key per pool); the master is measured end to end, its called processes included; the
// after does better on every figure; both run to completion on the LocalEngine and through the API. The after
// as a collaboration of messages (the sample's after, processes/business-startup-one-thing.after.bpmn): the master starts each department process by a
// message and waits for its answer (correlated by business key); its static figures follow the messages, its
// cases run through CaseService and MessageService, and its dynamic figures are the 一件事 rule's.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import t, { type Test } from 'tap';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import type { CaseSnapshot, TaskRecord, Variables } from '../../engine/elements/state.js';
import { oneThingFigures } from '../../engine/metrics/case-figures.js';
import { messageStarts, staticMetrics } from '../../engine/metrics/static-metrics.js';
import { reflowModdle } from '../../engine/model/parse.js';
import type { ProcessGraph } from '../../engine/model/types.js';
import { compileUnit } from '../../engine/runtime/definition.js';
import { LocalEngine } from '../../engine/runtime/local-engine.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { openPglite } from '../helpers/test-database.js';

const dir = new URL('../../processes/', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, dir), 'utf8');
const BEFORE = 'business-startup-one-thing.before.bpmn';
const AFTER = 'by-call/business-startup-one-thing.after.bpmn';
const MASTER = 'business_startup_one_thing';
const DEPARTMENT_KEYS = [
  'samr_company_registration',
  'police_seal_engraving',
  'tax_invoice_application',
  'hrss_social_insurance',
  'housing_fund_deposit',
];
const FORM = {
  companyName: '杭州示例科技有限公司',
  legalPerson: '张三',
  registeredCapital: 100,
  address: '杭州市西湖区示例路1号',
};

async function unit(file: string): Promise<ProcessGraph[]> {
  const compiled = await compileUnit(read(file));
  if (!compiled.ok) throw new Error(`${file} does not compile: ${JSON.stringify(compiled.findings)}`);
  return compiled.definitions.map((d) => d.graph);
}

/** The master's static metrics with the department processes of its file resolved (measured end to end). */
async function endToEnd(file: string) {
  const graphs = await unit(file);
  return staticMetrics(graphs[0], { resolveCalled: (key) => graphs.find((g) => g.key === key) });
}

for (const file of [BEFORE, AFTER]) {
  t.test(`${file}: one unit of six executable processes, without findings, drawn whole`, async (t) => {
    // when
    const compiled = await compileUnit(read(file));

    // then
    t.ok(compiled.ok, 'compiles');
    t.same(compiled.findings, [], 'no errors and no warnings');
    if (!compiled.ok) return;
    t.same(
      compiled.definitions.map((d) => d.key),
      [MASTER, ...DEPARTMENT_KEYS],
    );
    // every process has a pool; every flow node, sequence flow and message flow a shape or an edge
    const { rootElement, warnings } = await reflowModdle.fromXML(read(file), 'bpmn:Definitions');
    t.same(warnings, [], 'bpmn-moddle reads every element and attribute');
    const drawn = new Set<string>(
      rootElement.diagrams[0].plane.planeElement.map(
        (e: { bpmnElement: { id: string } }) => e.bpmnElement.id,
      ),
    );
    const elements = [
      ...compiled.collaboration.messageFlows.map((f) => f.id),
      ...compiled.definitions.flatMap((d) => [...Object.keys(d.graph.nodes), ...Object.keys(d.graph.flows)]),
    ];
    t.same(
      elements.filter((id) => !drawn.has(id)),
      [],
      'everything is drawn',
    );
    t.ok(compiled.collaboration.messageFlows.length >= 3, 'message flows between the pools are read');
  });
}

t.test('the after file keeps the applicant as a black-box pool and reads its message flows', async (t) => {
  // when
  const compiled = await compileUnit(read(AFTER));

  // then
  if (!compiled.ok) return t.fail('compiles');
  t.equal(compiled.collaboration.processes.length, 6, 'the applicant pool has no process');
  t.match(compiled.collaboration.messageFlows, [
    {
      id: 'mf_apply',
      source: { participant: 'Participant_applicant', element: null },
      target: { element: 'start' },
    },
    { id: 'mf_pick_up', source: { process: MASTER, element: 'pick_up' } },
    { id: 'mf_mail', source: { process: MASTER, element: 'mail' } },
  ]);
});

t.test('static metrics end to end: the after does better on every count', async (t) => {
  // when
  const before = await endToEnd(BEFORE);
  const after = await endToEnd(AFTER);
  t.comment(`before ${JSON.stringify(before)}`);
  t.comment(`after  ${JSON.stringify(after)}`);

  // then the figures of processes/README.md
  t.same(before, {
    steps: 11,
    departments: 5,
    materials: 14,
    applicantMaterials: 14,
    timeLimitDays: 17,
    pathTimeLimitDays: 17,
    trips: 9,
    statutoryLimitDays: null,
  });
  t.same(after, {
    steps: 7,
    departments: 6,
    materials: 7,
    applicantMaterials: 3,
    timeLimitDays: 1,
    pathTimeLimitDays: 1,
    trips: 1,
    statutoryLimitDays: 4,
  });
  const readme = read('README.md');
  for (const [file, m] of [
    [BEFORE, before],
    [AFTER, after],
  ] as const) {
    const row = `| \`${file}\` | ${[m.steps, m.departments, m.materials, m.applicantMaterials, m.timeLimitDays, m.pathTimeLimitDays, m.statutoryLimitDays ?? '—', m.trips].join(' | ')} |`;
    t.ok(readme.includes(row), `processes/README.md has ${row}`);
  }
});

// ------------------------------------------------------------------------------------------------------
// runs

interface Run {
  snapshot: CaseSnapshot;
  completed: string[];
  created: TaskRecord[];
}

async function run(
  t: Test,
  file: string,
  start: Variables,
  answers: Record<string, Variables> = {},
): Promise<Run> {
  const created: TaskRecord[] = [];
  const engine = new LocalEngine({
    calendar: getDefaultCalendar(),
    roundTrip: true,
    onEvents: (_id, events) => {
      for (const e of events) if (e.type === 'taskCreated') created.push(e.task);
    },
  });
  const deployed = await engine.deployUnit(read(file));
  const snapshot = engine.start(deployed[0].key, start);
  const completed: string[] = [];
  for (let i = 0; i < 100; i++) {
    const task = engine.openTasks(snapshot.id)[0];
    if (!task) break;
    engine.advanceTo(engine.now + 3_600_000); // an hour's work per task
    engine.completeTask(task.id, answers[task.elementId] ?? {});
    completed.push(task.elementId);
  }
  const end = engine.cases.get(snapshot.id) as CaseSnapshot;
  t.equal(end.status, 'completed', `${file}: the case completes`);
  t.same(end.incidents, [], 'without incidents');
  return { snapshot: end, completed, created };
}

t.test('before: the applicant applies to each department in turn, nine trips', async (t) => {
  // when
  const r = await run(t, BEFORE, {});

  // then
  t.same(r.completed, [
    'samr_name_check',
    'samr_intake',
    'samr_review',
    'samr_licence',
    'police_intake',
    'police_making',
    'police_pick_up',
    'tax_check_in',
    'tax_invoices',
    'hrss_registration',
    'fund_registration',
  ]);
  t.equal(r.snapshot.trips, 9, 'as many trips as the static figure: one case measures the whole journey');
  t.same(
    [...new Set(r.created.map((task) => task.department))],
    ['市场监管局', '公安局', '税务局', '人社局', '公积金中心'],
  );
});

t.test(
  'after: registration, four departments at once, one pick-up; variables by gov:in/gov:out',
  async (t) => {
    // when
    const r = await run(
      t,
      AFTER,
      { ...FORM, delivery: 'window' },
      {
        samr_registration: { licenceNo: '91330106MA2KXXXX01', reviewer: '市场监管局王科长' },
        police_seal: { sealNo: '3301060012345' },
        tax_invoice: { taxpayerNo: '91330106MA2KXXXX01' },
        hrss_enrolment: { socialInsuranceNo: 'SB330106001' },
        fund_enrolment: { housingFundNo: 'GJJ330106001' },
      },
    );

    // then
    const parallel = ['police_seal', 'tax_invoice', 'hrss_enrolment', 'fund_enrolment'];
    t.same(r.completed, ['samr_registration', ...parallel, 'pick_up']);
    t.equal(
      new Set(r.created.filter((task) => parallel.includes(task.elementId)).map((task) => task.createdAt))
        .size,
      1,
      'the four department processes start at once',
    );
    t.equal(r.snapshot.trips, 1, 'one trip: the pick-up');
    t.same(
      r.snapshot.variables,
      {
        ...FORM,
        delivery: 'window',
        licenceNo: '91330106MA2KXXXX01',
        sealNo: '3301060012345',
        taxpayerNo: '91330106MA2KXXXX01',
        socialInsuranceNo: 'SB330106001',
        housingFundNo: 'GJJ330106001',
      },
      'only the gov:out results come back (not the reviewer of the registration task)',
    );
    // the master's case spans its called processes: it ends after the last department's work
    const lastDepartment = Math.max(
      ...r.created.filter((x) => parallel.includes(x.elementId)).map((x) => x.createdAt),
    );
    t.ok((r.snapshot.endedAt ?? 0) > lastDepartment, 'the master ends after its department processes');
  },
);

t.test('after, by mail: no trip at all', async (t) => {
  const r = await run(t, AFTER, { ...FORM, delivery: 'mail' });
  t.equal(r.completed.at(-1), 'mail');
  t.equal(r.snapshot.trips, 0);
});

t.test(
  'through the API: before then after deploy as versions of the same keys, and the compare route',
  async (t) => {
    // given
    const { app, close } = await buildTestApp(await openPglite());
    t.teardown(close);
    const headers = { ...bearer(TOKENS.designer), 'content-type': 'application/xml' };

    // when
    const before = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers,
      payload: read(BEFORE),
    });
    const after = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers,
      payload: read(AFTER),
    });
    const again = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers,
      payload: read(AFTER),
    });

    // then
    t.equal(before.statusCode, 201, before.body);
    t.equal(after.statusCode, 201, after.body);
    const versions = (body: { processes: { key: string; version: number }[] }) =>
      body.processes.map((p) => `${p.key}:${p.version}`);
    t.same(
      versions(before.json()),
      [MASTER, ...DEPARTMENT_KEYS].map((k) => `${k}:1`),
    );
    t.same(
      versions(after.json()),
      [MASTER, ...DEPARTMENT_KEYS].map((k) => `${k}:2`),
      'every process changed',
    );
    t.equal(again.statusCode, 200, 'the same file again: nothing new');
    const compare = await app.inject({
      method: 'GET',
      url: `/api/processes/${MASTER}/compare?from=1&to=2`,
      headers: bearer(TOKENS.auditor),
    });
    t.equal(compare.statusCode, 200, compare.body);
    t.match(
      compare.json(),
      { before: { static: { steps: 11, trips: 9 } }, after: { static: { steps: 7, trips: 1 } } },
      'the stored static metrics of the master are measured end to end',
    );
  },
);

// ------------------------------------------------------------------------------------------------------
// the after as a collaboration of messages (the sample's after): the master starts each department
// process by a message and waits for its answer; figures followed through the messages

const BY_MESSAGES = 'business-startup-one-thing.after.bpmn';

t.test(
  `${BY_MESSAGES}: six pools, each department started by a message of the master, drawn whole`,
  async (t) => {
    // when
    const compiled = await compileUnit(read(BY_MESSAGES));

    // then
    if (!compiled.ok) return t.fail(`compiles: ${JSON.stringify(compiled.findings)}`);
    t.same(compiled.findings, [], 'no errors and no warnings');
    t.same(
      compiled.definitions.map((d) => d.key),
      [MASTER, ...DEPARTMENT_KEYS],
    );
    const graphs = compiled.definitions.map((d) => d.graph);
    const master = graphs[0];
    const sent = Object.values(master.nodes).flatMap((n) =>
      n.type === 'intermediateThrowEvent' && n.event?.kind === 'message' ? [n.event.name] : [],
    );
    const awaited = Object.values(master.nodes).flatMap((n) =>
      n.type === 'intermediateCatchEvent' && n.event?.kind === 'message' ? [n.event.name] : [],
    );
    t.same(
      sent.map((name) => messageStarts(graphs)(name)?.key),
      DEPARTMENT_KEYS,
      'each message the master sends starts one department process, none is started twice',
    );
    t.same(
      graphs.slice(1).map((g) => {
        const answers = Object.values(g.nodes).flatMap((n) =>
          n.type === 'endEvent' && n.event?.kind === 'message' ? [n.event.name] : [],
        );
        return answers.length === 1 && awaited.includes(answers[0]);
      }),
      DEPARTMENT_KEYS.map(() => true),
      'each department answers with a message the master waits for',
    );
    t.equal(
      master.nodes.fork.outgoing.length,
      4,
      'the master sends to four departments on parallel branches after the registration',
    );
    const { rootElement, warnings } = await reflowModdle.fromXML(read(BY_MESSAGES), 'bpmn:Definitions');
    t.same(warnings, [], 'bpmn-moddle reads every element and attribute');
    const drawn = new Set<string>(
      rootElement.diagrams[0].plane.planeElement.map(
        (e: { bpmnElement: { id: string } }) => e.bpmnElement.id,
      ),
    );
    const elements = [
      ...rootElement.rootElements
        .filter((e: { $type: string }) => e.$type === 'bpmn:Collaboration')
        .flatMap((c: { participants: { id: string }[] }) => c.participants.map((p) => p.id)),
      ...compiled.collaboration.messageFlows.map((f) => f.id),
      ...graphs.flatMap((g) => [...Object.keys(g.nodes), ...Object.keys(g.flows)]),
    ];
    t.same(
      elements.filter((id) => !drawn.has(id)),
      [],
      'every pool, node, sequence flow and message flow is drawn',
    );
    t.equal(
      compiled.collaboration.messageFlows.length,
      3 + 2 * DEPARTMENT_KEYS.length,
      'the applicant’s three and an ask and an answer per department',
    );
  },
);

t.test(
  'static metrics through the messages equal those through call activities, and beat the before',
  async (t) => {
    // when
    const graphs = await unit(BY_MESSAGES);
    const byMessages = staticMetrics(graphs[0], { resolveStarted: messageStarts(graphs) });
    const alone = staticMetrics(graphs[0]);
    const byCalls = await endToEnd(AFTER);
    const before = await endToEnd(BEFORE);

    // then the same departments' work is measured, whether called or started by a message
    t.same(byMessages, byCalls);
    t.ok(alone.steps < byMessages.steps, 'without following the messages the departments are missing');
    const m = byMessages;
    const row = `| \`${BY_MESSAGES}\` | ${[m.steps, m.departments, m.materials, m.applicantMaterials, m.timeLimitDays, m.pathTimeLimitDays, m.statutoryLimitDays ?? '—', m.trips].join(' | ')} |`;
    t.ok(read('README.md').includes(row), `processes/README.md has ${row}`);
    t.equal(
      byMessages.pathTimeLimitDays,
      0.5 + 0.5,
      'registration, then the longest of four parallel departments (0.5 each)',
    );
    for (const figure of ['steps', 'materials', 'applicantMaterials', 'timeLimitDays', 'trips'] as const) {
      t.ok(
        (byMessages[figure] ?? 0) < (before[figure] ?? 0),
        `${figure}: ${before[figure]} → ${byMessages[figure]}`,
      );
    }
  },
);

t.test(
  'through the API: the master starts its department cases by messages, the answers come back',
  async (t) => {
    // given the before, then the after by messages, deployed as the server deploys them
    const opened = await openPglite();
    const { app, service, close } = await buildTestApp(opened);
    t.teardown(close);
    const messages = app.reflow.messages;
    const headers = { ...bearer(TOKENS.designer), 'content-type': 'application/xml' };
    for (const file of [BEFORE, BY_MESSAGES]) {
      const res = await app.inject({ method: 'POST', url: '/api/definitions', headers, payload: read(file) });
      t.equal(res.statusCode, 201, res.body);
      // the server publishes each sample version as it deploys it: the after is the version in force
      for (const p of res.json().processes as { key: string; version: number; published?: boolean }[]) {
        if (p.published) continue;
        const published = await app.inject({
          method: 'POST',
          url: `/api/definitions/${p.key}/versions/${p.version}/publish`,
          headers: bearer(TOKENS.publisher),
          payload: {},
        });
        t.equal(published.statusCode, 200, published.body);
      }
    }
    const view = async (id: string) =>
      (await app.inject({ method: 'GET', url: `/api/cases/${id}`, headers: bearer(TOKENS.admin) })).json();
    const rows = async () =>
      (
        await sql<{
          id: string;
          process_key: string;
          root_case_id: string | null;
          trips: number;
          corrected: boolean;
        }>`
      SELECT id, process_key, root_case_id, trips, corrected FROM cases ORDER BY process_key`.execute(
          opened.db,
        )
      ).rows;
    const RESULTS: Record<string, Variables> = {
      samr_registration: { licenceNo: '91330106MA2KXXXX01', reviewer: '市场监管局王科长' },
      police_seal: { sealNo: '3301060012345' },
      tax_invoice: { taxpayerNo: '91330106MA2KXXXX01' },
      hrss_enrolment: { socialInsuranceNo: 'SB330106001' },
      fund_enrolment: { housingFundNo: 'GJJ330106001' },
    };
    const work = async (caseId: string) => {
      for (const task of (await view(caseId)).openTasks as { id: string; elementId: string }[]) {
        await service.completeTask(task.id, RESULTS[task.elementId] ?? {}, 'test');
      }
      await messages.idle();
    };

    // when the applicant applies online
    const started = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: bearer(TOKENS.intake),
      payload: {
        process: MASTER,
        businessKey: 'QYKB-2026-0001',
        channel: 'online',
        variables: { ...FORM, delivery: 'window' },
      },
    });
    t.equal(started.statusCode, 201, started.body);
    const master = started.json().id as string;
    await messages.idle();

    // then only the registration is started, by the master's first message
    const caseOf = async (key: string) => (await rows()).find((r) => r.process_key === key);
    t.same(
      (await rows()).map((r) => [r.process_key, r.root_case_id]),
      [
        [MASTER, null],
        ['samr_company_registration', master],
      ],
    );
    const registration = (await caseOf('samr_company_registration'))?.id as string;
    t.match(
      await view(registration),
      { businessKey: 'QYKB-2026-0001', variables: FORM },
      'correlated by business key',
    );

    // when the registration is done, the licence's answer starts the four others at once
    await work(registration);
    const linked = await rows();
    t.same(
      linked.map((r) => [r.process_key, r.root_case_id]).sort(),
      [[MASTER, null], ...DEPARTMENT_KEYS.map((k) => [k, master])].sort(),
      'every department case names the master as its root',
    );
    for (const key of DEPARTMENT_KEYS.slice(1)) {
      const caseId = linked.find((r) => r.process_key === key)?.id as string;
      t.match(await view(caseId), {
        variables: { companyName: FORM.companyName, licenceNo: '91330106MA2KXXXX01' },
      });
      await work(caseId);
    }

    // then all four answers reached the master: one pick-up, with only the answers' payloads
    const waiting = await view(master);
    t.same(
      waiting.openTasks.map((task: { elementId: string }) => task.elementId),
      ['pick_up'],
    );
    t.same(waiting.variables, {
      ...FORM,
      delivery: 'window',
      licenceNo: '91330106MA2KXXXX01',
      sealNo: '3301060012345',
      taxpayerNo: '91330106MA2KXXXX01',
      socialInsuranceNo: 'SB330106001',
      housingFundNo: 'GJJ330106001',
    });
    await work(master);
    t.equal((await view(master)).status, 'completed');

    // and the 一件事's figures are the rule's over the master and its linked cases
    const all = await rows();
    const own = all.find((r) => r.id === master) as { trips: number; corrected: boolean };
    const expected = oneThingFigures(
      own,
      all.filter((r) => r.root_case_id === master),
    );
    t.equal(expected.trips, 1, 'one trip: the pick-up; the departments ask for none');
    t.match(
      (await view(master)).oneThing,
      { masterCaseId: master, trips: expected.trips, firstTime: !expected.corrected },
      'the case API shows the same figures over the 一件事',
    );
    t.equal((await view(master)).oneThing.cases.length, 1 + DEPARTMENT_KEYS.length);
    const metrics = await app.inject({
      method: 'GET',
      url: `/api/processes/${MASTER}/versions/2/metrics`,
      headers: bearer(TOKENS.auditor),
    });
    t.match(metrics.json().dynamic, {
      completed: 1,
      meanTrips: expected.trips,
      firstTimeRate: expected.corrected ? 0 : 1,
    });
    const compare = await app.inject({
      method: 'GET',
      url: `/api/processes/${MASTER}/compare?from=1&to=2`,
      headers: bearer(TOKENS.auditor),
    });
    const { before, after } = compare.json();
    t.ok(after.static.trips < before.static.trips, `trips ${before.static.trips} → ${after.static.trips}`);
    t.ok(
      after.static.timeLimitDays < before.static.timeLimitDays,
      `time limit ${before.static.timeLimitDays} → ${after.static.timeLimitDays} working days`,
    );
    t.same(after.static, await endToEnd(AFTER), 'the stored figures of the master follow its messages');
  },
);
