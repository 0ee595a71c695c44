// Messages between simulated cases (engine/simulate/messages.ts): a 一件事 whose master starts department
// processes by messages simulates as the server runs it — each message reaches the oldest wait of its name and
// key, else starts a case of the collaboration (a department case naming the master as its root, transitively),
// else is kept until a wait begins or reported undelivered; the master's figures are its 一件事's
// (oneThingFigures), as the server's case_one_thing gives them for the same cases.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type { Subscription } from '../../engine/elements/state.js';
import { type CompiledDefinition, compileUnit } from '../../engine/runtime/definition.js';
import { includeLinked } from '../../engine/simulate/case-end.js';
import { compileParams, type SimulationParams, simulate, summarise } from '../../engine/simulate/index.js';
import { MessageRouter, messageStartsOf, type SentMessage } from '../../engine/simulate/messages.js';
import type { SimCase } from '../../engine/simulate/sim-case.js';
import type { SimulatedCase } from '../../engine/simulate/types.js';
import { calendar, HOURS_PER_DAY } from './helpers.js';

async function unit(url: URL): Promise<CompiledDefinition[]> {
  const compiled = await compileUnit(readFileSync(url, 'utf8'));
  if (!compiled.ok) throw new Error(`does not compile: ${JSON.stringify(compiled.findings)}`);
  return compiled.definitions.map((d) => ({ ...d, version: 1, id: `${d.key}:1` }));
}

/** Simulates the file's first process with the others as its collaboration. */
function run(definitions: CompiledDefinition[], raw: SimulationParams, cases: number) {
  const [definition, ...collaboration] = definitions;
  const params = compileParams(raw, definition, {
    hoursPerDay: HOURS_PER_DAY,
    called: collaboration.map((d) => d.graph),
  });
  const result = simulate({ definition, collaboration, params, seed: 7, calendar, cases });
  return { params, result, summary: summarise(result, definition, calendar) };
}

t.test(
  'the test 一件事: department cases started by messages, answers back, the rule of its figures',
  async (t) => {
    // given a master started at a window that asks 刻章 and 领票 by messages; 领票 asks 登记 in turn; 刻章 and 登记
    // are in person, 领票 passes a correction step
    const definitions = await unit(new URL('../server/fixtures/messages/one-thing.bpmn', import.meta.url));
    const raw: SimulationParams = {
      arrivals: { ratePerWorkingHour: 1 },
      case: { channel: 'window', businessKey: 'OT-{n}' },
      tasks: {
        make_seal: { duration: 1 },
        tax_fix: { duration: 2 },
        register: { duration: 1 },
        hand_over: { duration: 0.5 },
      },
    };

    // when 20 masters are simulated
    const { params, result, summary } = run(definitions, raw, 20);

    // then no message goes unanswered: every parameter warning is gone and every case completed
    t.same(params.warnings, [], 'messages the cases send need no parameters');
    t.same(result.warnings, []);
    t.equal(result.cases.length, 20);
    t.ok(
      result.cases.every((c) => c.status === 'completed'),
      'every master completed: both answers came back',
    );
    t.equal(result.linked.length, 60, 'three department cases per master');
    for (const master of result.cases) {
      const linked = result.linked.filter((c) => c.rootCaseId === master.id);
      t.same(
        linked.map((c) => c.process).sort(),
        ['ot_seal', 'ot_sub', 'ot_tax'],
        `${master.id}: 刻章, 领票 and (through 领票) 登记 name it as their master`,
      );
      t.ok(
        linked.every((c) => c.status === 'completed' && c.businessKey === master.businessKey),
        'correlated by its business key, completed',
      );
      // the 一件事's figures: the window visit, 刻章 and 登记 in person; 领票's correction makes it not first time
      t.match(master.outcome, { trips: 3, corrected: true });
    }
    t.match(summary.dynamic, { completed: 20, meanTrips: 3, firstTimeRate: 0 });
    t.match(summary.linked, { started: 60, completed: 60 });
    t.same(
      summary.steps
        .filter((s) => ['make_seal', 'tax_fix', 'register'].includes(s.elementId))
        .map((s) => s.count),
      [20, 20, 20],
      "the department cases' steps are counted in the step table",
    );
    t.equal(result.ratings.length, 0, 'no ratings without parameters');
  },
);

t.test(
  'the 企业开办一件事 by messages simulates: five department cases a master, every answer back',
  async (t) => {
    const raw = JSON.parse(
      readFileSync(
        new URL('../../processes/business-startup-one-thing.after.sim.json', import.meta.url),
        'utf8',
      ),
    ) as SimulationParams;
    const definitions = await unit(
      new URL('../../processes/business-startup-one-thing.after.bpmn', import.meta.url),
    );

    // when 50 applicants are simulated
    const { params, result, summary } = run(definitions, raw, 50);

    // then each master started its five department cases and completed with their answers
    t.same(params.warnings, []);
    t.same(summary.cases, { arrived: 50, completed: 50, active: 0, failed: 0, cancelled: 0 });
    t.same(summary.linked, { started: 250, completed: 250 });
    t.same(summary.waiting, [], 'no case left waiting for a message');
    t.ok(
      result.ratings.every((r) => !r.caseId.includes('-samr_')),
      'the applicant rates the master only',
    );
    t.equal(
      result.linked[0].id,
      `${result.cases[0].id}-samr_company_registration`,
      'named by master and process',
    );
  },
);

