/** Writes what one engine command produced — steps, tasks, timers, audit entries — inside the command's transaction. */
import type { CaseEvent, StepRecord, TaskRecord } from '../../engine/elements/state.js';
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import type { Db } from '../db/database.js';
import { type AuditEntry, appendAudit } from './audit-log.js';

interface CaseIdentity {
  id: string;
  processKey: string;
  version: number;
}

const at = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

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
    entered_at: new Date(step.enteredAt),
    completed_at: at(step.completedAt),
    due_at: at(step.dueAt),
    time_limit: step.timeLimit,
    in_person: step.inPerson,
    correction: step.correction,
    pauses_clock: step.pausesClock,
    working_ms: step.completedAt === null ? null : calendar.workingMsBetween(step.enteredAt, step.completedAt),
    variables_changed: JSON.stringify(step.variablesChanged),
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
    created_at: new Date(task.createdAt),
    due_at: at(task.dueAt),
    completed_at: null as Date | null,
  };
}

/** When an event happened: most carry it; the rest happened at the command's instant. */
function eventTime(event: CaseEvent, now: number): number {
  if ('at' in event && typeof event.at === 'number') return event.at;
  if ('step' in event) return event.step.completedAt ?? event.step.enteredAt;
  if (event.type === 'taskCreated') return event.task.createdAt;
  return now;
}

/**
 * Applies the events to the tables. Rows born and changed in the same command are coalesced so each is
 * written once.
 */
export async function writeCaseEvents(
  trx: Db,
  c: CaseIdentity,
  events: CaseEvent[],
  options: { calendar: WorkingCalendar; actor: string | null; now: number; stepSeqBase: number },
): Promise<void> {
  const newSteps = new Map<string, ReturnType<typeof stepRow>>();
  const changedSteps = new Map<string, ReturnType<typeof stepRow>>();
  const newTasks = new Map<string, ReturnType<typeof taskRow>>();
  const taskChanges = new Map<string, { status: string; completed_at: Date }>();
  const newTimers = new Map<string, { id: string; case_id: string; element_id: string; due_at: Date }>();
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
        const change = { status: event.type === 'taskCompleted' ? 'completed' : 'cancelled', completed_at: new Date(event.at) };
        const fresh = newTasks.get(event.taskId);
        if (fresh) Object.assign(fresh, change);
        else taskChanges.set(event.taskId, change);
        break;
      }
      case 'timerScheduled':
        newTimers.set(event.timer.id, { id: event.timer.id, case_id: c.id, element_id: event.timer.elementId, due_at: new Date(event.timer.dueAt) });
        break;
      case 'timerCancelled':
      case 'timerFired':
        if (!newTimers.delete(event.timerId)) goneTimers.add(event.timerId);
        break;
      default:
        break;
    }
  }
  const chunks = <T>(rows: T[]): T[][] => {
    const out: T[][] = [];
    for (let i = 0; i < rows.length; i += 500) out.push(rows.slice(i, i + 500));
    return out;
  };
  for (const rows of chunks([...newSteps.values()])) await trx.insertInto('steps').values(rows).execute();
  for (const [id, row] of changedSteps) {
    const { seq: _seq, id: _id, ...rest } = row;
    await trx.updateTable('steps').set(rest).where('id', '=', id).execute();
  }
  for (const rows of chunks([...newTasks.values()])) await trx.insertInto('tasks').values(rows).execute();
  for (const [id, change] of taskChanges) await trx.updateTable('tasks').set(change).where('id', '=', id).execute();
  if (goneTimers.size > 0) await trx.deleteFrom('timers').where('id', 'in', [...goneTimers]).execute();
  for (const rows of chunks([...newTimers.values()])) await trx.insertInto('timers').values(rows).execute();
  const audit: AuditEntry[] = events.map((event) => ({
    type: event.type,
    at: new Date(eventTime(event, options.now)),
    actor: options.actor,
    payload: event,
  }));
  await appendAudit(trx, c.id, audit);
}
