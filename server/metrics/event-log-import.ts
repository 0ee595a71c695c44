/**
 * Imports a historical event log as completed cases of a version, in ONE transaction: a bad file, an activity
 * that matches no element, or an empty log imports nothing.
 *
 * - Activities are matched to the version's flow nodes (gateways excepted) by element id — the event's own
 *   `reflow:elementId` / `element_id` when it has one — else by id or exact name; a name shared by several
 *   elements is ambiguous. Unmatched activities are listed (422), never guessed.
 * - Events of a trace are taken in time order (file order for equal instants). A `start` opens a step of its
 *   element; a `complete` closes the earliest open one (`ate_abort`/`pi_abort` close it as cancelled). A
 *   `complete` with no open `start` entered when the trace's previous event happened (its own instant for the
 *   first event). A `start` never closed ends cancelled at the trace's last event. Other lifecycle transitions
 *   (schedule, assign, suspend…) are skipped and counted.
 * - A case runs from its first event to its last; its figures are those of engine/metrics/case-figures.ts: its
 *   working time excludes its `gov:pausesClock` steps; trips are its completed in-person steps (a log has no
 *   window start); it is not first time if it reached a `gov:correction` element. The source case id is kept as the business key.
 * - Rollups are built per batch with `reflow_roll_up_cases`, the same SQL the completion trigger runs.
 */
import { randomUUID } from 'node:crypto';
import { type Insertable, sql } from 'kysely';
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import {
  type CaseSnapshot,
  type CompiledDefinition,
  caseWorkingTime,
  countTrips,
  type FlowNode,
  isCorrection,
  stepWorkingMs,
} from '../../engine/index.js';
import type { Db } from '../db/database.js';
import type { CasesTable, StepsTable } from '../db/schema.js';
import { at, type Text } from '../problem-text.js';
import {
  logText,
  sayUnmatchedActivities,
  sayUnmatchedActivity,
  unmatchedReason,
} from '../problem-text-files.js';
import { Problem } from '../problems.js';
import type { ParsedEvent, ParsedTrace } from './event-log-parse.js';

export interface ImportResult {
  imported: number;
  cases: number;
  events: number;
  steps: number;
  skipped: number;
  unmatched: string[];
}

const CLOSING = new Set(['complete', 'ate_abort', 'pi_abort']);
/** The engine event that closes a step of this status (a trip counts the completed ones). */
const stepEvent = (status: string): string => (status === 'completed' ? 'stepCompleted' : 'stepCancelled');
const STANDARD = new Set([
  'schedule',
  'assign',
  'reassign',
  'withdraw',
  'suspend',
  'resume',
  'autoskip',
  'manualskip',
  'unknown',
  'start',
  ...CLOSING,
]);
const BATCH = 500;

/** Finds the element of an event, or says why there is none. */
function matcher(definition: CompiledDefinition) {
  const nodes = Object.values(definition.graph.nodes).filter((n) => !n.type.endsWith('Gateway'));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const byName = new Map<string, FlowNode[]>();
  for (const n of nodes)
    if (n.name?.trim()) byName.set(n.name.trim(), [...(byName.get(n.name.trim()) ?? []), n]);
  return (e: ParsedEvent): FlowNode | Text => {
    if (e.elementId) return byId.get(e.elementId) ?? unmatchedReason.elementNotInModel(e.elementId);
    const node = byId.get(e.activity);
    if (node) return node;
    const named = byName.get(e.activity) ?? [];
    if (named.length === 1) return named[0];
    return named.length === 0
      ? unmatchedReason.noMatch()
      : unmatchedReason.severalNamed(named.map((n) => n.id));
  };
}

/** The rows of a batch of imported cases (types from server/db/schema.ts). */
interface Rows {
  cases: Insertable<CasesTable>[];
  steps: Insertable<StepsTable>[];
}

