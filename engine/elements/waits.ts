/**
 * What a case waits for from outside, held in its state: subscriptions (a message, a signal, a condition) and
 * timers (timers.ts). Arming, withdrawing and consuming them, and delivering what arrives, live here once for
 * every element that waits: catch events, receive tasks, boundary events, event subprocess starts and the
 * events after an event-based gateway. Where a delivered event goes next is catch.ts (`ElementContext.wake`).
 */
import type { EventDefinition, FlowNode } from '../model/types.js';
import { keepsWaiting } from './boundary-event.js';
import type { ElementContext } from './context.js';
import type { ActivityInstance, ScopeInstance, Subscription, TimerInstance, Variables } from './state.js';
import { addTimer, cancelTimer, nextOfCycle, scheduleTimer } from './timers.js';

/** Waits for what `event` catches at `node` (see `ElementContext.awaitEvent`); other kinds wait for nothing. */
export function awaitEvent(
  ctx: ElementContext,
  instance: ActivityInstance | null,
  scope: ScopeInstance,
  node: FlowNode,
  event: EventDefinition | null,
): void {
  if (!event) return;
  if (event.kind === 'timer') scheduleTimer(ctx, instance, scope, node, event);
  else if (event.kind === 'message' || event.kind === 'signal' || event.kind === 'conditional') {
    const sub: Subscription = {
      id: ctx.newId('sub'),
      kind: event.kind,
      name: event.kind === 'conditional' ? event.condition : event.name,
      elementId: node.id,
      activityId: instance?.id ?? null,
      scopeId: scope.id,
    };
    if (event.kind === 'message') sub.correlationKey = correlationKeyOf(ctx, scope, instance, event);
    if (sub.kind === 'conditional') {
      // evaluated at once where it is a boundary or event subprocess start (conditional-events.ts); elsewhere
      // (after an event-based gateway) once the tokens settle
      sub.lastValue = false;
      ctx.reevaluateConditions();
    }
    ctx.state.subscriptions.push(sub);
  }
}

/**
 * A message's correlation key in this case: its FEEL expression (default `=businessKey`) evaluated here, as
 * text (null: no key). Messages between cases are delivered where name and key are equal.
 */
export function correlationKeyOf(
  ctx: ElementContext,
  scope: ScopeInstance,
  instance: ActivityInstance | null,
  event: { correlationKey?: string },
): string | null {
  const value = ctx.evaluate(event.correlationKey ?? '=businessKey', scope, instance);
  if (value === null || value === undefined) return null;
  return typeof value === 'string'
    ? value
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);
}

/**
 * Withdraws waits: those of an activity instance (its own, and its boundary events'), or those of a scope's
 * event subprocess starts (the waits whose activity is null).
 */
export function withdrawWaits(ctx: ElementContext, of: ActivityInstance | ScopeInstance): void {
  const state = ctx.state;
  if ('joins' in of) {
    if (state.subscriptions.length > 0)
      state.subscriptions = state.subscriptions.filter(
        (s) => !(s.scopeId === of.id && s.activityId === null),
      );
    for (const timer of Object.values(state.timers))
      if (timer.scopeId === of.id && timer.activityId === null) cancelTimer(ctx, timer);
    return;
  }
  if (state.subscriptions.length > 0)
    state.subscriptions = state.subscriptions.filter((s) => s.activityId !== of.id);
  for (const timer of Object.values(state.timers)) if (timer.activityId === of.id) cancelTimer(ctx, timer);
}

/** Withdraws every wait of the case (it ends before its end: failed or cancelled). */
export function withdrawAllWaits(ctx: ElementContext): void {
  for (const timer of Object.values(ctx.state.timers)) cancelTimer(ctx, timer);
  ctx.state.subscriptions = [];
}

/** Removes a subscription that fired, unless its catch keeps waiting (a non-interrupting one). */
export function consume(ctx: ElementContext, sub: Subscription): void {
  if (!keepsWaiting(ctx, sub.scopeId, sub.elementId))
    ctx.state.subscriptions = ctx.state.subscriptions.filter((s) => s !== sub);
}

/** A message or signal arrives for `sub`, with `variables`. */
export function deliver(ctx: ElementContext, sub: Subscription, variables: Variables): void {
  const scope = ctx.state.scopes[sub.scopeId];
  const instance = sub.activityId ? ctx.state.activities[sub.activityId] : null;
  consume(ctx, sub);
  // past an event-based gateway the variables go with the trigger, to the catch event it chooses
  const viaGateway = instance?.wait === 'gateway';
  if (!viaGateway && Object.keys(variables).length > 0)
    ctx.setVariables(scope, variables, instance?.elementId === sub.elementId ? instance : null);
  ctx.wake(sub.activityId, sub.scopeId, sub.elementId, {
    kind: sub.kind === 'signal' ? 'signal' : 'message',
    elementId: sub.elementId,
    variables: viaGateway ? variables : {},
  });
}

/** A timer is due: it fires, and a cycle whose catch keeps waiting is scheduled again. */
export function fireTimer(ctx: ElementContext, timer: TimerInstance): void {
  delete ctx.state.timers[timer.id];
  ctx.emit({ type: 'timerFired', timerId: timer.id, elementId: timer.elementId, at: ctx.now });
  if (keepsWaiting(ctx, timer.scopeId, timer.elementId)) {
    const next = nextOfCycle(ctx, timer);
    if (next) addTimer(ctx, next);
  }
  ctx.wake(timer.activityId, timer.scopeId, timer.elementId, { kind: 'timer', elementId: timer.elementId });
}

/** Throws a signal (`elementId`: the throwing element, or `external`): every subscription to it receives it. */
export function broadcastSignal(
  ctx: ElementContext,
  name: string,
  elementId: string,
  variables: Variables = {},
  signalId?: string,
): void {
  ctx.emit({ type: 'signalThrown', name, elementId, at: ctx.now, ...(signalId ? { signalId } : {}) });
  for (const sub of ctx.state.subscriptions.filter((s) => s.kind === 'signal' && s.name === name)) {
    if (ctx.state.subscriptions.includes(sub)) deliver(ctx, sub, variables);
  }
}
