/**
 * Errors and escalations travel outward from where they are thrown to the nearest catch: an event subprocess
 * of an enclosing scope, or a boundary event of an enclosing activity (boundary-event.ts).
 */
import type { FlowNode } from '../model/types.js';
import { catchAtBoundary } from './boundary-event.js';
import type { ElementContext } from './context.js';
import type { ActivityInstance, ScopeInstance } from './state.js';
import { startEventSubprocess } from './sub-process.js';

type Kind = 'error' | 'escalation';

/** The start event of an event subprocess of `scope` that catches `kind`/`code`, if any. */
function eventStartFor(
  ctx: ElementContext,
  scope: ScopeInstance,
  kind: Kind,
  code: string | null,
): FlowNode | null {
  const graph = ctx.graphOf(scope);
  for (const eventSubprocessId of graph.scopes[scope.elementId].eventSubprocesses) {
    for (const startId of graph.scopes[eventSubprocessId].startEvents) {
      const start = graph.nodes[startId];
      if (start.event?.kind === kind && (start.event.code === null || start.event.code === code))
        return start;
    }
  }
  return null;
}

/** Walks out from `scope` to the nearest event subprocess or boundary event catching `kind`/`code`. */
function propagate(ctx: ElementContext, scope: ScopeInstance, kind: Kind, code: string | null): boolean {
  let current: ScopeInstance | undefined = scope;
  while (current) {
    const start = eventStartFor(ctx, current, kind, code);
    if (start) {
      startEventSubprocess(ctx, current, start);
      return true;
    }
    if (!current.parentActivity) return false;
    const host: ActivityInstance | undefined = ctx.state.activities[current.parentActivity];
    if (!host) return false;
    if (catchAtBoundary(ctx, host, kind, code)) return true;
    current = ctx.state.scopes[host.scopeId];
  }
  return false;
}

/**
 * Throws a BPMN error from `node`; `thrower`, the activity instance throwing it (a service task's handler),
 * tries its own boundary events first. Not caught anywhere: an incident.
 */
export function throwError(
  ctx: ElementContext,
  scope: ScopeInstance,
  node: FlowNode,
  code: string | null,
  thrower?: ActivityInstance | null,
): void {
  const caught =
    (thrower ? catchAtBoundary(ctx, thrower, 'error', code) : false) || propagate(ctx, scope, 'error', code);
  ctx.emit({ type: 'errorRaised', code, elementId: node.id, caught, at: ctx.now });
  if (!caught)
    ctx.incident(
      node.id,
      `error '${code ?? '(no code)'}' thrown by '${node.id}' is not caught by any boundary event or event subprocess`,
    );
}

/** Throws an escalation from `node`; not caught anywhere, it is only recorded. */
export function throwEscalation(
  ctx: ElementContext,
  scope: ScopeInstance,
  node: FlowNode,
  code: string | null,
): void {
  const caught = propagate(ctx, scope, 'escalation', code);
  ctx.emit({ type: 'escalationRaised', code, elementId: node.id, caught, at: ctx.now });
}