export async function importEventLog(
  db: Db,
  definition: CompiledDefinition,
  traces: AsyncIterable<ParsedTrace>,
  options: { calendar: WorkingCalendar; newId?: () => string },
): Promise<ImportResult> {
  const { calendar } = options;
  const newId = options.newId ?? randomUUID;
  const match = matcher(definition);
  const unmatched = new Map<string, { reason: Text; count: number; where: Text }>();
  const result: ImportResult = { imported: 0, cases: 0, events: 0, steps: 0, skipped: 0, unmatched: [] };
  const pending: Rows = { cases: [], steps: [] };

  const flush = async (trx: Db) => {
    if (pending.cases.length === 0) return;
    await trx.insertInto('cases').values(pending.cases).execute();
    for (let i = 0; i < pending.steps.length; i += 1000)
      await trx
        .insertInto('steps')
        .values(pending.steps.slice(i, i + 1000))
        .execute();
    await sql`SELECT reflow_roll_up_cases(${pending.cases.map((c) => c.id)}::text[])`.execute(trx);
    pending.cases = [];
    pending.steps = [];
  };

  /** The case and step rows of one trace (all its events matched). */
  const rowsOf = (trace: ParsedTrace, nodes: FlowNode[]) => {
    const caseId = newId();
    const order = trace.events.map((e, i) => ({ e, node: nodes[i] })).sort((a, b) => a.e.at - b.e.at);
    const open = new Map<string, { at: number; department: string | null; resource: string | null }[]>();
    const steps: {
      node: FlowNode;
      entered: number;
      completed: number;
      status: string;
      department: string | null;
      /** Who did it (org:resource): the step's handler. */
      resource: string | null;
    }[] = [];
    let previous: number | null = null;
    for (const { e, node } of order) {
      if (e.lifecycle === 'start')
        open.set(node.id, [
          ...(open.get(node.id) ?? []),
          { at: e.at, department: e.department, resource: e.resource ?? null },
        ]);
      else if (CLOSING.has(e.lifecycle)) {
        const start = open.get(node.id)?.shift();
        const status = e.lifecycle === 'complete' ? 'completed' : 'cancelled';
        steps.push({
          node,
          entered: start?.at ?? previous ?? e.at,
          completed: e.at,
          status,
          department: e.department ?? start?.department ?? null,
          resource: e.resource ?? start?.resource ?? null,
        });
      } else result.skipped++;
      previous = e.at;
    }
    const first = order[0].e.at;
    const last = order[order.length - 1].e.at;
    for (const [id, starts] of open)
      for (const s of starts)
        steps.push({
          node: definition.graph.nodes[id],
          entered: s.at,
          completed: last,
          status: 'cancelled',
          department: s.department,
          resource: s.resource,
        });
    steps.sort((a, b) => a.entered - b.entered);
    const { workingMs, pausedMs } = caseWorkingTime(
      calendar,
      first,
      last,
      steps.map((s) => ({ enteredAt: s.entered, completedAt: s.completed, pausesClock: s.node.pausesClock })),
    );
    // a log has no window start and no messages: its trips are its completed in-person steps
    const trips = countTrips(steps.map((s) => ({ type: stepEvent(s.status), step: s.node })));
    const corrected = steps.some((s) => isCorrection({ type: 'stepEntered', step: s.node }));
    const snapshot: CaseSnapshot = {
      format: 1,
      id: caseId,
      definitionId: definition.id,
      status: 'completed',
      lifecycle: 'completed',
      startedAt: first,
      endedAt: last,
      variables: {},
      scopes: {},
      activities: {},
      subscriptions: [],
      timers: {},
      incidents: [],
      trips,
      corrected,
      seq: 0,
    };
    pending.cases.push({
      id: caseId,
      definition_id: definition.id,
      process_key: definition.key,
      version: definition.version,
      business_key: trace.caseId,
      status: 'completed',
      channel: null,
      materials: '[]',
      snapshot: JSON.stringify(snapshot),
      trips,
      corrected,
      started_at: new Date(first),
      ended_at: new Date(last),
      working_ms: workingMs,
      paused_ms: pausedMs,
      imported: true,
    });
    steps.forEach((s, seq) => {
      const literal = s.node.department && !s.node.department.startsWith('=') ? s.node.department : null;
      pending.steps.push({
        id: newId(),
        case_id: caseId,
        process_key: definition.key,
        version: definition.version,
        element_id: s.node.id,
        name: s.node.name,
        type: s.node.type,
        department: s.department ?? literal,
        status: s.status,
        entered_at: new Date(s.entered),
        completed_at: new Date(s.completed),
        due_at:
          s.node.timeLimit === null ? null : new Date(calendar.addWorkingDays(s.entered, s.node.timeLimit)),
        time_limit: s.node.timeLimit,
        in_person: s.node.inPerson,
        correction: s.node.correction,
        pauses_clock: s.node.pausesClock,
        working_ms: stepWorkingMs(calendar, s.entered, s.completed),
        variables_changed: '[]',
        parent_step_id: null,
        seq,
        handler_id: s.resource,
        handler_name: s.resource,
      });
    });
    result.steps += steps.length;
    result.imported++;
  };

  await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL reflow.rollups = 'manual'`.execute(trx);
    for await (const trace of traces) {
      if (trace.events.length === 0)
        throw new Problem(
          400,
          'invalid-event-log',
          'Invalid event log',
          at(trace.where, logText.traceWithoutEvents()),
        );
      result.events += trace.events.length;
      const nodes: FlowNode[] = [];
      for (const e of trace.events) {
        if (!STANDARD.has(e.lifecycle)) {
          throw new Problem(
            400,
            'invalid-event-log',
            'Invalid event log',
            at(e.where, logText.notStandardLifecycle(e.lifecycle, [...STANDARD])),
          );
        }
        const found = match(e);
        if (!('id' in found)) {
          const seen = unmatched.get(e.elementId ?? e.activity) ?? {
            reason: found,
            count: 0,
            where: e.where,
          };
          seen.count++;
          unmatched.set(e.elementId ?? e.activity, seen);
        } else nodes.push(found);
      }
      if (unmatched.size > 0) continue; // keep reading, to report every unmatched activity; nothing will be written
      rowsOf(trace, nodes);
      if (pending.cases.length >= BATCH) await flush(trx);
    }
    if (unmatched.size > 0) {
      const list = [...unmatched.keys()];
      throw new Problem(
        422,
        'unmatched-activities',
        'Activities match no element',
        sayUnmatchedActivities(list, definition.key, definition.version),
        [...unmatched].map(([activity, u]) => ({
          field: activity,
          type: 'unmatchedActivity',
          message: sayUnmatchedActivity(activity, u.reason, u.count, u.where),
        })),
      );
    }
    if (result.events === 0) throw new Problem(400, 'empty-event-log', 'Empty event log', logText.noEvents());
    await flush(trx);
    const total = await trx
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('process_key', '=', definition.key)
      .where('version', '=', definition.version)
      .executeTakeFirstOrThrow();
    result.cases = Number(total.n);
  });
  return result;
}
