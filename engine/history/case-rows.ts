/**
 * The one fold from a case's events to its rows: which event creates or changes which row of `steps`, `tasks`
 * and `timers`, and what a case holds after a command or after all its commands. The server's writer
 * (server/store/case-writer.ts) writes a command's rows, its node cache (server/cases/case-cache.ts) and the
 * bulk writer of simulated cases (server/simulate/bulk-write.ts) keep a case's rows with it. Pure: no I/O.
 *
 * Rows are in the columns of the tables (migration 2026-11-29-001), times as ISO strings; a step's working time
 * is `stepWorkingMs` of the case figures (engine/metrics/case-figures.ts). Steps are numbered per command:
 * a case's start numbers its steps from 1, its command at revision r from r × STEP_SEQ_PER_COMMAND + 1, so the
 * steps of a case sort in the order they were entered.
 */
import type { WorkingCalendar } from '../calendar/working-calendar.js';
import type { CaseEvent, StepRecord, Subscription, TaskRecord, Variables } from '../elements/state.js';
import { stepWorkingMs } from '../metrics/case-figures.js';

/** Which case the rows are of. */
export interface CaseIdentity {
  id: string;
  processKey: string;
  version: number;
}

/** A row of `steps` (types, not interfaces: a row passes where any record of columns does). */
export type StepRow = {
  id: string;
  case_id: string;
  process_key: string;
  version: number;
  element_id: string;
  name: string | null;
  type: string;
  department: string | null;
  status: string;
  entered_at: string;
  completed_at: string | null;
  due_at: string | null;
  time_limit: number | null;
  in_person: boolean;
  correction: boolean;
  pauses_clock: boolean;
  /** Working ms (null while the step is open). */
  working_ms: number | null;
  variables_changed: string[];
  parent_step_id: string | null;
  seq: number;
};

/** What a later event of a step changes on its row. */
export type StepChange = Pick<
  StepRow,
  'id' | 'case_id' | 'status' | 'completed_at' | 'working_ms' | 'variables_changed' | 'department'
>;

/** A row of `tasks`. */
export type TaskRow = {
  id: string;
  case_id: string;
  element_id: string;
  name: string | null;
  department: string | null;
  status: string;
  created_at: string;
  due_at: string | null;
  completed_at: string | null;
};

/** What a task's completion or cancellation changes on its row. */
export type TaskChange = {
  id: string;
  case_id: string;
  status: string;
  completed_at: string;
};

/** A row of `timers` (a pending timer). */
export type TimerRow = {
  id: string;
  case_id: string;
  element_id: string;
  due_at: string;
};

/**
 * A row of `case_subscriptions`: a message or signal the case waits for, found from outside by name and
 * correlation key (messages and signals between cases). Conditional waits stay inside the case.
 */
export type SubscriptionRow = {
  case_id: string;
  id: string;
  kind: string;
  name: string;
  correlation_key: string | null;
  element_id: string;
  created_at: string;
};

/**
 * A row of `messages` a command sends (the outbox): a message thrown by an event or send task, or a signal thrown
 * by an event, delivered to other cases by the server once the command is written. Its id is the case's,
 * the command's revision and the event's place in the command, so the same command always sends the same ids.
 */
export type SentRow = {
  id: string;
  kind: 'message' | 'signal';
  name: string;
  correlation_key: string | null;
  variables: Variables;
  source_case_id: string;
  source_element_id: string;
  status: 'pending';
  created_at: string;
};

/** The rows one command's events produce; rows born and changed in the same command are new rows only. */
export interface CommandRows {
  newSteps: StepRow[];
  changedSteps: StepChange[];
  newTasks: TaskRow[];
  changedTasks: TaskChange[];
  newTimers: TimerRow[];
  /** Pending timers the command fired or cancelled. */
  goneTimers: string[];
  /** Messages and signals the command sent to other cases (signals thrown by the API's command are not). */
  sent: SentRow[];
}

const SHARED_WAITS = new Set(['message', 'signal']);

/**
 * The case's waits for messages and signals that a command armed (`added`) and withdrew or consumed (`gone`):
 * its subscriptions before the command against those after (`now`: when the new ones began).
 */
