// Properties of the token router over random block-structured processes: sequences of tasks and user tasks,
// nested parallel, exclusive and inclusive blocks. Every case completes, no token is lost or duplicated at
// a join, and each task runs as often as an independent interpreter of the generated structure predicts.
import fc from 'fast-check';
import t from 'tap';
import type { CaseEvent, CaseSnapshot } from '../../../engine/elements/state.js';
import { compileDefinition } from '../../../engine/runtime/definition.js';
import { execute } from '../../../engine/runtime/execute.js';
import { T0 } from '../elements/harness.js';

/** A condition on the case's integer variable `x` (0..9). */
type Condition = { kind: 'atLeast'; n: number } | { kind: 'modulo'; k: number; r: number };

type Block =
  | { kind: 'task' | 'userTask' }
  | { kind: 'sequence'; items: Block[] }
  | { kind: 'parallel'; branches: Block[] }
  /** Branch i < last is taken when cuts[i-1] ≤ x < cuts[i]; the last branch is the default flow. */
  | { kind: 'exclusive'; branches: Block[]; cuts: number[] }
  /** Each branch but the last is taken when its condition holds; the last is the default flow. */
  | { kind: 'inclusive'; branches: Block[]; conditions: Condition[] };

const X_VALUES = 10;

// ── generating structures ────────────────────────────────────────────────
const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.integer({ min: 0, max: X_VALUES }).map((n) => ({ kind: 'atLeast' as const, n })),
  fc
    .integer({ min: 2, max: 3 })
    .chain((k) => fc.integer({ min: 0, max: k - 1 }).map((r) => ({ kind: 'modulo' as const, k, r }))),
);

const { block } = fc.letrec<{
  block: Block;
  sequence: Block;
  parallel: Block;
  exclusive: Block;
  inclusive: Block;
}>((tie) => ({
  block: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'block' },
    fc.constantFrom<Block>({ kind: 'task' }, { kind: 'userTask' }),
    tie('sequence'),
    tie('parallel'),
    tie('exclusive'),
    tie('inclusive'),
  ),
  sequence: fc
    .array(tie('block'), { minLength: 2, maxLength: 3 })
    .map((items): Block => ({ kind: 'sequence', items })),
  parallel: fc
    .array(tie('block'), { minLength: 2, maxLength: 3 })
    .map((branches): Block => ({ kind: 'parallel', branches })),
  exclusive: fc.array(tie('block'), { minLength: 2, maxLength: 3 }).chain((branches) =>
    fc
      .uniqueArray(fc.integer({ min: 1, max: X_VALUES - 1 }), {
        minLength: branches.length - 1,
        maxLength: branches.length - 1,
      })
      .map((cuts): Block => ({ kind: 'exclusive', branches, cuts: [...cuts].sort((a, b) => a - b) })),
  ),
  inclusive: fc
    .array(tie('block'), { minLength: 2, maxLength: 4 })
    .chain((branches) =>
      fc
        .array(condition, { minLength: branches.length - 1, maxLength: branches.length - 1 })
        .map((conditions): Block => ({ kind: 'inclusive', branches, conditions })),
    ),
}));

/** Flow nodes the block turns into: activities and gateways. */
function size(b: Block): number {
  switch (b.kind) {
    case 'task':
    case 'userTask':
      return 1;
    case 'sequence':
      return b.items.reduce((n, item) => n + size(item), 0);
    default:
      return 2 + b.branches.reduce((n, branch) => n + size(branch), 0);
  }
}

const SMALL = 25;
const structure = block.filter((b) => size(b) >= 3 && size(b) <= SMALL);

// ── the structure as BPMN ────────────────────────────────────────────────
const feel = (c: Condition): string =>
  c.kind === 'atLeast' ? `x &gt;= ${c.n}` : `modulo(x, ${c.k}) = ${c.r}`;

