// Over 400 lines: every check of one case, each a named step over one replay of its audit events.
/**
 * The checks of one case (server/audit/verify.ts reads the cases and reports): its audit hash chain recomputed
 * from the genesis hash, then the case row, its engine state, steps, tasks and timers against what the audit
 * events say, each a named step over one replay of the events.
 */
import type { Selectable } from 'kysely';
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import { caseWorkingTime, isCorrection, isTrip } from '../../engine/index.js';
import type { AuditEventsTable, CasesTable, StepsTable, TasksTable, TimersTable } from '../db/schema.js';
import { auditHash, canonicalJson, GENESIS_HASH } from '../store/audit-log.js';

export type BreakKind =
  | 'chain'
  | 'head'
  | 'case'
  | 'variable'
  | 'snapshot'
  | 'step'
  | 'task'
  | 'timer'
  | 'warning';

/** The first broken link of a case. */
export interface BrokenLink {
  caseId: string;
  process: string;
  version: number;
  /** The audit event at which the case breaks: the first bad or missing event of the chain, or the event a row contradicts (null: a row no event accounts for). */
  seq: number | null;
  /** That event's type, when it exists. */
  eventType: string | null;
  kind: BreakKind;
  /** The table holding what differs. */
  table: 'audit_events' | 'cases' | 'steps' | 'tasks' | 'timers' | 'warnings';
  /** The row that differs (step, task or timer id). */
  rowId?: string;
  elementId?: string;
  field?: string;
  /** What the audit log says. */
  expected?: unknown;
  /** What the table holds. */
  actual?: unknown;
  message: string;
  /** Further differences found in the same case. */
  more: number;
}

export type Problem = Omit<BrokenLink, 'caseId' | 'process' | 'version' | 'more'>;

/** The columns verify reads of each table (types from server/db/schema.ts). */
export type CaseRow = Pick<
  Selectable<CasesTable>,
  | 'id'
  | 'process_key'
  | 'version'
  | 'status'
  | 'started_at'
  | 'ended_at'
  | 'working_ms'
  | 'paused_ms'
  | 'trips'
  | 'corrected'
  | 'imported'
  | 'audit_seq'
  | 'audit_hash'
  | 'snapshot' // the engine's state of the case: what its next command starts from
>;
export type AuditRow = Selectable<AuditEventsTable>;
export type StepRow = Pick<
  Selectable<StepsTable>,
  | 'id'
  | 'case_id'
  | 'element_id'
  | 'type'
  | 'department'
  | 'status'
  | 'entered_at'
  | 'completed_at'
  | 'due_at'
  | 'working_ms'
  | 'in_person'
  | 'correction'
  | 'pauses_clock'
>;
export type TaskRow = Pick<
  Selectable<TasksTable>,
  | 'id'
  | 'case_id'
  | 'element_id'
  | 'department'
  | 'status'
  | 'created_at'
  | 'due_at'
  | 'completed_at'
  | 'claimed_by'
  | 'handler_id'
  | 'handler_name'
  | 'transfers'
>;
export type TimerRow = Pick<Selectable<TimersTable>, 'id' | 'case_id' | 'element_id' | 'due_at'>;

/** The step and task records as events carry them (engine/elements/state.ts), read defensively. */
interface StepPayload {
  id: string;
  elementId: string;
  type: string;
  department: string | null;
  status: string;
  enteredAt: number;
  completedAt: number | null;
  dueAt: number | null;
  inPerson: boolean;
  correction: boolean;
  pausesClock: boolean;
}

const iso = (ms: number | null | undefined): string | null =>
  typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : null;
const isoOf = (d: Date | null): string | null => (d ? d.toISOString() : null);
const num = (v: string | number | bigint | null): number | null => (v === null ? null : Number(v));
const short = (hash: string | null | undefined): string => (hash ? `${hash.slice(0, 12)}…` : String(hash));
const show = (v: unknown): string =>
  v === null || v === undefined ? 'null' : typeof v === 'string' ? v : JSON.stringify(v);
const obj = (v: unknown): Record<string, any> =>
  v && typeof v === 'object' ? (v as Record<string, any>) : {};

