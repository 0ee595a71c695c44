/**
 * The steps, tasks and timers tables of one case against the replay of its audit events
 * (server/audit/verify-case.ts). Each table is compared the same way (`compareRows`): every record the events imply
 * has a row with the same fields, and every row has a record.
 */
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import type { StepRow, TaskRow, TimerRow } from './verify-case.js';
import { type Findings, iso, isoOf, num } from './verify-findings.js';
import type { Replay } from './verify-replay.js';

/** One compared field: its column, what the audit log says, what the row holds, and the event that says it. */
type Field = [field: string, expected: unknown, actual: unknown, seq: number];

/** How one table is compared with the records the events imply (R: a row, E: a replayed record). */
interface RowTable<R, E> {
  kind: 'step' | 'task' | 'timer';
  table: 'steps' | 'tasks' | 'timers';
  /** The element a record is of. */
  elementOf: (e: E) => string;
  /** The record's name in messages, e.g. "step <id> (<element>)". */
  name: (id: string, e: E) => string;
  /** A record with no row: the event that implies it, and what to say. */
  missing: (id: string, e: E) => { seq: number; message: string };
  /** The fields of a record and its row. */
  fields: (e: E, row: R) => Field[];
  /** A row that no record accounts for. */
  orphan: (row: R) => string;
}

function compareRows<R extends { id: string; element_id: string }, E>(
  spec: RowTable<R, E>,
  records: Map<string, E>,
  rows: R[],
  f: Findings,
): void {
  const { kind, table } = spec;
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const [id, e] of records) {
    const row = byId.get(id);
    const base = { kind, table, rowId: id, elementId: spec.elementOf(e) };
    if (!row) {
      const { seq, message } = spec.missing(id, e);
      f.problems.push({ ...base, seq, eventType: f.typeOf(seq), message });
      continue;
    }
    const what = spec.name(id, e);
    for (const [field, expected, actual, seq] of spec.fields(e, row)) {
      if (expected !== actual) f.differ({ ...base, seq, field, expected, actual, what });
    }
  }
  for (const row of rows) {
    if (!records.has(row.id)) {
      f.problems.push({
        seq: null,
        eventType: null,
        kind,
        table,
        rowId: row.id,
        elementId: row.element_id,
        message: spec.orphan(row),
      });
    }
  }
}

/** The steps table: one row per stepEntered, holding what the step's last event says. */
export function checkStepRows(steps: StepRow[], r: Replay, calendar: WorkingCalendar, f: Findings): void {
  compareRows(
    {
      kind: 'step',
      table: 'steps',
      elementOf: (e) => e.step.elementId,
      name: (id, e) => `step ${id} (${e.step.elementId})`,
      missing: (id, e) => ({
        seq: e.enteredSeq,
        message: `step ${id} (${e.step.elementId}) entered at event ${e.enteredSeq} has no row in the steps table`,
      }),
      fields: (e, row) => {
        const s = e.step;
        const workingMs =
          s.completedAt === null || s.completedAt === undefined
            ? null
            : calendar.workingMsBetween(s.enteredAt, s.completedAt);
        return [
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
      },
      orphan: (row) =>
        `step ${row.id} (${row.element_id}) has a row in the steps table but no event in the audit log`,
    },
    r.stepEvents,
    steps,
    f,
  );
}

/** The tasks table: one row per taskCreated, its status and completion from taskCompleted/taskCancelled. */
export function checkTaskRows(tasks: TaskRow[], r: Replay, f: Findings): void {
  compareRows(
    {
      kind: 'task',
      table: 'tasks',
      elementOf: (e) => e.task.elementId,
      name: (id, e) => `task ${id} (${e.task.elementId})`,
      missing: (id, e) => ({
        seq: e.createdSeq,
        message: `task ${id} (${e.task.elementId}) created at event ${e.createdSeq} has no row in the tasks table`,
      }),
      fields: (e, row) => {
        const peopleSeq = e.peopleSeq ?? e.createdSeq;
        return [
          ['element_id', e.task.elementId, row.element_id, e.createdSeq],
          [
            'department',
            e.department === undefined ? (e.task.department ?? null) : e.department,
            row.department,
            peopleSeq,
          ],
          ['claimed_by', e.claimedBy ?? null, row.claimed_by, peopleSeq],
          ['handler_id', e.handler?.userId ?? null, row.handler_id, e.peopleSeq ?? e.statusSeq],
          ['handler_name', e.handler?.name ?? null, row.handler_name, e.peopleSeq ?? e.statusSeq],
          ['transfers', e.transfers ?? 0, row.transfers, peopleSeq],
          ['created_at', iso(e.task.createdAt), isoOf(row.created_at), e.createdSeq],
          ['due_at', iso(e.task.dueAt), isoOf(row.due_at), e.createdSeq],
          ['status', e.status, row.status, e.statusSeq],
          ['completed_at', iso(e.completedAt), isoOf(row.completed_at), e.statusSeq],
        ];
      },
      orphan: (row) =>
        `task ${row.id} (${row.element_id}) has a row in the tasks table but no taskCreated event in the audit log`,
    },
    r.taskEvents,
    tasks,
    f,
  );
}

/** The timers table: pending exactly when scheduled and neither fired nor cancelled. */
export function checkTimerRows(timers: TimerRow[], r: Replay, f: Findings): void {
  compareRows(
    {
      kind: 'timer',
      table: 'timers',
      elementOf: (e) => e.timer.elementId,
      name: (id, e) => `timer ${id} (${e.timer.elementId})`,
      missing: (id, e) => ({
        seq: e.seq,
        message: `timer ${id} (${e.timer.elementId}) scheduled at event ${e.seq} is still pending in the audit log but has no row in the timers table`,
      }),
      fields: (e, row) => [['due_at', iso(e.timer.dueAt), isoOf(row.due_at), e.seq]],
      orphan: (row) =>
        `timer ${row.id} (${row.element_id}) is pending in the timers table but not in the audit log (never scheduled, or already fired or cancelled)`,
    },
    r.timerEvents,
    timers,
    f,
  );
}
