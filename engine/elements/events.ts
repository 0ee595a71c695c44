/** Events: start, end (none, terminate, error, escalation, signal), intermediate throw and catch (boundary events: boundary-event.ts). */
import type { FlowNode } from '../model/types.js';
import type { ElementBehaviour } from './behaviour.js';
import type { ElementContext } from './context.js';
import { throwError, throwEscalation } from './error-escalation.js';
import { CAUGHT, STARTS, THROWN, unsupportedDefinition } from './event-definitions.js';
import type { ScopeInstance } from './state.js';
import { mappedVariables } from './sub-process.js';
import { broadcastSignal, correlationKeyOf } from './waits.js';

/**
 * Records a message thrown by an event or send task. Its payload: the element's `gov:payload` mappings when it has
 * any (only those variables leave the case), else every variable of the sending scope.
 */
export function sendMessage(ctx: ElementContext, scope: ScopeInstance, node: FlowNode, name: string): void {
  const correlationKey = correlationKeyOf(ctx, scope, null, node.event?.kind === 'message' ? node.event : {});
  ctx.emit({
    type: 'messageSent',
    name,
    elementId: node.id,
    at: ctx.now,
    variables: node.payload ? mappedVariables(ctx, node.payload, scope, null) : { ...ctx.variablesOf(scope) },
    correlationKey,
  });
}

export const startEvent: ElementBehaviour = {
  unsupported: (node) => unsupportedDefinition(node, STARTS),
  arrive: (ctx, scope, node) => ctx.leave(scope, node),
};

export const endEvent: ElementBehaviour = {
  unsupported: (node) => unsupportedDefinition(node, THROWN),
  arrive(ctx, scope, node) {
    const event = node.event;
    if (event?.kind === 'terminate') ctx.terminateScope(scope);
    else if (event?.kind === 'error') throwError(ctx, scope, node, event.code);
    else if (event?.kind === 'escalation') throwEscalation(ctx, scope, node, event.code);
    else if (event?.kind === 'signal') broadcastSignal(ctx, event.name, node.id);
    else if (event?.kind === 'message') sendMessage(ctx, scope, node, event.name);
    // none and message end events consume the token; the scope ends when no token is left
  },
};

export const intermediateThrowEvent: ElementBehaviour = {
  unsupported: (node) => unsupportedDefinition(node, new Set(['message', 'signal', 'escalation', 'link'])),
  arrive(ctx, scope, node) {
    const event = node.event;
    if (event?.kind === 'link') {
      const graph = ctx.graphOf(scope);
      const target = graph.scopes[scope.elementId].nodes
        .map((id) => graph.nodes[id])
        .find(
          (n) =>
            n.type === 'intermediateCatchEvent' && n.event?.kind === 'link' && n.event.name === event.name,
        );
      if (!target)
        return ctx.incident(
          node.id,
          `link '${event.name}' thrown by '${node.id}' has no catching link event in the same scope`,
        );
      ctx.placeToken(scope, target.id);
      return;
    }
    if (event?.kind === 'signal') broadcastSignal(ctx, event.name, node.id);
    if (event?.kind === 'message') sendMessage(ctx, scope, node, event.name);
    if (event?.kind === 'escalation') {
      throwEscalation(ctx, scope, node, event.code);
      if (!ctx.state.scopes[scope.id]) return; // an interrupting catch ended this scope
    }
    ctx.leave(scope, node);
  },
};

export const intermediateCatchEvent: ElementBehaviour = {
  unsupported: (node) =>
    unsupportedDefinition(node, CAUGHT) ??
    (node.event?.kind === 'timer' && node.event.timer === 'cycle'
      ? `intermediateCatchEvent '${node.id}' has a timeCycle, but a catch event lets its token pass once, so the repetitions would never happen: give it a timeDuration or timeDate, or put the cycle on a non-interrupting boundary timer (it fires every period while its activity is open) or a non-interrupting timer event subprocess`
      : null) ??
    (node.event
      ? null
      : `intermediateCatchEvent '${node.id}' has no event definition: give it a message, timer, signal, conditional or link`),
  arrive(ctx, scope, node) {
    if (node.event?.kind === 'link') {
      ctx.leave(scope, node);
      return;
    }
    ctx.enter(scope, node);
  },
  activate(ctx, instance, scope, node) {
    const event = node.event;
    instance.wait =
      event?.kind === 'timer'
        ? 'timer'
        : event?.kind === 'conditional'
          ? 'conditional'
          : event?.kind === 'signal'
            ? 'signal'
            : 'message';
    if (event?.kind === 'conditional' && ctx.evaluate(event.condition, scope, instance) === true) {
      ctx.complete(instance); // already true when reached: nothing to wait for
      return;
    }
    ctx.awaitEvent(instance, scope, node);
  },
  trigger(ctx, instance, _scope, _node, trigger) {
    if (trigger.kind === 'task' || trigger.kind === 'scope') return;
    ctx.complete(instance, 'variables' in trigger ? trigger.variables : undefined);
  },
};