/** Recomputes the chain from the genesis hash; returns the first broken link, or null when it verifies. */
function checkChain(c: CaseRow, audit: AuditRow[]): Problem | null {
  let prev = GENESIS_HASH;
  for (let i = 0; i < audit.length; i++) {
    const a = audit[i];
    const expected = i + 1;
    if (a.seq !== expected) {
      return {
        seq: expected,
        eventType: null,
        kind: 'chain',
        table: 'audit_events',
        field: 'seq',
        expected,
        actual: a.seq,
        message:
          a.seq > expected
            ? `audit event ${expected}${a.seq - 1 > expected ? `–${a.seq - 1}` : ''} ${a.seq - 1 > expected ? 'are' : 'is'} missing: the chain goes from event ${expected - 1} to event ${a.seq}`
            : `audit event ${a.seq} appears out of order at position ${expected}`,
      };
    }
    if (a.prev_hash !== prev) {
      return {
        seq: a.seq,
        eventType: a.type,
        kind: 'chain',
        table: 'audit_events',
        field: 'prev_hash',
        expected: prev,
        actual: a.prev_hash,
        message: `audit event ${a.seq} (${a.type}) links to ${short(a.prev_hash)}, but the ${a.seq === 1 ? 'genesis hash' : `hash of event ${a.seq - 1}`} is ${short(prev)}`,
      };
    }
    const hash = auditHash(prev, c.id, a.seq, { type: a.type, at: a.at, actor: a.actor, payload: a.payload });
    if (hash !== a.hash) {
      return {
        seq: a.seq,
        eventType: a.type,
        kind: 'chain',
        table: 'audit_events',
        field: 'hash',
        expected: hash,
        actual: a.hash,
        message: `audit event ${a.seq} (${a.type}) was altered: its content hashes to ${short(hash)}, the chain holds ${short(a.hash)}`,
      };
    }
    prev = a.hash;
  }
  const lastSeq = audit.length;
  if (c.audit_seq !== lastSeq || c.audit_hash !== prev) {
    const missing = c.audit_seq > lastSeq;
    return {
      seq: missing ? lastSeq + 1 : lastSeq === 0 ? null : lastSeq,
      eventType: missing || lastSeq === 0 ? null : audit[lastSeq - 1].type,
      kind: 'head',
      table: 'cases',
      field: c.audit_seq !== lastSeq ? 'audit_seq' : 'audit_hash',
      expected: c.audit_seq !== lastSeq ? lastSeq : prev,
      actual: c.audit_seq !== lastSeq ? c.audit_seq : c.audit_hash,
      message:
        lastSeq === 0
          ? `the case has no audit events, but its row says the chain ends at event ${c.audit_seq} (${short(c.audit_hash)})`
          : missing
            ? `audit event ${lastSeq + 1}${c.audit_seq > lastSeq + 1 ? `–${c.audit_seq}` : ''} ${c.audit_seq > lastSeq + 1 ? 'are' : 'is'} missing: the case row says the chain ends at event ${c.audit_seq} (${short(c.audit_hash)}), the log ends at event ${lastSeq}`
            : `the case row's chain head (event ${c.audit_seq}, ${short(c.audit_hash)}) does not match the log's last event ${lastSeq} (${short(prev)})`,
    };
  }
  return null;
}

/** What the audit events say of a case, replayed once: the rows and the state they imply. */
interface Replay {
  stepEvents: Map<string, { step: StepPayload; seq: number; enteredSeq: number }>;
  taskEvents: Map<
    string,
    {
      task: Record<string, any>;
      createdSeq: number;
      status: string;
      completedAt: number | null;
      statusSeq: number;
      /** People (server/people/work-items.ts): who holds it, who completed it, where it was transferred. */
      department?: string | null;
      claimedBy?: string | null;
      handler?: { userId: string; name: string } | null;
      transfers?: number;
      peopleSeq?: number;
    }
  >;
  timerEvents: Map<string, { timer: Record<string, any>; seq: number }>;
  started: { seq: number; at: number } | null;
  ended: { seq: number; status: string; at: number } | null;
  /** The case's status and end as the events say. */
  status: string;
  endedAt: number | null;
  trips: number;
  tripsSeq: number | null;
  corrected: boolean;
  correctedSeq: number | null;
  /** The case variables as the events set them. */
  variables: Map<string, { value: unknown; seq: number }>;
}

