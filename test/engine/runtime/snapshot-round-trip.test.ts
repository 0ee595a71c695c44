// Persistence: a case continued from a JSON copy of its snapshot, taken at every wait state, ends exactly as
// the case run without interruption; runs are deterministic; execute() never touches the snapshot it is given.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { getDefaultCalendar } from '../../../engine/calendar/index.js';
import { BpmnError, type ServiceHandler } from '../../../engine/elements/context.js';
import type { CaseCommand, CaseEvent, CaseSnapshot, Variables } from '../../../engine/elements/state.js';
import {
  type CompiledDefinition,
  compileDefinition,
  definitionSet,
} from '../../../engine/runtime/definition.js';
import { execute } from '../../../engine/runtime/execute.js';
import { HOUR, processXml, T0 } from '../elements/harness.js';

/** One step of a script: the command to apply to the case as it stands, at instant `at` or `after` ms more. */
type Step = (snapshot: CaseSnapshot) => { command: CaseCommand; at?: number; after?: number };

const complete =
  (elementId: string, variables: Variables = {}, nth = 0): Step =>
  (snapshot) => {
    const open = Object.values(snapshot.activities).filter(
      (a) => a.elementId === elementId && a.wait === 'task',
    );
    if (!open[nth]) throw new Error(`no open task ${nth} of '${elementId}'`);
    return { command: { type: 'completeTask', taskId: open[nth].id, variables } };
  };
const message =
  (name: string, variables: Variables = {}): Step =>
  () => ({ command: { type: 'deliverMessage', name, variables } });
const signal =
  (name: string): Step =>
  () => ({ command: { type: 'signal', name } });
/** Fires the earliest pending timer of `elementId` at its due instant. */
const fire =
  (elementId: string): Step =>
  (snapshot) => {
    const timer = Object.values(snapshot.timers)
      .filter((x) => x.elementId === elementId)
      .sort((a, b) => a.dueAt - b.dueAt)[0];
    if (!timer) throw new Error(`no pending timer of '${elementId}'`);
    return { command: { type: 'fireTimer', timerId: timer.id }, at: timer.dueAt };
  };
/** The step, `ms` later. */
const later =
  (ms: number, step: Step): Step =>
  (snapshot) => ({ ...step(snapshot), after: ms });

interface Scenario {
  name: string;
  fixture: string;
  /** Processes to deploy, called ones first; the last is started. */
  keys: string[];
  variables?: Variables;
  script: Step[];
  handlers?: Record<string, ServiceHandler>;
  calendar?: boolean;
  /** The final status the script leads to. */
  status: CaseSnapshot['status'];
}

