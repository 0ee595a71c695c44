/** Gateways: exclusive (XOR), parallel (AND), inclusive (OR, with the BPMN OR-join) and event-based. */
import type { FlowNode } from '../model/types.js';
import type { ElementBehaviour } from './behaviour.js';
import type { ElementContext } from './context.js';
import type { ScopeInstance } from './state.js';

/** Counts a token on `flowId` at a join; returns the flows holding tokens. */
function arriveAtJoin(scope: ScopeInstance, node: FlowNode, flowId: string | null): Record<string, number> {
  scope.joins[node.id] ??= {};
  const join = scope.joins[node.id];
  if (flowId) join[flowId] = (join[flowId] ?? 0) + 1;
  return join;
}

/** Takes one token off each flow that has one. */
export function consumeJoin(scope: ScopeInstance, node: FlowNode): void {
  const join = scope.joins[node.id];
  if (!join) return;
  for (const flow of Object.keys(join)) {
    if (--join[flow] <= 0) delete join[flow];
  }
  if (Object.keys(join).length === 0) delete scope.joins[node.id];
}

function noOutgoing(ctx: ElementContext, node: FlowNode): never {
  return ctx.incident(
    node.id,
    `no outgoing condition of ${node.type} '${node.id}' holds and it has no default flow: add a default flow or fix the conditions`,
  );
}

function conditionHolds(ctx: ElementContext, scope: ScopeInstance, condition: string): boolean {
  return ctx.evaluate(condition, scope) === true;
}

export const exclusiveGateway: ElementBehaviour = {
  arrive(ctx, scope, node) {
    const graph = ctx.graphOf(scope);
    if (node.outgoing.length <= 1 && !graph.flows[node.outgoing[0] ?? '']?.condition) {
      if (node.outgoing[0]) ctx.take(scope, node.outgoing[0]);
      return;
    }
    for (const flowId of node.outgoing) {
      const flow = graph.flows[flowId];
      if (flowId === node.defaultFlow) continue;
      if (!flow.condition || conditionHolds(ctx, scope, flow.condition)) {
        ctx.take(scope, flowId);
        return;
      }
    }
    if (node.defaultFlow) ctx.take(scope, node.defaultFlow);
    else noOutgoing(ctx, node);
  },
};

export const parallelGateway: ElementBehaviour = {
  arrive(ctx, scope, node, flowId) {
    if (node.incoming.length > 1) {
      const join = arriveAtJoin(scope, node, flowId);
      if (!node.incoming.every((f) => (join[f] ?? 0) > 0)) return;
      consumeJoin(scope, node);
    }
    for (const out of node.outgoing) ctx.take(scope, out);
  },
};

/** The inclusive split: every flow whose condition holds (an unconditioned flow always), else the default. */
export function inclusiveSplit(ctx: ElementContext, scope: ScopeInstance, node: FlowNode): void {
  const graph = ctx.graphOf(scope);
  const taken = node.outgoing.filter((flowId) => {
    if (flowId === node.defaultFlow) return false;
    const condition = graph.flows[flowId].condition;
    return !condition || conditionHolds(ctx, scope, condition);
  });
  if (taken.length === 0 && node.defaultFlow) taken.push(node.defaultFlow);
  if (taken.length === 0 && node.outgoing.length > 0) noOutgoing(ctx, node);
  for (const flowId of taken) ctx.take(scope, flowId);
}

export const inclusiveGateway: ElementBehaviour = {
  arrive(ctx, scope, node, flowId) {
    if (node.incoming.length <= 1) {
      inclusiveSplit(ctx, scope, node);
      return;
    }
    arriveAtJoin(scope, node, flowId);
    ctx.awaitOrJoin(scope, node); // fires once no token that could still arrive is left upstream
  },
};

/** The event-based gateway waits for the first of the events after it; the others are withdrawn. */
export const eventBasedGateway: ElementBehaviour = {
  arrive(ctx, scope, node) {
    const graph = ctx.graphOf(scope);
    const gateway = ctx.enter(scope, node, { step: false, wait: 'gateway' });
    for (const flowId of node.outgoing) {
      const target = graph.nodes[graph.flows[flowId].target];
      const event = target.event;
      if (event?.kind === 'timer') ctx.scheduleTimer(gateway, scope, target);
      else if (event?.kind === 'message' || event?.kind === 'signal') {
        ctx.subscribe({
          kind: event.kind,
          name: event.name,
          elementId: target.id,
          activityId: gateway.id,
          scopeId: scope.id,
        });
      } else if (event?.kind === 'conditional') {
        ctx.subscribe({
          kind: 'conditional',
          name: event.condition,
          elementId: target.id,
          activityId: gateway.id,
          scopeId: scope.id,
        });
      }
    }
  },
  trigger(ctx, gateway, scope, _node, trigger) {
    if (trigger.kind === 'task' || trigger.kind === 'scope') return;
    const target = ctx.graphOf(scope).nodes[trigger.elementId];
    ctx.complete(gateway, undefined, { leave: false }); // its token moves to the chosen event instead
    const chosen = ctx.enter(scope, target, { activate: false });
    ctx.complete(chosen, 'variables' in trigger ? trigger.variables : undefined);
  },
};
