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
function consumeJoin(scope: ScopeInstance, node: FlowNode): void {
  const join = scope.joins[node.id];
  if (!join) return;
  for (const flow of Object.keys(join)) {
    if (--join[flow] <= 0) delete join[flow];
  }
  if (Object.keys(join).length === 0) delete scope.joins[node.id];
}

/** XOR: the first flow whose condition holds (or that has none), else the default flow (outgoing.ts). */
export const exclusiveGateway: ElementBehaviour = {
  arrive: (ctx, scope, node) => ctx.leave(scope, node, 'exclusive'),
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

export const inclusiveGateway: ElementBehaviour = {
  arrive(ctx, scope, node, flowId) {
    if (node.incoming.length <= 1) {
      ctx.leave(scope, node, 'inclusive'); // every flow whose condition holds, else the default flow
      return;
    }
    arriveAtJoin(scope, node, flowId);
    ctx.awaitOrJoin(scope, node); // fires once no token that could still arrive is left upstream
  },
};

/**
 * Fires one inclusive join that may fire (`orJoinMayFire`), asked by the runtime once no token moves: it takes
 * one token off each incoming flow holding one and splits. True when one fired.
 */
export function fireReadyOrJoin(ctx: ElementContext): boolean {
  for (const scope of Object.values(ctx.state.scopes)) {
    const graph = ctx.graphOf(scope);
    for (const nodeId of Object.keys(scope.joins)) {
      const node = graph.nodes[nodeId];
      if (node.type !== 'inclusiveGateway' || !orJoinMayFire(ctx, scope, node)) continue;
      ctx.current = node.id;
      consumeJoin(scope, node);
      ctx.leave(scope, node, 'inclusive');
      return true;
    }
  }
  return false;
}

/**
 * BPMN 2.0 §13.3.5: the OR-join fires when no token elsewhere in the scope can still reach one of its
 * empty incoming flows — unless that token can also reach a flow that already has one.
 */
function orJoinMayFire(ctx: ElementContext, scope: ScopeInstance, join: FlowNode): boolean {
  const arrived = scope.joins[join.id] ?? {};
  const full = join.incoming.filter((f) => (arrived[f] ?? 0) > 0);
  const empty = join.incoming.filter((f) => !((arrived[f] ?? 0) > 0));
  if (full.length === 0) return false;
  if (empty.length === 0) return true;
  const reach = ctx.reachOf(scope);
  const positions = new Set<string>();
  for (const instance of Object.values(ctx.state.activities))
    if (instance.scopeId === scope.id) positions.add(instance.elementId);
  for (const nodeId of Object.keys(scope.joins)) if (nodeId !== join.id) positions.add(nodeId);
  for (const position of positions) {
    const blocks = empty.some((f) => reach.canReachFlowAvoiding(position, f, join.id));
    if (blocks && !full.some((f) => reach.canReachFlowAvoiding(position, f, join.id))) return false;
  }
  return true;
}

/** The event-based gateway waits for the first of the events after it; the others are withdrawn. */
export const eventBasedGateway: ElementBehaviour = {
  arrive(ctx, scope, node) {
    const graph = ctx.graphOf(scope);
    const gateway = ctx.enter(scope, node, { step: false, wait: 'gateway' });
    for (const flowId of node.outgoing) {
      const target = graph.nodes[graph.flows[flowId].target];
      ctx.awaitEvent(gateway, scope, target);
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