t.test(
  'the router: oldest wait first, a wait gone is skipped, kept until a wait, starts, undelivered',
  (t) => {
    const kase = (id: string, subs: string[] = []): SimCase =>
      ({
        data: { id },
        ended: false,
        snapshot: { subscriptions: subs.map((s) => ({ id: s })) },
      }) as unknown as SimCase;
    const sub = (id: string, name: string, correlationKey: string | null): Subscription => ({
      id,
      kind: 'message',
      name,
      elementId: 'e',
      activityId: null,
      scopeId: 's',
      correlationKey,
    });
    const sender = kase('sender');
    let sent = 0;
    const message = (name: string, correlationKey: string | null): SentMessage => ({
      id: `sender:${++sent}:0`,
      at: 0,
      kept: false,
      name,
      correlationKey,
      variables: {},
      from: sender,
    });
    const router = new MessageRouter(new Map());
    const a = kase('a', ['s1']);
    const b = kase('b', ['s2']);
    const gone = kase('gone', []);
    t.same(router.wait(gone, sub('s0', 'm', 'K')), []);
    t.same(router.wait(a, sub('s1', 'm', 'K')), []);
    t.same(router.wait(b, sub('s2', 'm', 'K')), []);
    t.match(
      router.route(message('m', 'K')),
      { kind: 'wait', wait: { kase: a } },
      'a wait gone is skipped: a',
    );
    t.match(router.route(message('m', 'K')), { kind: 'wait', wait: { kase: b } }, 'then b');
    t.same(router.route(message('m', 'other')), { kind: 'kept' }, 'another key waits for its own wait');
    t.same(router.route(message('m', null)), { kind: 'kept' }, 'no key is a key of its own');
    const c = kase('c', ['s3']);
    t.same(
      router.wait(c, sub('s3', 'm', 'other')).map((m) => m.correlationKey),
      ['other'],
      'kept until a wait begins: to be sent again',
    );
    t.match(
      router.route(message('m', 'other')),
      { kind: 'wait', wait: { kase: c } },
      'and the wait takes it',
    );
    t.same(
      router.undelivered().map((m) => m.correlationKey),
      [null],
    );
    t.match(router.undeliveredWarnings(), [/message 'm' \(key none\) sent by case sender .*undelivered/]);
    t.equal(new MessageRouter(new Map()).startsProcesses, false);
    t.end();
  },
);

t.test('message starts of a collaboration and the 一件事 rule over linked cases', async (t) => {
  const definitions = await unit(new URL('../server/fixtures/messages/one-thing.bpmn', import.meta.url));
  const starts = messageStartsOf(definitions);
  t.same(
    [...starts].map(([name, ds]) => [name, ds.map((d) => d.key)]),
    [
      ['ot-seal-ask', ['ot_seal']],
      ['ot-tax-ask', ['ot_tax']],
      ['ot-sub-ask', ['ot_sub']],
    ],
  );
  const router = new MessageRouter(starts);
  t.equal(router.startsProcesses, true);
  const sender = { data: { id: 'm' }, ended: false, snapshot: null } as unknown as SimCase;
  const ask = { id: 'm:1:0', at: 0, kept: false, name: 'ot-tax-ask', correlationKey: 'K', variables: {} };
  t.match(router.route({ ...ask, from: sender }), {
    kind: 'start',
    definitions: [{ key: 'ot_tax' }],
  });

  const outcome = (trips: number, corrected: boolean) => ({
    status: 'completed',
    workingMs: 1,
    trips,
    corrected,
    steps: [],
  });
  const masters = [
    { id: 'm1', outcome: outcome(1, false) },
    { id: 'm2', outcome: outcome(0, false) },
  ] as unknown as SimulatedCase[];
  includeLinked(masters, [
    { data: { rootCaseId: 'm1', outcome: outcome(2, false) } as unknown as SimulatedCase, snapshot: null },
    {
      data: { rootCaseId: 'm1', outcome: outcome(0, false) } as unknown as SimulatedCase,
      snapshot: { trips: 1, corrected: true } as never,
    },
    { data: { outcome: outcome(5, true) } as unknown as SimulatedCase, snapshot: null },
  ]);
  t.match(
    masters[0].outcome,
    { trips: 4, corrected: true, workingMs: 1 },
    'an open linked case counts as it stands',
  );
  t.match(masters[1].outcome, { trips: 0, corrected: false }, 'a case of no 一件事 keeps its own');
});