/** BPMN XML of `start → root → end`; activity ids are `task_<n>` / `user_<n>` in document order. */
function toXml(root: Block): string {
  const lines: string[] = [];
  let n = 0;
  let flows = 0;
  const flow = (source: string, target: string, attrs: { id?: string; condition?: string } = {}): void => {
    const id = attrs.id ?? `flow_${++flows}`;
    lines.push(
      attrs.condition
        ? `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}"><bpmn:conditionExpression>${attrs.condition}</bpmn:conditionExpression></bpmn:sequenceFlow>`
        : `<bpmn:sequenceFlow id="${id}" sourceRef="${source}" targetRef="${target}" />`,
    );
  };
  /** Emits the block; returns its entry and exit node ids. */
  const emit = (b: Block): [string, string] => {
    switch (b.kind) {
      case 'task':
      case 'userTask': {
        const id = `${b.kind === 'task' ? 'task' : 'user'}_${++n}`;
        lines.push(
          b.kind === 'task'
            ? `<bpmn:task id="${id}" />`
            : `<bpmn:userTask id="${id}" gov:department="科室${n % 3}" />`,
        );
        return [id, id];
      }
      case 'sequence': {
        const parts = b.items.map(emit);
        for (let i = 1; i < parts.length; i++) flow(parts[i - 1][1], parts[i][0]);
        return [parts[0][0], parts[parts.length - 1][1]];
      }
      default: {
        const type = `${b.kind}Gateway`;
        const split = `${b.kind}_split_${++n}`;
        const join = `${b.kind}_join_${n}`;
        const defaultFlow = b.kind === 'parallel' ? null : `${split}_default`;
        lines.push(
          `<bpmn:${type} id="${split}"${defaultFlow ? ` default="${defaultFlow}"` : ''} />`,
          `<bpmn:${type} id="${join}" />`,
        );
        b.branches.forEach((branch, i) => {
          const [entry, exit] = emit(branch);
          const last = i === b.branches.length - 1;
          if (b.kind === 'parallel') flow(split, entry);
          else if (last) flow(split, entry, { id: defaultFlow! });
          else if (b.kind === 'exclusive') {
            const from = i === 0 ? 0 : b.cuts[i - 1];
            flow(split, entry, { condition: `x &gt;= ${from} and x &lt; ${b.cuts[i]}` });
          } else flow(split, entry, { condition: feel(b.conditions[i]) });
          flow(exit, join);
        });
        return [split, join];
      }
    }
  };
  const [entry, exit] = emit(root);
  flow('start', entry);
  flow(exit, 'end');
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:gov="urn:reflow:gov:1" id="generated_defs" targetNamespace="urn:reflow:test">
  <bpmn:process id="generated" isExecutable="true">
    <bpmn:startEvent id="start" />
    ${lines.join('\n    ')}
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
}

// ── the independent interpreter ──────────────────────────────────────────
const holds = (c: Condition, x: number): boolean => (c.kind === 'atLeast' ? x >= c.n : x % c.k === c.r);

/** How many times each activity completes for a case with this `x`; numbering as in toXml. */
function predict(root: Block, x: number): Map<string, number> {
  const counts = new Map<string, number>();
  let n = 0;
  /** Walks the whole block for numbering; counts only when `runs`. */
  const walk = (b: Block, runs: boolean): void => {
    switch (b.kind) {
      case 'task':
      case 'userTask': {
        const id = `${b.kind === 'task' ? 'task' : 'user'}_${++n}`;
        counts.set(id, runs ? 1 : 0);
        return;
      }
      case 'sequence':
        for (const item of b.items) walk(item, runs);
        return;
      case 'parallel':
        n++;
        for (const branch of b.branches) walk(branch, runs);
        return;
      case 'exclusive': {
        n++;
        const chosen = b.cuts.findIndex((cut) => x < cut);
        const index = chosen === -1 ? b.branches.length - 1 : chosen;
        for (const [i, branch] of b.branches.entries()) walk(branch, runs && i === index);
        return;
      }
      case 'inclusive': {
        n++;
        const taken = b.conditions.map((c) => holds(c, x));
        const none = !taken.some(Boolean);
        for (const [i, branch] of b.branches.entries())
          walk(branch, runs && (i < taken.length ? taken[i] : none));
        return;
      }
    }
  };
  walk(root, true);
  return counts;
}

// ── running a case ───────────────────────────────────────────────────────
interface Outcome {
  final: CaseSnapshot;
  events: CaseEvent[];
  /** Whether, at every wait state, the case waited on open user tasks only. */
  waitsOnTasksOnly: boolean;
}

async function runCase(root: Block, x: number, choices: number[]): Promise<Outcome> {
  const compiled = await compileDefinition(toXml(root));
  if (!compiled.ok) throw new Error(compiled.findings.map((f) => `${f.elementId}: ${f.message}`).join('\n'));
  const definition = compiled.definition;
  let now = T0;
  let { snapshot, events } = execute(
    definition,
    null,
    { type: 'start', caseId: 'case-p', variables: { x } },
    { now },
  );
  const all = [...events];
  let waitsOnTasksOnly = true;
  for (let i = 0; snapshot.status === 'active' && i < 100; i++) {
    const open = Object.values(snapshot.activities);
    if (open.length === 0) break; // stuck: no token can move
    if (open.some((a) => a.wait !== 'task')) {
      waitsOnTasksOnly = false;
      break;
    }
    const task = open[choices[i % choices.length] % open.length];
    now += 60_000;
    ({ snapshot, events } = execute(
      definition,
      snapshot,
      { type: 'completeTask', taskId: task.id },
      { now },
    ));
    all.push(...events);
  }
  return { final: snapshot, events: all, waitsOnTasksOnly };
}