/** Where a case's problems go: a problem as found, or a field that differs from what the audit log says. */
interface Findings {
  problems: Problem[];
  typeOf: (seq: number | null) => string | null;
  differ: (p: Omit<Problem, 'eventType' | 'message'> & { what: string }) => void;
}

function findingsOf(audit: AuditRow[]): Findings {
  const problems: Problem[] = [];
  const typeOf = (seq: number | null) => (seq === null ? null : (audit[seq - 1]?.type ?? null));
  const differ = (p: Omit<Problem, 'eventType' | 'message'> & { what: string }) => {
    const { what, ...rest } = p;
    const said = p.seq === null ? '' : ` (event ${p.seq} ${typeOf(p.seq)})`;
    problems.push({
      ...rest,
      eventType: typeOf(p.seq),
      message: `${what}: ${p.field} is ${show(p.actual)} in the ${p.table} table, but the audit log says ${show(p.expected)}${said}`,
    });
  };
  return { problems, typeOf, differ };
}

/** Replays the (verified) audit events in order; a completion of a task never created is a problem. */
function replay(audit: AuditRow[], problems: Problem[]): Replay {
  // The rows the audit events imply are derived here from the stored events, on purpose NOT with the fold the
  // writer uses (engine/history/case-rows.ts): like the hashes recomputed above, an independent reading is what
  // lets verify catch a fault of the writer's own fold.
  const stepEvents = new Map<string, { step: StepPayload; seq: number; enteredSeq: number }>();
  const taskEvents = new Map<
    string,
    {
      task: Record<string, any>;
      createdSeq: number;
      status: string;
      completedAt: number | null;
      statusSeq: number;
      /** People (server/people/work-items.ts): who holds it, who completed it, where it was transferred. */
      department?: string | null;
      claimedBy?: string | null;
      handler?: { userId: string; name: string } | null;
      transfers?: number;
      peopleSeq?: number;
    }
  >();
  const timerEvents = new Map<string, { timer: Record<string, any>; seq: number }>();
  let started: { seq: number; at: number } | null = null;
  let ended: { seq: number; status: string; at: number } | null = null;
  let trips = 0;
  let tripsSeq: number | null = null;
  let corrected = false;
  let correctedSeq: number | null = null;
  /** The case variables as the events set them: the start's, then every change in order (the engine's setVariables). */
  const variables = new Map<string, { value: unknown; seq: number }>();
  const setVariables = (values: unknown, seq: number) => {
    for (const [name, value] of Object.entries(obj(values))) variables.set(name, { value, seq });
  };
  for (const a of audit) {
    const p = obj(a.payload);
    switch (a.type) {
      case 'caseStarted':
        started = { seq: a.seq, at: p.at };
        setVariables(p.variables, a.seq);
        if (isTrip({ type: a.type, channel: p.channel })) [trips, tripsSeq] = [trips + 1, a.seq];
        break;
      case 'variablesChanged':
        setVariables(p.changes, a.seq);
        break;
      case 'stepEntered':
      case 'stepCompleted':
      case 'stepCancelled':
      case 'stepFailed': {
        const step = obj(p.step) as StepPayload;
        const known = stepEvents.get(step.id);
        stepEvents.set(step.id, { step, seq: a.seq, enteredSeq: known?.enteredSeq ?? a.seq });
        if (isCorrection({ type: a.type, step }) && !corrected) [corrected, correctedSeq] = [true, a.seq];
        if (isTrip({ type: a.type, step })) [trips, tripsSeq] = [trips + 1, a.seq];
        break;
      }
      case 'taskCreated': {
        const task = obj(p.task);
        taskEvents.set(task.id, {
          task,
          createdSeq: a.seq,
          status: 'open',
          completedAt: null,
          statusSeq: a.seq,
        });
        break;
      }
      case 'taskCompleted':
      case 'taskCancelled': {
        const known = taskEvents.get(p.taskId);
        if (!known) {
          problems.push({
            seq: a.seq,
            eventType: a.type,
            kind: 'task',
            table: 'tasks',
            rowId: p.taskId,
            message: `event ${a.seq} (${a.type}) names task ${p.taskId}, which no taskCreated event created`,
          });
          break;
        }
        Object.assign(known, {
          status: a.type === 'taskCompleted' ? 'completed' : 'cancelled',
          completedAt: p.at,
          statusSeq: a.seq,
        });
        if (a.type === 'taskCompleted' && p.handler) {
          // a completion by a person names its handler, and claims the task for them when nobody held it
          known.handler = { userId: p.handler.userId, name: p.handler.name };
          known.claimedBy = known.claimedBy ?? p.handler.userId;
          known.peopleSeq = a.seq;
        }
        break;
      }
      case 'taskClaimed':
      case 'taskReleased':
      case 'taskAssigned':
      case 'taskTransferred': {
        const known = taskEvents.get(p.taskId);
        if (!known) break;
        known.claimedBy = p.claimedBy?.userId ?? null;
        known.peopleSeq = a.seq;
        if (a.type === 'taskTransferred') {
          known.transfers = (known.transfers ?? 0) + 1;
          const department = p.to?.department ?? null;
          known.department = department;
          const step = stepEvents.get(p.taskId);
          if (step) step.step = { ...step.step, department };
        }
        break;
      }
      case 'timerScheduled': {
        const timer = obj(p.timer);
        timerEvents.set(timer.id, { timer, seq: a.seq });
        break;
      }
      case 'timerFired':
      case 'timerCancelled':
        timerEvents.delete(p.timerId);
        break;
      case 'dueDatesMoved': {
        // a holiday calendar year loaded (server/calendar/recompute.ts): open steps, their tasks and timers moved
        for (const m of Array.isArray(p.steps) ? p.steps : []) {
          const step = stepEvents.get(m.id);
          if (step) step.step = { ...step.step, dueAt: m.dueAt };
          const task = taskEvents.get(m.id);
          if (task) task.task = { ...task.task, dueAt: m.dueAt };
        }
        for (const m of Array.isArray(p.timers) ? p.timers : []) {
          const timer = timerEvents.get(m.id);
          if (timer) timerEvents.set(m.id, { timer: { ...timer.timer, dueAt: m.dueAt }, seq: a.seq });
        }
        break;
      }
      case 'messageReceived':
        if (isTrip({ type: a.type, channel: p.channel })) [trips, tripsSeq] = [trips + 1, a.seq];
        break;
      case 'caseCompleted':
        ended = { seq: a.seq, status: 'completed', at: p.at };
        break;
      case 'caseCancelled':
        ended = { seq: a.seq, status: 'cancelled', at: p.at };
        break;
      case 'caseFailed':
        ended = { seq: a.seq, status: 'failed', at: p.at };
        break;
      default:
        break;
    }
  }

  return {
    stepEvents,
    taskEvents,
    timerEvents,
    started,
    ended,
    status: ended?.status ?? 'active',
    endedAt: ended ? ended.at : null,
    trips,
    tripsSeq,
    corrected,
    correctedSeq,
    variables,
  };
}