export function subscriptionChanges(
  caseId: string,
  before: readonly Pick<Subscription, 'id' | 'kind'>[],
  after: readonly Subscription[],
  now: number,
): { added: SubscriptionRow[]; gone: string[] } {
  const was = new Set(before.filter((s) => SHARED_WAITS.has(s.kind)).map((s) => s.id));
  const is = new Set<string>();
  const added: SubscriptionRow[] = [];
  for (const sub of after) {
    if (!SHARED_WAITS.has(sub.kind)) continue;
    is.add(sub.id);
    if (!was.has(sub.id))
      added.push({
        case_id: caseId,
        id: sub.id,
        kind: sub.kind,
        name: sub.name,
        correlation_key: sub.correlationKey ?? null,
        element_id: sub.elementId,
        created_at: iso(now) as string,
      });
  }
  return { added, gone: [...was].filter((id) => !is.has(id)) };
}

/** Step numbers a command may use: a command at revision r numbers its steps from r × this + 1. */
export const STEP_SEQ_PER_COMMAND = 1000;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function stepRow(
  c: CaseIdentity,
  step: StepRecord,
  calendar: Pick<WorkingCalendar, 'workingMsBetween'>,
  seq: number,
): StepRow {
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
    entered_at: iso(step.enteredAt) as string,
    completed_at: iso(step.completedAt),
    due_at: iso(step.dueAt),
    time_limit: step.timeLimit,
    in_person: step.inPerson,
    correction: step.correction,
    pauses_clock: step.pausesClock,
    working_ms: stepWorkingMs(calendar, step.enteredAt, step.completedAt),
    variables_changed: step.variablesChanged,
    parent_step_id: step.parentStepId,
    seq,
  };
}

const stepChange = (row: StepRow): StepChange => ({
  id: row.id,
  case_id: row.case_id,
  status: row.status,
  completed_at: row.completed_at,
  working_ms: row.working_ms,
  variables_changed: row.variables_changed,
  department: row.department,
});

function taskRow(task: TaskRecord): TaskRow {
  return {
    id: task.id,
    case_id: task.caseId,
    element_id: task.elementId,
    name: task.name,
    department: task.department,
    status: 'open',
    created_at: iso(task.createdAt) as string,
    due_at: iso(task.dueAt),
    completed_at: null,
  };
}

/**
 * The rows of one command's events on a case. `revision` is the case's revision before the command (0 for its
 * start), which numbers the command's steps.
 */
export function commandRows(
  c: CaseIdentity,
  events: readonly CaseEvent[],
  options: { calendar: Pick<WorkingCalendar, 'workingMsBetween'>; revision: number },
): CommandRows {
  const newSteps = new Map<string, StepRow>();
  const changedSteps = new Map<string, StepChange>();
  const newTasks = new Map<string, TaskRow>();
  const changedTasks = new Map<string, TaskChange>();
  const newTimers = new Map<string, TimerRow>();
  const goneTimers = new Set<string>();
  const sent: SentRow[] = [];
  let seq = options.revision * STEP_SEQ_PER_COMMAND;
  events.forEach((event, index) => {
    switch (event.type) {
      case 'messageSent':
      case 'signalThrown':
        // a signal the API broadcast (`external`) reaches other cases by the API, not again from each case
        if (event.type === 'signalThrown' && event.elementId === 'external') break;
        sent.push({
          id: `${c.id}:${options.revision}:${index}`,
          kind: event.type === 'messageSent' ? 'message' : 'signal',
          name: event.name,
          correlation_key: event.type === 'messageSent' ? (event.correlationKey ?? null) : null,
          variables: event.type === 'messageSent' ? event.variables : {},
          source_case_id: c.id,
          source_element_id: event.elementId,
          status: 'pending',
          created_at: iso(event.at) as string,
        });
        break;
      case 'stepEntered':
        newSteps.set(event.step.id, stepRow(c, event.step, options.calendar, ++seq));
        break;
      case 'stepCompleted':
      case 'stepCancelled':
      case 'stepFailed': {
        const fresh = newSteps.get(event.step.id);
        const row = stepRow(c, event.step, options.calendar, fresh?.seq ?? 0);
        if (fresh) newSteps.set(event.step.id, row);
        else changedSteps.set(event.step.id, stepChange(row));
        break;
      }
      case 'taskCreated':
        newTasks.set(event.task.id, taskRow(event.task));
        break;
      case 'taskCompleted':
      case 'taskCancelled': {
        const change: TaskChange = {
          id: event.taskId,
          case_id: c.id,
          status: event.type === 'taskCompleted' ? 'completed' : 'cancelled',
          completed_at: iso(event.at) as string,
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
          due_at: iso(event.timer.dueAt) as string,
        });
        break;
      case 'timerCancelled':
      case 'timerFired':
        if (!newTimers.delete(event.timerId)) goneTimers.add(event.timerId);
        break;
      default:
        break;
    }
  });
  return {
    newSteps: [...newSteps.values()],
    changedSteps: [...changedSteps.values()],
    newTasks: [...newTasks.values()],
    changedTasks: [...changedTasks.values()],
    newTimers: [...newTimers.values()],
    goneTimers: [...goneTimers],
    sent,
  };
}