const countBy = (events: CaseEvent[], type: 'stepEntered' | 'stepCompleted'): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const e of events)
    if (e.type === type) counts.set(e.step.elementId, (counts.get(e.step.elementId) ?? 0) + 1);
  return counts;
};

t.test('every random block-structured case completes, each task running as often as predicted', async (t) => {
  // given random structures, a random x and a random order of completing the open user tasks
  await fc.assert(
    fc.asyncProperty(
      structure,
      fc.integer({ min: 0, max: X_VALUES - 1 }),
      fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 20 }),
      async (root, x, choices) => {
        // when the case runs, completing one open user task at a time
        const { final, events, waitsOnTasksOnly } = await runCase(root, x, choices);

        // then it waited only on open user tasks and ended completed, with nothing left behind
        const incidents = events.filter((e) => e.type === 'incidentRaised');
        if (incidents.length > 0) throw new Error(`incident: ${JSON.stringify(incidents)}`);
        if (!waitsOnTasksOnly)
          throw new Error(
            `the case waits on something else than user tasks: ${JSON.stringify(final.activities)}`,
          );
        if (final.status !== 'completed')
          throw new Error(
            `case ${final.status}, tokens left at joins: ${JSON.stringify(Object.values(final.scopes).map((s) => s.joins))}`,
          );
        if (Object.keys(final.activities).length > 0 || Object.keys(final.scopes).length > 0)
          throw new Error('instances or scopes left');

        // and each activity was entered and completed exactly as often as the structure says
        const predicted = predict(root, x);
        const completed = countBy(events, 'stepCompleted');
        const entered = countBy(events, 'stepEntered');
        for (const [id, count] of predicted) {
          if ((completed.get(id) ?? 0) !== count)
            throw new Error(`${id} completed ${completed.get(id) ?? 0} times, predicted ${count}`);
          if ((entered.get(id) ?? 0) !== count)
            throw new Error(`${id} entered ${entered.get(id) ?? 0} times, predicted ${count}`);
        }
        for (const id of completed.keys()) if (!predicted.has(id)) throw new Error(`unexpected step ${id}`);
        if (events.filter((e) => e.type === 'caseCompleted').length !== 1)
          throw new Error('caseCompleted not exactly once');
      },
    ),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 100) },
  );
  t.pass('100 random cases');
});

t.test('the generator covers every block kind and stays within 25 nodes', async (t) => {
  // given a sample of generated structures
  const sample = fc.sample(structure, { numRuns: 200, seed: 7 });
  const kinds = new Set<string>();
  const visit = (b: Block): void => {
    kinds.add(b.kind);
    if (b.kind === 'sequence') b.items.forEach(visit);
    else if ('branches' in b) b.branches.forEach(visit);
  };
  // when
  sample.forEach(visit);
  // then
  t.same([...kinds].sort(), ['exclusive', 'inclusive', 'parallel', 'sequence', 'task', 'userTask']);
  t.ok(sample.every((b) => size(b) >= 3 && size(b) <= SMALL));
  t.ok(
    sample.some((b) => size(b) >= 12),
    'some are large',
  );
});

t.test('the interpreter itself: a worked example', async (t) => {
  // given user_1; inclusive(x ≥ 5 → task_3, modulo(x, 2) = 0 → parallel(user_5, task_6), default → task_7)
  const root: Block = {
    kind: 'sequence',
    items: [
      { kind: 'userTask' },
      {
        kind: 'inclusive',
        conditions: [
          { kind: 'atLeast', n: 5 },
          { kind: 'modulo', k: 2, r: 0 },
        ],
        branches: [
          { kind: 'task' },
          { kind: 'parallel', branches: [{ kind: 'userTask' }, { kind: 'task' }] },
          { kind: 'task' },
        ],
      },
    ],
  };
  // when / then
  t.same(Object.fromEntries(predict(root, 6)), { user_1: 1, task_3: 1, user_5: 1, task_6: 1, task_7: 0 });
  t.same(Object.fromEntries(predict(root, 3)), { user_1: 1, task_3: 0, user_5: 0, task_6: 0, task_7: 1 });
  const { final, events } = await runCase(root, 6, [1, 0]);
  t.equal(final.status, 'completed');
  t.same(Object.fromEntries(countBy(events, 'stepCompleted')), {
    user_1: 1,
    task_3: 1,
    task_6: 1,
    user_5: 1,
  });
});