/** The case row: its start, status, end, trips, correction and working time. */
function checkCaseRow(c: CaseRow, r: Replay, calendar: WorkingCalendar, f: Findings): void {
  const { started, ended, status, endedAt, trips, tripsSeq, corrected, correctedSeq, stepEvents } = r;
  const { problems, typeOf, differ } = f;
  // the case row
  const caseWhat = `case ${c.id}`;
  if (!started) {
    problems.push({
      seq: 1,
      eventType: typeOf(1),
      kind: 'case',
      table: 'audit_events',
      message: `the audit log has no caseStarted event`,
    });
  } else if (c.started_at.getTime() !== started.at) {
    differ({
      seq: started.seq,
      kind: 'case',
      table: 'cases',
      field: 'started_at',
      expected: iso(started.at),
      actual: isoOf(c.started_at),
      what: caseWhat,
    });
  }
  if (c.status !== status)
    differ({
      seq: ended?.seq ?? null,
      kind: 'case',
      table: 'cases',
      field: 'status',
      expected: status,
      actual: c.status,
      what: caseWhat,
    });
  if ((c.ended_at?.getTime() ?? null) !== endedAt)
    differ({
      seq: ended?.seq ?? null,
      kind: 'case',
      table: 'cases',
      field: 'ended_at',
      expected: iso(endedAt),
      actual: isoOf(c.ended_at),
      what: caseWhat,
    });
  if (c.trips !== trips)
    differ({
      seq: tripsSeq,
      kind: 'case',
      table: 'cases',
      field: 'trips',
      expected: trips,
      actual: c.trips,
      what: caseWhat,
    });
  if (c.corrected !== corrected)
    differ({
      seq: correctedSeq,
      kind: 'case',
      table: 'cases',
      field: 'corrected',
      expected: corrected,
      actual: c.corrected,
      what: caseWhat,
    });
  if (started && ended) {
    // working time of the case: start to end, minus what it spent in gov:pausesClock steps
    try {
      const { workingMs: working, pausedMs: paused } = caseWorkingTime(
        calendar,
        started.at,
        ended.at,
        [...stepEvents.values()].map((e) => e.step),
      );
      if (num(c.working_ms) !== working)
        differ({
          seq: ended.seq,
          kind: 'case',
          table: 'cases',
          field: 'working_ms',
          expected: working,
          actual: num(c.working_ms),
          what: caseWhat,
        });
      else if (num(c.paused_ms) !== paused)
        differ({
          seq: ended.seq,
          kind: 'case',
          table: 'cases',
          field: 'paused_ms',
          expected: paused,
          actual: num(c.paused_ms),
          what: caseWhat,
        });
    } catch {
      problems.push({
        seq: ended.seq,
        eventType: typeOf(ended.seq),
        kind: 'case',
        table: 'cases',
        field: 'working_ms',
        message: `${caseWhat}: the working time cannot be recomputed from the audit events' times`,
      });
    }
  } else if (c.working_ms !== null) {
    differ({
      seq: null,
      kind: 'case',
      table: 'cases',
      field: 'working_ms',
      expected: null,
      actual: num(c.working_ms),
      what: caseWhat,
    });
  }
}