const reviewers = ['市场监管局', '消防救援支队'];
const scenarios: Scenario[] = [
  {
    name: 'user tasks, a lane, a calendar and a 会签 multi-instance',
    fixture: 'user-task.bpmn',
    keys: ['licence_review'],
    variables: { reviewers },
    calendar: true,
    script: [
      later(HOUR, complete('accept')),
      complete('review', { ok: true }),
      later(2 * HOUR, complete('joint_review', {}, 1)),
      complete('joint_review'),
    ],
    status: 'completed',
  },
  {
    name: 'a receive task waiting for a message',
    fixture: 'receive-task.bpmn',
    keys: ['await_payment'],
    script: [later(HOUR, message('缴费到账', { amount: 200 })), complete('issue')],
    status: 'completed',
  },
  {
    name: 'timers: duration and date catch events',
    fixture: 'intermediate-catch-event.bpmn',
    keys: ['timers'],
    script: [fire('publicity'), fire('hearing_day'), fire('next_slot')],
    status: 'completed',
  },
  {
    name: 'a non-interrupting cycle timer boundary event',
    fixture: 'boundary-event.bpmn',
    keys: ['sla_reminders'],
    script: [fire('sla'), fire('sla'), later(HOUR, complete('approve'))],
    status: 'completed',
  },
  {
    name: 'an event-based gateway where the message wins',
    fixture: 'event-based-gateway.bpmn',
    keys: ['await_supplement'],
    script: [
      complete('request'),
      later(HOUR, message('补正材料', { supplement: ['营业执照'] })),
      complete('review'),
    ],
    status: 'completed',
  },
  {
    name: 'an event-based gateway where the timer wins',
    fixture: 'event-based-gateway.bpmn',
    keys: ['await_supplement'],
    script: [complete('request'), fire('deadline')],
    status: 'completed',
  },
  {
    name: 'an embedded subprocess',
    fixture: 'sub-process.bpmn',
    keys: ['site_visit'],
    script: [complete('inspect', { findings: 0 }), complete('decide')],
    status: 'completed',
  },
  {
    name: 'an error boundary on a subprocess',
    fixture: 'boundary-event.bpmn',
    keys: ['safety_check'],
    script: [complete('hygiene'), complete('fire_safety', { hazard: true }), complete('rectify')],
    status: 'completed',
  },
  {
    name: 'a multi-instance with a completion condition',
    fixture: 'multi-instance.bpmn',
    keys: ['two_of_three'],
    variables: { experts: ['张教授', '李研究员', '王工'] },
    script: [complete('expert', {}, 2), later(HOUR, complete('expert'))],
    status: 'completed',
  },
  {
    name: 'a sequential multi-instance',
    fixture: 'multi-instance.bpmn',
    keys: ['copies_sequential'],
    script: [complete('countersign'), complete('countersign'), complete('countersign')],
    status: 'completed',
  },
  {
    name: 'a call activity',
    fixture: 'call-activity.bpmn',
    keys: ['fire_approval', 'venue_licence'],
    variables: { venue: '星光影院' },
    script: [complete('fire_inspect', { passed: true }), complete('issue')],
    status: 'completed',
  },
  {
    name: 'an interrupting message event subprocess',
    fixture: 'event-sub-process.bpmn',
    keys: ['withdrawal'],
    script: [complete('review'), message('撤回申请'), complete('refund')],
    status: 'completed',
  },
  {
    name: 'a non-interrupting timer event subprocess',
    fixture: 'event-sub-process.bpmn',
    keys: ['reminders'],
    script: [fire('slow'), complete('approve'), complete('urge')],
    status: 'completed',
  },
  {
    name: 'a signal event subprocess started twice',
    fixture: 'signal.bpmn',
    keys: ['suspendable'],
    script: [
      signal('暂停办理'),
      signal('暂停办理'),
      complete('notify_suspension', {}, 1),
      complete('process_case'),
      complete('notify_suspension'),
    ],
    status: 'completed',
  },
  {
    name: 'a parallel join holding a second token for its next firing',
    fixture: 'parallel-gateway.bpmn',
    keys: ['looping_join'],
    script: [
      complete('submit', { moreMaterial: true }),
      complete('submit', { moreMaterial: false }),
      complete('approve', { moreApproval: true }),
      complete('approve', { moreApproval: false }),
    ],
    status: 'completed',
  },
  {
    name: 'an OR-join waiting for a user task',
    fixture: 'inclusive-gateway.bpmn',
    keys: ['reachable_wait'],
    variables: { a: true, b: true },
    script: [complete('late_review')],
    status: 'completed',
  },
  {
    name: 'a conditional catch event and a variable set by a task',
    fixture: 'conditional-event.bpmn',
    keys: ['wait_for_materials'],
    variables: { materialCount: 0 },
    script: [
      complete('collect_first', { materialCount: 2 }),
      complete('collect', { materialCount: 3 }),
      complete('review'),
    ],
    status: 'completed',
  },
  {
    name: 'a service task whose BpmnError is caught by its boundary event',
    fixture: 'service-task.bpmn',
    keys: ['data_sharing'],
    handlers: {
      fetchLicence: () => {
        throw new BpmnError('NO_RECORD');
      },
    },
    script: [complete('ask_applicant')],
    status: 'completed',
  },
  {
    name: 'an escalation caught beside a running subprocess',
    fixture: 'escalation.bpmn',
    keys: ['difficult_case'],
    script: [complete('consult'), complete('handle')],
    status: 'completed',
  },
  {
    name: 'a case failed by a missing handler',
    fixture: 'service-task.bpmn',
    keys: ['data_sharing'],
    handlers: {},
    script: [],
    status: 'failed',
  },
  {
    name: 'a cancelled case',
    fixture: 'boundary-event.bpmn',
    keys: ['sla_reminders'],
    script: [fire('sla'), () => ({ command: { type: 'cancel', reason: '申请人撤回' } })],
    status: 'cancelled',
  },
];

const fixtures = new Map<string, string>();
const fixtureXml = (name: string): string => {
  if (!fixtures.has(name))
    fixtures.set(name, readFileSync(new URL(`../elements/${name}`, import.meta.url), 'utf8'));
  return fixtures.get(name)!;
};

