/**
 * Conditional events (BPMN 2.0.2 §10.5.4): a condition is evaluated when the event becomes active and then
 * whenever the data it reads may have changed; it triggers when it holds on activation, and later only when it
 * changes from false to true. Armed like every wait (waits.ts); fired through `ElementContext.wake`.
 */
import type { ElementContext } from './context.js';
import type { ActivityInstance, ScopeInstance, Subscription } from './state.js';
import { consume } from './waits.js';

/**
 * Evaluates the conditional events among `elementIds` just armed: the boundary events of `instance` as it is
 * entered, or the event subprocess starts of `scope` (instance null) as it opens. One that holds triggers at
 * once, before the activity or the scope does anything. True when an interrupting one fired: the activity, or
 * the scope, has ended.
 */
export function conditionsAtActivation(
  ctx: ElementContext,
  elementIds: string[],
  scope: ScopeInstance,
  instance: ActivityInstance | null,
): boolean {
  const graph = ctx.graphOf(scope);
  const activityId = instance?.id ?? null;
  let armed: Subscription[] | null = null;
  for (const id of elementIds) {
    if (graph.nodes[id].event?.kind !== 'conditional') continue;
    armed ??= ctx.state.subscriptions.filter(
      (sub) =>
        sub.kind === 'conditional' &&
        sub.activityId === activityId &&
        sub.scopeId === scope.id &&
        elementIds.includes(sub.elementId),
    );
    break;
  }
  if (armed === null) return false;
  for (const sub of armed) {
    if (!ctx.state.subscriptions.includes(sub)) continue;
    ctx.current = sub.elementId;
    const holds = ctx.evaluate(sub.name, scope, instance) === true;
    sub.lastValue = holds;
    if (!holds) continue;
    consume(ctx, sub);
    ctx.wake(activityId, scope.id, sub.elementId, { kind: 'conditional', elementId: sub.elementId });
    if (graph.nodes[sub.elementId].interrupting) return true;
  }
  return false;
}

/** Fires every conditional event whose condition rose from false to true; true when one fired. */
export function fireRisingConditions(ctx: ElementContext): boolean {
  let fired = false;
  for (const sub of [...ctx.state.subscriptions]) {
    if (sub.kind !== 'conditional' || !ctx.state.subscriptions.includes(sub)) continue;
    const scope = ctx.state.scopes[sub.scopeId];
    const instance = sub.activityId ? ctx.state.activities[sub.activityId] : null;
    if (!scope) continue;
    ctx.current = sub.elementId;
    const value = ctx.evaluate(sub.name, scope, instance) === true;
    const rising = value && !sub.lastValue;
    sub.lastValue = value;
    if (rising) {
      consume(ctx, sub);
      ctx.wake(sub.activityId, sub.scopeId, sub.elementId, {
        kind: 'conditional',
        elementId: sub.elementId,
      });
      fired = true;
    }
  }
  return fired;
}
