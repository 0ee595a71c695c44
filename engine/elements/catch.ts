/** Where a caught event goes (`ElementContext.wake`): an event subprocess start, a boundary event, or the instance waiting. */
import { fireBoundary } from './boundary-event.js';
import type { ElementContext, Trigger } from './context.js';
import { startEventSubprocess } from './sub-process.js';

/** Wakes whatever waits at `elementId`: an instance, a boundary event of one, or an event subprocess start. */
export function wake(
  ctx: ElementContext,
  activityId: string | null,
  scopeId: string,
  elementId: string,
  trigger: Trigger,
): void {
  const scope = ctx.state.scopes[scopeId];
  if (!scope) return;
  const node = ctx.graphOf(scope).nodes[elementId];
  ctx.current = elementId;
  if (activityId === null) {
    startEventSubprocess(ctx, scope, node);
    return;
  }
  const instance = ctx.state.activities[activityId];
  if (!instance) return;
  if (node.type === 'boundaryEvent' && instance.elementId !== elementId) {
    fireBoundary(ctx, instance, node);
    return;
  }
  ctx.trigger(instance, trigger);
}
