/**
 * Writes what one engine command produced — the case row, steps, tasks, timers, audit entries — as ONE SQL
 * statement: data-modifying CTEs gated on the case row's update (or insert), so a command costs a single
 * round trip and commit, and a concurrent change to the same case (revision moved on) writes nothing.
 */
import { sql } from 'kysely';
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import type { CaseEvent, StepRecord, TaskRecord } from '../../engine/elements/state.js';
import type { Db } from '../db/database.js';
import { auditHash } from './audit-log.js';

interface CaseIdentity {
  id: string;
  processKey: string;
  version: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function stepRow(c: CaseIdentity, step: StepRecord, calendar: WorkingCalendar, seq: number) {
  return {
    id: step.id,
    case_id: c.id,
    process_key: c.processKey,
    version: c.version,
    element_id: step.elementId,
    name: step.name,
    type: step.type,
    department: step.department,
    status: step.status,
    entered_at: iso(step.enteredAt),
    completed_at: iso(step.completedAt),
    due_at: iso(step.dueAt),
    time_limit: step.timeLimit,
    in_person: step.inPerson,
    correction: step.correction,
    pauses_clock: step.pausesClock,
    working_ms:
      step.completedAt === null ? null : calendar.workingMsBetween(step.enteredAt, step.completedAt),
    variables_changed: step.variablesChanged,
    parent_step_id: step.parentStepId,
    seq,
  };
}

function taskRow(task: TaskRecord) {
  return {
    id: task.id,
    case_id: task.caseId,
    element_id: task.elementId,
    name: task.name,
    department: task.department,
    status: 'open',
    created_at: iso(task.createdAt),
    due_at: iso(task.dueAt),
    completed_at: null as string | null,
  };
}

/** When an event happened: most carry it; the rest happened at the command's instant. */
function eventTime(event: CaseEvent, now: number): number {
  if ('at' in event && typeof event.at === 'number') return event.at;
  if ('step' in event) return event.step.completedAt ?? event.step.enteredAt;
  if (event.type === 'taskCreated') return event.task.createdAt;
  return now;
}

export interface WritePlan {
  newSteps: ReturnType<typeof stepRow>[];
  changedSteps: ReturnType<typeof stepRow>[];
  newTasks: ReturnType<typeof taskRow>[];
  changedTasks: { id: string; status: string; completed_at: string }[];
  newTimers: { id: string; case_id: string; element_id: string; due_at: string }[];
  goneTimers: string[];
  audit: {
    case_id: string;
    seq: number;
    type: string;
    at: string;
    actor: string | null;
    payload: unknown;
    prev_hash: string;
    hash: string;
  }[];
  /** The audit chain's head after this command. */
  auditSeq: number;
  auditHash: string;
}

/** Turns a command's events into rows; rows born and changed in the same command are written once. */
export function planWrites(
  c: CaseIdentity,
  events: CaseEvent[],
  options: {
    calendar: WorkingCalendar;
    actor: string | null;
    now: number;
    stepSeqBase: number;
    auditSeq: number;
    auditHash: string;
  },
): WritePlan {
  const newSteps = new Map<string, ReturnType<typeof stepRow>>();
  const changedSteps = new Map<string, ReturnType<typeof stepRow>>();
  const newTasks = new Map<string, ReturnType<typeof taskRow>>();
  const changedTasks = new Map<string, { id: string; status: string; completed_at: string }>();
  const newTimers = new Map<string, WritePlan['newTimers'][number]>();
  const goneTimers = new Set<string>();
  let seq = options.stepSeqBase;
  for (const event of events) {
    switch (event.type) {
      case 'stepEntered':
        newSteps.set(event.step.id, stepRow(c, event.step, options.calendar, ++seq));
        break;
      case 'stepCompleted':
      case 'stepCancelled':
      case 'stepFailed': {
        const fresh = newSteps.get(event.step.id);
        const row = stepRow(c, event.step, options.calendar, fresh?.seq ?? 0);
        if (fresh) newSteps.set(event.step.id, row);
        else changedSteps.set(event.step.id, row);
        break;
      }
      case 'taskCreated':
        newTasks.set(event.task.id, taskRow(event.task));
        break;
      case 'taskCompleted':
      case 'taskCancelled': {
        const change = {
          id: event.taskId,
          status: event.type === 'taskCompleted' ? 'completed' : 'cancelled',
          completed_at: iso(event.at)!,
        };
        const fresh = newTasks.get(event.taskId);
        if (fresh) Object.assign(fresh, change);
        else changedTasks.set(event.taskId, change);
        break;
      }
      case 'timerScheduled':
        newTimers.set(event.timer.id, {
          id: event.timer.id,
          case_id: c.id,
          element_id: event.timer.elementId,
          due_at: iso(event.timer.dueAt)!,
        });
        break;
      case 'timerCancelled':
      case 'timerFired':
        if (!newTimers.delete(event.timerId)) goneTimers.add(event.timerId);
        break;
      default:
        break;
    }
  }
  let auditSeq = options.auditSeq;
  let prev = options.auditHash;
  const audit = events.map((event) => {
    auditSeq += 1;
    const entry = {
      type: event.type,
      at: new Date(eventTime(event, options.now)),
      actor: options.actor,
      payload: event,
    };
    const hash = auditHash(prev, c.id, auditSeq, entry);
    const row = {
      case_id: c.id,
      seq: auditSeq,
      type: entry.type,
      at: entry.at.toISOString(),
      actor: entry.actor,
      payload: event,
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
  return {
    newSteps: [...newSteps.values()],
    changedSteps: [...changedSteps.values()],
    newTasks: [...newTasks.values()],
    changedTasks: [...changedTasks.values()],
    newTimers: [...newTimers.values()],
    goneTimers: [...goneTimers],
    audit,
    auditSeq,
    auditHash: prev,
  };
}

const json = (value: unknown) => sql`${JSON.stringify(value)}::jsonb`;

/**
 * The CTEs that write a plan's rows, each gated on the `gate` CTE having produced the case row. Updates name
 * the case too, so they use its index: a function scan is estimated at 100 rows, and on the id alone the
 * planner would scan the whole table for every command.
 */
function planCtes(caseId: string, plan: WritePlan) {
  return sql`
    s_new AS (
      INSERT INTO steps (id, case_id, process_key, version, element_id, name, type, department, status, entered_at, completed_at,
                         due_at, time_limit, in_person, correction, pauses_clock, working_ms, variables_changed, parent_step_id, seq)
      SELECT x.* FROM gate, jsonb_to_recordset(${json(plan.newSteps)}) AS x(
        id text, case_id text, process_key text, version int, element_id text, name text, type text, department text, status text,
        entered_at timestamptz, completed_at timestamptz, due_at timestamptz, time_limit double precision, in_person boolean,
        correction boolean, pauses_clock boolean, working_ms bigint, variables_changed jsonb, parent_step_id text, seq int)),
    s_upd AS (
      UPDATE steps SET status = x.status, completed_at = x.completed_at, working_ms = x.working_ms,
                       variables_changed = x.variables_changed, department = x.department
      FROM gate, jsonb_to_recordset(${json(plan.changedSteps)}) AS x(
        id text, status text, completed_at timestamptz, working_ms bigint, variables_changed jsonb, department text)
      WHERE steps.case_id = ${caseId} AND steps.id = x.id),
    t_new AS (
      INSERT INTO tasks (id, case_id, element_id, name, department, status, created_at, due_at, completed_at)
      SELECT x.* FROM gate, jsonb_to_recordset(${json(plan.newTasks)}) AS x(
        id text, case_id text, element_id text, name text, department text, status text, created_at timestamptz,
        due_at timestamptz, completed_at timestamptz)),
    t_upd AS (
      UPDATE tasks SET status = x.status, completed_at = x.completed_at
      FROM gate, jsonb_to_recordset(${json(plan.changedTasks)}) AS x(id text, status text, completed_at timestamptz)
      WHERE tasks.case_id = ${caseId} AND tasks.id = x.id),
    tm_gone AS (
      DELETE FROM timers USING gate WHERE timers.id = ANY (ARRAY(SELECT jsonb_array_elements_text(${json(plan.goneTimers)})))),
    tm_new AS (
      INSERT INTO timers (id, case_id, element_id, due_at)
      SELECT x.* FROM gate, jsonb_to_recordset(${json(plan.newTimers)}) AS x(id text, case_id text, element_id text, due_at timestamptz)),
    wake AS (
      SELECT pg_notify('reflow_timers', gate.id) FROM gate WHERE ${plan.newTimers.length > 0}),
    audit AS (
      INSERT INTO audit_events (case_id, seq, type, at, actor, payload, prev_hash, hash)
      SELECT x.* FROM gate, jsonb_to_recordset(${json(plan.audit)}) AS x(
        case_id text, seq int, type text, at timestamptz, actor text, payload jsonb, prev_hash text, hash text))`;
}

export interface CaseRowValues {
  status: string;
  snapshot: unknown;
  trips: number;
  corrected: boolean;
  endedAt: number | null;
  workingMs: number | null;
  pausedMs: number;
}

/** Writes a command's result if the case is still at `revision`; false when another command got there first. */
export async function writeCommand(
  db: Db,
  caseId: string,
  revision: number,
  row: CaseRowValues,
  plan: WritePlan,
): Promise<boolean> {
  const result = await sql<{ applied: number }>`
    WITH gate AS (
      UPDATE cases SET snapshot = ${json(row.snapshot)}, status = ${row.status}, revision = revision + 1, trips = ${row.trips},
        corrected = ${row.corrected}, ended_at = ${iso(row.endedAt)}::timestamptz, working_ms = ${row.workingMs}::bigint,
        paused_ms = ${row.pausedMs}::bigint, audit_seq = ${plan.auditSeq}, audit_hash = ${plan.auditHash}
      WHERE id = ${caseId} AND revision = ${revision}
      RETURNING id),
    ${planCtes(caseId, plan)}
    SELECT (SELECT count(*) FROM gate)::int AS applied, (SELECT count(*) FROM wake)::int AS woken`.execute(
    db,
  );
  return Number(result.rows[0]?.applied ?? 0) === 1;
}

export interface NewCase {
  id: string;
  definitionId: string;
  processKey: string;
  version: number;
  businessKey: string | null;
  channel: string | null;
  materials: string[];
  startedAt: number;
}

/** Inserts a started case with its rows; with an idempotency key already used, writes nothing and returns false. */
export async function writeStart(
  db: Db,
  c: NewCase,
  row: CaseRowValues,
  plan: WritePlan,
  idempotencyKey?: string,
): Promise<boolean> {
  const key = idempotencyKey
    ? sql`k AS (INSERT INTO idempotency_keys (key, case_id, created_at) VALUES (${idempotencyKey}, ${c.id}, ${iso(c.startedAt)}::timestamptz)
              ON CONFLICT (key) DO NOTHING RETURNING key),`
    : sql`k AS (SELECT 1 AS key),`;
  const result = await sql<{ applied: number }>`
    WITH ${key}
    gate AS (
      INSERT INTO cases (id, definition_id, process_key, version, business_key, status, channel, materials, snapshot, trips, corrected,
                         started_at, ended_at, working_ms, paused_ms, audit_seq, audit_hash)
      SELECT ${c.id}, ${c.definitionId}, ${c.processKey}, ${c.version}, ${c.businessKey}, ${row.status}, ${c.channel}, ${json(c.materials)},
             ${json(row.snapshot)}, ${row.trips}, ${row.corrected}, ${iso(c.startedAt)}::timestamptz, ${iso(row.endedAt)}::timestamptz,
             ${row.workingMs}::bigint, ${row.pausedMs}::bigint, ${plan.auditSeq}, ${plan.auditHash}
      FROM k
      RETURNING id),
    ${planCtes(c.id, plan)}
    SELECT (SELECT count(*) FROM gate)::int AS applied, (SELECT count(*) FROM wake)::int AS woken`.execute(
    db,
  );
  return Number(result.rows[0]?.applied ?? 0) === 1;
}
