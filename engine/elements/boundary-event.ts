/**
 * Boundary events: a timer, message, signal, conditional, error or escalation event attached to an activity.
 * - Armed as the activity is entered (`armBoundaries`, called by the runtime's `enter`): a timer is scheduled
 *   (timers.ts), a message, signal or condition subscribed (waits.ts), each with the activity's instance as
 *   its `activityId`; a conditional one that holds at once fires at once (conditional-events.ts). A
 *   multi-instance activity arms them on its body, not on each inner instance.
 * - Fired (`fireBoundary`, through catch.ts) when what it waits for arrives: an interrupting one terminates
 *   the activity first; either way a token leaves by the boundary event's outgoing flows.
 * - A non-interrupting one keeps waiting after it fired (`keepsWaiting`), and its timer cycle is scheduled
 *   again (waits.ts `fireTimer`).
 * - Error and escalation boundaries catch what the activity's inside throws (`catchAtBoundary`, called from
 *   error-escalation.ts); an error always interrupts.
 * - Withdrawn with the activity's other waits when it completes or is terminated (`ElementContext.withdrawWaits`).
 */
import type { FlowNode } from '../model/types.js';
import type { ElementBehaviour } from './behaviour.js';
import type { ElementContext } from './context.js';
import { unsupportedDefinition } from './event-definitions.js';
import { boundaryHost } from './multi-instance.js';
import type { ActivityInstance, ScopeInstance } from './state.js';

export const boundaryEvent: ElementBehaviour = {
  unsupported: (node) =>
    unsupportedDefinition(
      node,
      new Set(['message', 'timer', 'signal', 'conditional', 'error', 'escalation']),
    ) ??
    (node.event
      ? null
      : `boundaryEvent '${node.id}' has no event definition: give it a timer, message, signal, error, escalation or conditional`),
  // boundary events are armed with their activity and fired below; a token never flows into one
  arrive: (ctx, scope, node) => ctx.leave(scope, node),
};

/** Arms the boundary events of `node` on its just-entered `instance`. */
export function armBoundaries(
  ctx: ElementContext,
  instance: ActivityInstance,
  scope: ScopeInstance,
  node: FlowNode,
): void {
  const graph = ctx.graphOf(scope);
  for (const boundaryId of node.boundaries) {
    const boundary = graph.nodes[boundaryId];
    ctx.awaitEvent(instance, scope, boundary);
  }
}

/** The boundary event `boundary` of `host` fires: an interrupting one ends the host; a token leaves by it. */
export function fireBoundary(
  ctx: ElementContext,
  host: ActivityInstance,
  boundary: FlowNode,
  interrupting = boundary.interrupting,
): void {
  const hostScope = ctx.state.scopes[host.scopeId];
  if (interrupting) ctx.terminate(host);
  ctx.leave(hostScope, boundary);
}

/**
 * Whether a catch keeps waiting after it fired: a non-interrupting boundary event, or a non-interrupting
 * event subprocess start (sub-process.ts), which may fire again.
 */
export function keepsWaiting(ctx: ElementContext, scopeId: string, elementId: string): boolean {
  const scope = ctx.state.scopes[scopeId];
  if (!scope) return false;
  const node = ctx.graphOf(scope).nodes[elementId];
  return !node.interrupting && (node.type === 'boundaryEvent' || node.type === 'startEvent');
}

/** Leaves by the boundary event of `instance` (or of its multi-instance body) that catches `kind`/`code`, if any. */
export function catchAtBoundary(
  ctx: ElementContext,
  instance: ActivityInstance,
  kind: 'error' | 'escalation',
  code: string | null,
): boolean {
  const host = boundaryHost(ctx, instance);
  const graph = ctx.graphOf(ctx.state.scopes[host.scopeId]);
  const boundary = graph.nodes[host.elementId].boundaries
    .map((id) => graph.nodes[id])
    .find((b) => b.event?.kind === kind && (b.event.code === null || b.event.code === code));
  if (!boundary) return false;
  fireBoundary(ctx, host, boundary, boundary.interrupting || kind === 'error');
  return true;
}
