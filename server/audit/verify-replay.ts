/**
 * What the audit events say of one case, replayed once in order (server/audit/verify-case.ts): the step, task and
 * timer records they imply, the case's start, end, trips and correction, and its variables.
 */
import { isCorrection, isTrip } from '../../engine/index.js';
import type { AuditRow, Problem } from './verify-case.js';
import { obj } from './verify-findings.js';

/** The step and task records as events carry them (engine/elements/state.ts), read defensively. */
export interface StepPayload {
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

/** A task as its events say: created, then claimed, transferred, completed or cancelled. */
export interface TaskEvents {
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

/** What the audit events say of a case, replayed once: the rows and the state they imply. */
export interface Replay {
  stepEvents: Map<string, { step: StepPayload; seq: number; enteredSeq: number }>;
  taskEvents: Map<string, TaskEvents>;
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

/** Replays the (verified) audit events in order; a completion of a task never created is a problem. */
export function replay(audit: AuditRow[], problems: Problem[]): Replay {
  // The rows the audit events imply are derived here from the stored events, on purpose NOT with the fold the
  // writer uses (engine/history/case-rows.ts): like the hashes checkChain recomputes, an independent reading is what
  // lets verify catch a fault of the writer's own fold.
  const stepEvents = new Map<string, { step: StepPayload; seq: number; enteredSeq: number }>();
  const taskEvents = new Map<string, TaskEvents>();
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
