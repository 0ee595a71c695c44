/**
 * Timers: when a timer event is due (a duration, a date, a cycle or gov:workingDays), its scheduling and its
 * cancelling. Whatever a timer waits at — a catch event, a boundary event, an event subprocess start, an event
 * after an event-based gateway — is armed here through `ElementContext.awaitEvent` (waits.ts); a cycle's next
 * firing is scheduled when the timer fires (waits.ts `fireTimer`).
 */
import { parseCycle, parseDate, parseDuration } from '../model/timer-expression.js';
import type { EventDefinition, FlowNode } from '../model/types.js';
import type { ElementContext } from './context.js';
import type { ActivityInstance, ScopeInstance, TimerInstance } from './state.js';

type TimerDefinition = Extract<EventDefinition, { kind: 'timer' }>;

/** Schedules the timer `event` of `node`: an incident when its expression gives no instant. */
export function scheduleTimer(
  ctx: ElementContext,
  instance: ActivityInstance | null,
  scope: ScopeInstance,
  node: FlowNode,
  event: TimerDefinition,
): void {
  const raw = event.expression.trim().startsWith('=')
    ? String(ctx.evaluate(event.expression, scope, instance))
    : event.expression;
  const due = dueOf(ctx, node, event, raw);
  if (due === null) ctx.incident(node.id, `timer of '${node.id}' has an unreadable ${event.timer} '${raw}'`);
  addTimer(ctx, {
    id: ctx.newId('timer'),
    elementId: node.id,
    activityId: instance?.id ?? null,
    scopeId: scope.id,
    dueAt: due.dueAt,
    repeat: due.repeat,
    intervalMs: due.intervalMs,
    // kept so that loading a year's holidays can move the timer (server/calendar)
    ...(due.workingDays === undefined ? {} : { workingDays: due.workingDays, scheduledAt: ctx.now }),
  });
}

interface Due {
  dueAt: number;
  repeat?: number | null;
  intervalMs?: number;
  workingDays?: number;
}

/** When the timer is first due (null: the expression gives no instant), with a cycle's repetitions. */
function dueOf(ctx: ElementContext, node: FlowNode, event: TimerDefinition, raw: string): Due | null {
  switch (event.timer) {
    case 'workingDays': {
      const days = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(days) || days < 0) {
        ctx.incident(
          node.id,
          `gov:workingDays of timer '${node.id}' gave '${raw}', not a number of working days ≥ 0`,
        );
      }
      return { dueAt: ctx.workingDaysAfter(ctx.now, days), workingDays: days };
    }
    case 'duration': {
      const ms = parseDuration(raw);
      return ms === null ? null : { dueAt: ctx.now + ms };
    }
    case 'date': {
      const at = parseDate(raw);
      return at === null ? null : { dueAt: at };
    }
    default: {
      const cycle = parseCycle(raw);
      if (!cycle) return null;
      return {
        dueAt: cycle.startAt ?? ctx.now + cycle.intervalMs,
        repeat: cycle.repetitions,
        intervalMs: cycle.intervalMs,
      };
    }
  }
}

/** Stores a timer and records it (a cycle's next firing too). */
export function addTimer(ctx: ElementContext, timer: TimerInstance): void {
  if (timer.repeat === undefined) delete timer.repeat;
  if (timer.intervalMs === undefined) delete timer.intervalMs;
  ctx.state.timers[timer.id] = timer;
  ctx.emit({ type: 'timerScheduled', timer: { ...timer } });
}

/** The next firing of a cycle that has repetitions left, or null. */
export function nextOfCycle(ctx: ElementContext, timer: TimerInstance): TimerInstance | null {
  const again = timer.intervalMs !== undefined && (timer.repeat === null || (timer.repeat ?? 0) > 1);
  if (!again) return null;
  return {
    ...timer,
    id: ctx.newId('timer'),
    dueAt: timer.dueAt + timer.intervalMs!,
    repeat: timer.repeat === null ? null : (timer.repeat ?? 1) - 1,
  };
}

export function cancelTimer(ctx: ElementContext, timer: TimerInstance): void {
  delete ctx.state.timers[timer.id];
  ctx.emit({ type: 'timerCancelled', timerId: timer.id });
}