/** The engine's state kept on the case row: its variables, what the row copies from it, the timers it waits for. */
function checkSnapshot(c: CaseRow, r: Replay, f: Findings): void {
  const {
    started,
    ended,
    status,
    endedAt,
    trips,
    tripsSeq,
    corrected,
    correctedSeq,
    variables,
    timerEvents,
  } = r;
  const { problems, typeOf, differ } = f;
  const caseWhat = `case ${c.id}`;
  // the engine's state, which its next command starts from: the variables it routes on, named one by one …
  const snapshot = obj(c.snapshot);
  const held = obj(snapshot.variables);
  const variable = (name: string, seq: number | null, message: string, expected?: unknown) =>
    problems.push({
      seq,
      eventType: typeOf(seq),
      kind: 'variable',
      table: 'cases',
      field: `snapshot.variables.${name}`,
      expected,
      actual: held[name],
      message: `${caseWhat}: variable '${name}' ${message}`,
    });
  for (const [name, set] of variables) {
    const said = `the audit log says ${show(set.value)} (event ${set.seq} ${typeOf(set.seq)})`;
    if (!Object.hasOwn(held, name))
      variable(name, set.seq, `is missing from the case's snapshot, but ${said}`, set.value);
    else if (canonicalJson(held[name]) !== canonicalJson(set.value))
      variable(name, set.seq, `is ${show(held[name])} in the case's snapshot, but ${said}`, set.value);
  }
  for (const name of Object.keys(held)) {
    if (!variables.has(name))
      variable(name, null, `is ${show(held[name])} in the case's snapshot, but no audit event set it`);
  }
  // … what the case row copies from it, and the timers it waits for
  const copies: [string, unknown, unknown, number | null][] = [
    ['status', status, snapshot.status, ended?.seq ?? null],
    ['startedAt', started ? iso(started.at) : null, iso(snapshot.startedAt), started?.seq ?? null],
    ['endedAt', iso(endedAt), iso(snapshot.endedAt), ended?.seq ?? null],
    ['trips', trips, snapshot.trips, tripsSeq],
    ['corrected', corrected, snapshot.corrected, correctedSeq],
  ];
  for (const [field, expected, actual, seq] of copies) {
    if (expected !== actual)
      differ({
        seq,
        kind: 'snapshot',
        table: 'cases',
        field: `snapshot.${field}`,
        expected,
        actual,
        what: caseWhat,
      });
  }
  const waits = obj(snapshot.timers);
  for (const [id, e] of timerEvents) {
    const dueAt = iso(e.timer.dueAt);
    const waiting = Object.hasOwn(waits, id) ? iso(obj(waits[id]).dueAt) : null;
    if (waiting !== dueAt)
      differ({
        seq: e.seq,
        kind: 'snapshot',
        table: 'cases',
        rowId: id,
        elementId: e.timer.elementId,
        field: `snapshot.timers.${id}.dueAt`,
        expected: dueAt,
        actual: waiting,
        what: caseWhat,
      });
  }
  for (const id of Object.keys(waits)) {
    if (!timerEvents.has(id))
      problems.push({
        seq: null,
        eventType: null,
        kind: 'snapshot',
        table: 'cases',
        rowId: id,
        field: `snapshot.timers.${id}`,
        message: `${caseWhat}: the case's snapshot waits for timer ${id}, which the audit log never scheduled or already fired or cancelled`,
      });
  }
}