async function compiled(
  scenario: Scenario,
): Promise<{ definition: CompiledDefinition; definitions: ReturnType<typeof definitionSet> }> {
  const definitions = definitionSet([]);
  let definition: CompiledDefinition | undefined;
  for (const key of scenario.keys) {
    const result = await compileDefinition(processXml(fixtureXml(scenario.fixture), key), { version: 1 });
    if (!result.ok) throw new Error(result.findings.map((f) => f.message).join('\n'));
    definitions.add(result.definition);
    definition = result.definition;
  }
  return { definition: definition!, definitions };
}

/** Freezes a value and everything inside it, so that any write to it throws. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

interface Run {
  /** The snapshot after each command: every wait state of the case. */
  snapshots: CaseSnapshot[];
  events: CaseEvent[];
  final: CaseSnapshot;
  /** Per command: whether the snapshot handed in reads the same afterwards. */
  untouched: boolean[];
}

/**
 * Runs the scenario's script. `copy`: continue each time from a JSON copy of the snapshot (as a database
 * would hand it back) instead of the object execute() returned; the copy is deep-frozen, so that a write to
 * it throws, and compared with its text afterwards.
 */
function drive(
  scenario: Scenario,
  definition: CompiledDefinition,
  definitions: ReturnType<typeof definitionSet>,
  copy: boolean,
): Run {
  const calendar = scenario.calendar ? getDefaultCalendar() : null;
  const options = (now: number) => ({ now, handlers: scenario.handlers, calendar, definitions });
  let now = T0;
  let { snapshot, events } = execute(
    definition,
    null,
    { type: 'start', caseId: 'case-rt', variables: structuredClone(scenario.variables ?? {}) },
    options(now),
  );
  const all = [...events];
  const snapshots = [snapshot];
  const untouched: boolean[] = [];
  for (const step of scenario.script) {
    const current = copy ? deepFreeze(JSON.parse(JSON.stringify(snapshot)) as CaseSnapshot) : snapshot;
    const next = step(current);
    now = next.at ?? now + (next.after ?? 0);
    const before = JSON.stringify(current);
    ({ snapshot, events } = execute(definition, current, structuredClone(next.command), options(now)));
    untouched.push(JSON.stringify(current) === before);
    all.push(...events);
    snapshots.push(snapshot);
  }
  return { snapshots, events: all, final: snapshot, untouched };
}

for (const scenario of scenarios) {
  t.test(`round trip: ${scenario.name}`, async (t) => {
    // given the case run without interruption
    const { definition, definitions } = await compiled(scenario);
    const straight = drive(scenario, definition, definitions, false);
    t.equal(straight.final.status, scenario.status, 'the script leads where it should');
    if (scenario.status !== 'failed') t.same(straight.final.incidents, []);

    // when it is run again, continued each time from a JSON copy of its snapshot
    const resumed = drive(scenario, definition, definitions, true);

    // then every wait state, the final snapshot and every event are the same
    t.ok(resumed.untouched.every(Boolean), 'execute() left each snapshot it was given as it was');
    t.strictSame(
      resumed.snapshots,
      JSON.parse(JSON.stringify(straight.snapshots)),
      'each wait state is plain JSON and the same',
    );
    t.strictSame(resumed.final, straight.final, 'the final snapshot');
    t.strictSame(resumed.events, straight.events, 'the concatenated events');
  });
}

t.test('determinism: the same script twice gives byte-identical snapshots and events', async (t) => {
  for (const scenario of scenarios) {
    // given
    const { definition, definitions } = await compiled(scenario);

    // when
    const first = drive(scenario, definition, definitions, false);
    const second = drive(scenario, definition, definitions, false);

    // then
    t.equal(JSON.stringify(second.snapshots), JSON.stringify(first.snapshots), `${scenario.name}: snapshots`);
    t.equal(JSON.stringify(second.events), JSON.stringify(first.events), `${scenario.name}: events`);
  }
});

t.test('execute() does not modify the snapshot or the command it is given', async (t) => {
  // given a case at its joint review, and a command
  const scenario = scenarios[0];
  const { definition, definitions } = await compiled(scenario);
  const { snapshots } = drive(
    { ...scenario, script: scenario.script.slice(0, 2) },
    definition,
    definitions,
    false,
  );
  const snapshot = snapshots[snapshots.length - 1];
  const command = complete('joint_review', { opinion: { result: '同意', notes: ['无'] } })(snapshot).command;
  const before = structuredClone({ snapshot, command });

  // when
  const result = execute(definition, snapshot, command, { now: T0 + HOUR, definitions });

  // then
  t.strictSame({ snapshot, command }, before);
  t.not(result.snapshot, snapshot);
  t.equal(
    Object.keys(result.snapshot.activities).length,
    Object.keys(snapshot.activities).length - 1,
    'the change is in the new snapshot only',
  );
});