/** When an event happened: most carry it; the rest happened at the command's instant `now`. */
export function eventTime(event: CaseEvent, now: number): number {
  if ('at' in event && typeof event.at === 'number') return event.at;
  if ('step' in event) return event.step.completedAt ?? event.step.enteredAt;
  if (event.type === 'taskCreated') return event.task.createdAt;
  return now;
}

/** A case's rows as a holder keeps them (`S` a step, `T` a task); timers only if the holder keeps them. */
export interface HeldRows<S, T> {
  steps: Map<string, S>;
  tasks: Map<string, T>;
  timers?: Map<string, TimerRow>;
}

/** How a holder keeps rows: as written (`ROWS_AS_WRITTEN`), or in its own form (the cache keeps times as ms). */
export interface RowKeeping<S, T> {
  step(row: StepRow): S;
  /** The kept step after a later event of it changed its row. */
  changeStep(kept: S, change: StepChange): S;
  task(row: TaskRow): T;
  /** The kept task after its completion or cancellation. */
  changeTask(kept: T, change: TaskChange): T;
}

/** Rows kept as the tables have them. */
export const ROWS_AS_WRITTEN: RowKeeping<StepRow, TaskRow> = {
  step: (row) => ({ ...row }),
  changeStep: (kept, change) => ({ ...kept, ...change }),
  task: (row) => ({ ...row }),
  changeTask: (kept, change) => ({ ...kept, ...change }),
};

/**
 * A case's rows after a command; the rows before are left as they were. A change of a row not held is dropped
 * (the write's own UPDATE finds nothing either).
 */
export function applyCommandRows<S, T>(
  held: HeldRows<S, T>,
  command: CommandRows,
  keeping: RowKeeping<S, T>,
): HeldRows<S, T> {
  const steps = new Map(held.steps);
  for (const s of command.newSteps) steps.set(s.id, keeping.step(s));
  for (const s of command.changedSteps) {
    const kept = steps.get(s.id);
    if (kept !== undefined) steps.set(s.id, keeping.changeStep(kept, s));
  }
  const tasks = new Map(held.tasks);
  for (const t of command.newTasks) tasks.set(t.id, keeping.task(t));
  for (const t of command.changedTasks) {
    const kept = tasks.get(t.id);
    if (kept !== undefined) tasks.set(t.id, keeping.changeTask(kept, t));
  }
  if (!held.timers) return { steps, tasks };
  const timers = new Map(held.timers);
  for (const id of command.goneTimers) timers.delete(id);
  for (const t of command.newTimers) timers.set(t.id, t);
  return { steps, tasks, timers };
}

/** The rows a case leaves after all its commands (each command's events, in order; the first its start). */
export function caseRows(
  c: CaseIdentity,
  commands: readonly { events: readonly CaseEvent[] }[],
  calendar: Pick<WorkingCalendar, 'workingMsBetween'>,
): Required<HeldRows<StepRow, TaskRow>> {
  let held: HeldRows<StepRow, TaskRow> = { steps: new Map(), tasks: new Map(), timers: new Map() };
  commands.forEach((command, revision) => {
    held = applyCommandRows(held, commandRows(c, command.events, { calendar, revision }), ROWS_AS_WRITTEN);
  });
  return held as Required<HeldRows<StepRow, TaskRow>>;
}
