/** Embedded subprocesses, event subprocesses and call activities: activities whose work is a scope of tokens. */
import type { FlowNode } from '../model/types.js';
import { arriveAtActivity } from './activity.js';
import type { ElementBehaviour } from './behaviour.js';
import type { ElementContext } from './context.js';
import type { ScopeInstance } from './state.js';

export const subProcess: ElementBehaviour = {
  unsupported: (node) =>
    node.triggeredByEvent && node.incoming.length > 0
      ? `event subprocess '${node.id}' must not have incoming flows`
      : null,
  arrive: (ctx, scope, node) => arriveAtActivity(ctx, scope, node),
  activate(ctx, instance, _scope, node) {
    instance.wait = 'scope';
    ctx.openScope(instance, { elementId: node.id });
  },
  trigger(ctx, instance, _scope, _node, trigger) {
    if (trigger.kind === 'scope') ctx.complete(instance);
  },
};

/** Starts an event subprocess of `scope` at its start event `start`; an interrupting one ends the rest of the scope first. */
export function startEventSubprocess(ctx: ElementContext, scope: ScopeInstance, start: FlowNode): void {
  const graph = ctx.graphOf(scope);
  const eventSubprocess = graph.nodes[start.scope];
  if (start.interrupting) {
    ctx.terminateScope(scope); // its instances, the tokens at its joins and those still on their way
    ctx.state.subscriptions = ctx.state.subscriptions.filter(
      (s) => !(s.scopeId === scope.id && s.activityId === null),
    );
    for (const timer of Object.values(ctx.state.timers)) {
      if (timer.scopeId === scope.id && timer.activityId === null) {
        delete ctx.state.timers[timer.id];
        ctx.emit({ type: 'timerCancelled', timerId: timer.id });
      }
    }
  }
  const instance = ctx.enter(scope, eventSubprocess, { activate: false, wait: 'scope' });
  ctx.openScope(instance, { elementId: eventSubprocess.id, startAt: start.id });
}

/** `callActivity`: runs the latest deployed version of the process named by `calledElement`, with its own variables. */
export const callActivity: ElementBehaviour = {
  unsupported: (node) =>
    node.calledElement
      ? null
      : `callActivity '${node.id}' has no calledElement: name the key of the process to call`,
  arrive: (ctx, scope, node) => arriveAtActivity(ctx, scope, node),
  activate(ctx, instance, scope, node) {
    instance.wait = 'scope';
    ctx.openScope(instance, {
      elementId: node.calledElement!,
      calledKey: node.calledElement!,
      variables: { ...ctx.variablesOf(scope, instance) },
    });
  },
  trigger(ctx, instance, _scope, _node, trigger) {
    if (trigger.kind === 'scope') ctx.complete(instance);
  },
};