/** The steps table: one row per stepEntered, holding what the step's last event says. */
function checkStepRows(steps: StepRow[], r: Replay, calendar: WorkingCalendar, f: Findings): void {
  const { stepEvents } = r;
  const { problems, typeOf, differ } = f;
  // steps: one row per stepEntered, holding what the step's last event says
  const stepRows = new Map(steps.map((s) => [s.id, s]));
  for (const [id, e] of stepEvents) {
    const row = stepRows.get(id);
    const what = `step ${id} (${e.step.elementId})`;
    const base = { kind: 'step' as const, table: 'steps' as const, rowId: id, elementId: e.step.elementId };
    if (!row) {
      problems.push({
        ...base,
        seq: e.enteredSeq,
        eventType: typeOf(e.enteredSeq),
        message: `${what} entered at event ${e.enteredSeq} has no row in the steps table`,
      });
      continue;
    }
    const s = e.step;
    const workingMs =
      s.completedAt === null || s.completedAt === undefined
        ? null
        : calendar.workingMsBetween(s.enteredAt, s.completedAt);
    const checks: [string, unknown, unknown, number][] = [
      ['element_id', s.elementId, row.element_id, e.enteredSeq],
      ['type', s.type, row.type, e.enteredSeq],
      ['entered_at', iso(s.enteredAt), isoOf(row.entered_at), e.enteredSeq],
      ['status', s.status, row.status, e.seq],
      ['completed_at', iso(s.completedAt), isoOf(row.completed_at), e.seq],
      ['department', s.department ?? null, row.department, e.seq],
      ['due_at', iso(s.dueAt), isoOf(row.due_at), e.enteredSeq],
      ['working_ms', workingMs, num(row.working_ms), e.seq],
      ['in_person', Boolean(s.inPerson), row.in_person, e.enteredSeq],
      ['correction', Boolean(s.correction), row.correction, e.enteredSeq],
      ['pauses_clock', Boolean(s.pausesClock), row.pauses_clock, e.enteredSeq],
    ];
    for (const [field, expected, actual, seq] of checks) {
      if (expected !== actual) differ({ ...base, seq, field, expected, actual, what });
    }
  }
  for (const row of steps) {
    if (!stepEvents.has(row.id)) {
      problems.push({
        seq: null,
        eventType: null,
        kind: 'step',
        table: 'steps',
        rowId: row.id,
        elementId: row.element_id,
        message: `step ${row.id} (${row.element_id}) has a row in the steps table but no event in the audit log`,
      });
    }
  }
}

