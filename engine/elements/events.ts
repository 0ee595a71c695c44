/** Events: start, end (none, terminate, error, escalation, signal), intermediate throw and catch, boundary. */
import type { FlowNode } from '../model/types.js';
import type { ElementBehaviour } from './behaviour.js';
import type { ElementContext } from './context.js';
import type { ActivityInstance, ScopeInstance } from './state.js';

const THROWN = new Set(['message', 'signal', 'escalation', 'error', 'terminate', 'link']);
const CAUGHT = new Set(['message', 'timer', 'signal', 'conditional', 'link']);
const STARTS = new Set(['message', 'timer', 'signal', 'conditional', 'error', 'escalation']);

const unsupportedDefinition = (node: FlowNode, allowed: Set<string>): string | null => {
  if (node.unsupportedEvent !== undefined || node.eventDefinitionCount > 1) {
    return `${node.type} '${node.id}' has ${node.unsupportedEvent !== undefined ? 'a cancel or compensation' : 'several'} event definition${node.unsupportedEvent !== undefined ? '' : 's'}, which Reflow does not run: use one message, timer, signal, error, escalation, conditional or link definition`;
  }
  if (node.event && !allowed.has(node.event.kind)) {
    return `${node.type} '${node.id}' with a ${node.event.kind} definition is not executable: BPMN does not allow it here`;
  }
  return null;
};

/** Records a message thrown by an event or send task, with the case's variables as its payload. */
export function sendMessage(ctx: ElementContext, scope: ScopeInstance, node: FlowNode, name: string): void {
  ctx.emit({
    type: 'messageSent',
    name,
    elementId: node.id,
    at: ctx.now,
    variables: { ...ctx.variablesOf(scope) },
  });
}

/** Arms what a waiting event instance waits for. */
export function armCatch(
  ctx: ElementContext,
  instance: ActivityInstance | null,
  scope: ScopeInstance,
  node: FlowNode,
): void {
  const event = node.event;
  if (!event) return;
  if (event.kind === 'timer') ctx.scheduleTimer(instance, scope, node);
  else if (event.kind === 'message' || event.kind === 'signal') {
    ctx.subscribe({
      kind: event.kind,
      name: event.name,
      elementId: node.id,
      activityId: instance?.id ?? null,
      scopeId: scope.id,
    });
  } else if (event.kind === 'conditional') {
    ctx.subscribe({
      kind: 'conditional',
      name: event.condition,
      elementId: node.id,
      activityId: instance?.id ?? null,
      scopeId: scope.id,
    });
  }
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
    else if (event?.kind === 'error') ctx.throwError(scope, node, event.code);
    else if (event?.kind === 'escalation') ctx.throwEscalation(scope, node, event.code);
    else if (event?.kind === 'signal') ctx.broadcastSignal(event.name, node);
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
    if (event?.kind === 'signal') ctx.broadcastSignal(event.name, node);
    if (event?.kind === 'message') sendMessage(ctx, scope, node, event.name);
    if (event?.kind === 'escalation') {
      ctx.throwEscalation(scope, node, event.code);
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
    armCatch(ctx, instance, scope, node);
  },
  trigger(ctx, instance, _scope, _node, trigger) {
    if (trigger.kind === 'task' || trigger.kind === 'scope') return;
    ctx.complete(instance, 'variables' in trigger ? trigger.variables : undefined);
  },
};

export const boundaryEvent: ElementBehaviour = {
  unsupported: (node) =>
    unsupportedDefinition(
      node,
      new Set(['message', 'timer', 'signal', 'conditional', 'error', 'escalation']),
    ) ??
    (node.event
      ? null
      : `boundaryEvent '${node.id}' has no event definition: give it a timer, message, signal, error, escalation or conditional`),
  // boundary events are armed with their activity and fired by the runtime; a token never flows into one
  arrive: (ctx, scope, node) => ctx.leave(scope, node),
};