/** The tasks table: one row per taskCreated, its status and completion from taskCompleted/taskCancelled. */
function checkTaskRows(tasks: TaskRow[], r: Replay, f: Findings): void {
  const { taskEvents } = r;
  const { problems, typeOf, differ } = f;
  // tasks: one row per taskCreated, its status and completion time from taskCompleted/taskCancelled
  const taskRows = new Map(tasks.map((k) => [k.id, k]));
  for (const [id, e] of taskEvents) {
    const row = taskRows.get(id);
    const what = `task ${id} (${e.task.elementId})`;
    const base = { kind: 'task' as const, table: 'tasks' as const, rowId: id, elementId: e.task.elementId };
    if (!row) {
      problems.push({
        ...base,
        seq: e.createdSeq,
        eventType: typeOf(e.createdSeq),
        message: `${what} created at event ${e.createdSeq} has no row in the tasks table`,
      });
      continue;
    }
    const checks: [string, unknown, unknown, number][] = [
      ['element_id', e.task.elementId, row.element_id, e.createdSeq],
      [
        'department',
        e.department === undefined ? (e.task.department ?? null) : e.department,
        row.department,
        e.peopleSeq ?? e.createdSeq,
      ],
      ['claimed_by', e.claimedBy ?? null, row.claimed_by, e.peopleSeq ?? e.createdSeq],
      ['handler_id', e.handler?.userId ?? null, row.handler_id, e.peopleSeq ?? e.statusSeq],
      ['handler_name', e.handler?.name ?? null, row.handler_name, e.peopleSeq ?? e.statusSeq],
      ['transfers', e.transfers ?? 0, row.transfers, e.peopleSeq ?? e.createdSeq],
      ['created_at', iso(e.task.createdAt), isoOf(row.created_at), e.createdSeq],
      ['due_at', iso(e.task.dueAt), isoOf(row.due_at), e.createdSeq],
      ['status', e.status, row.status, e.statusSeq],
      ['completed_at', iso(e.completedAt), isoOf(row.completed_at), e.statusSeq],
    ];
    for (const [field, expected, actual, seq] of checks) {
      if (expected !== actual) differ({ ...base, seq, field, expected, actual, what });
    }
  }
  for (const row of tasks) {
    if (!taskEvents.has(row.id)) {
      problems.push({
        seq: null,
        eventType: null,
        kind: 'task',
        table: 'tasks',
        rowId: row.id,
        elementId: row.element_id,
        message: `task ${row.id} (${row.element_id}) has a row in the tasks table but no taskCreated event in the audit log`,
      });
    }
  }
}

/** The timers table: pending exactly when scheduled and neither fired nor cancelled. */
function checkTimerRows(timers: TimerRow[], r: Replay, f: Findings): void {
  const { timerEvents } = r;
  const { problems, typeOf, differ } = f;
  // timers: pending exactly when scheduled and neither fired nor cancelled
  const timerRows = new Map(timers.map((m) => [m.id, m]));
  for (const [id, e] of timerEvents) {
    const row = timerRows.get(id);
    const base = {
      kind: 'timer' as const,
      table: 'timers' as const,
      rowId: id,
      elementId: e.timer.elementId,
    };
    if (!row) {
      problems.push({
        ...base,
        seq: e.seq,
        eventType: typeOf(e.seq),
        message: `timer ${id} (${e.timer.elementId}) scheduled at event ${e.seq} is still pending in the audit log but has no row in the timers table`,
      });
    } else if (row.due_at.getTime() !== e.timer.dueAt) {
      differ({
        ...base,
        seq: e.seq,
        field: 'due_at',
        expected: iso(e.timer.dueAt),
        actual: isoOf(row.due_at),
        what: `timer ${id} (${e.timer.elementId})`,
      });
    }
  }
  for (const row of timers) {
    if (!timerEvents.has(row.id)) {
      problems.push({
        seq: null,
        eventType: null,
        kind: 'timer',
        table: 'timers',
        rowId: row.id,
        elementId: row.element_id,
        message: `timer ${row.id} (${row.element_id}) is pending in the timers table but not in the audit log (never scheduled, or already fired or cancelled)`,
      });
    }
  }
}

/** Replays the (verified) audit events and compares every derived row with them. */
function checkDerived(
  c: CaseRow,
  audit: AuditRow[],
  steps: StepRow[],
  tasks: TaskRow[],
  timers: TimerRow[],
  calendar: WorkingCalendar,
): Problem[] {
  const f = findingsOf(audit);
  const r = replay(audit, f.problems);
  checkCaseRow(c, r, calendar, f);
  checkSnapshot(c, r, f);
  checkStepRows(steps, r, calendar, f);
  checkTaskRows(tasks, r, f);
  checkTimerRows(timers, r, f);
  return f.problems;
}

/** Every problem of one case, the first broken link first: the chain, then its head, then the earliest contradicted event. */
export function checkCase(
  c: CaseRow,
  audit: AuditRow[],
  steps: StepRow[],
  tasks: TaskRow[],
  timers: TimerRow[],
  calendar: WorkingCalendar,
): Problem[] {
  const chain = checkChain(c, audit);
  if (chain) return [chain]; // the derived rows cannot be judged against a log that does not verify
  const problems = checkDerived(c, audit, steps, tasks, timers, calendar);
  return problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
}
