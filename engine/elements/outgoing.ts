/** Choosing the outgoing flows a token takes when it leaves a node: one rule per kind of element. */
import type { FlowNode } from '../model/types.js';
import type { ElementContext, FlowRule } from './context.js';
import type { ScopeInstance } from './state.js';

/**
 * Sends tokens along the outgoing flows of `node` that its rule chooses (a flow without a condition always
 * qualifies; the default flow only as said; BPMN 2.0 chapter 13):
 * - `activity` (activities and events): every flow when none has a condition; else every
 *   unconditioned flow and every true condition, and the default flow when no condition holds.
 * - `exclusive` (XOR gateway): the first qualifying flow in order, else the default flow.
 * - `inclusive` (OR split): every qualifying flow, else the default flow.
 * No flow to take, where one is needed, is an incident.
 */
export function takeOutgoing(
  ctx: ElementContext,
  scope: ScopeInstance,
  node: FlowNode,
  rule: FlowRule,
): void {
  const graph = ctx.graphOf(scope);
  const outgoing = node.outgoing;
  if (rule === 'activity' && !outgoing.some((id) => graph.flows[id].condition !== null)) {
    for (const flowId of outgoing) ctx.take(scope, flowId);
    return;
  }
  if (rule === 'exclusive' && outgoing.length <= 1 && !graph.flows[outgoing[0] ?? '']?.condition) {
    if (outgoing[0]) ctx.take(scope, outgoing[0]);
    return;
  }
  let held = 0; // conditions that held
  let taken = 0;
  for (const flowId of outgoing) {
    if (flowId === node.defaultFlow) continue;
    const condition = graph.flows[flowId].condition;
    if (condition !== null && ctx.evaluate(condition, scope) !== true) continue;
    if (condition !== null) held++;
    ctx.take(scope, flowId);
    taken++;
    if (rule === 'exclusive') return;
  }
  const byDefault = rule === 'activity' ? held === 0 : taken === 0;
  if (byDefault && node.defaultFlow) ctx.take(scope, node.defaultFlow);
  else if (taken === 0 && outgoing.length > 0)
    ctx.incident(
      node.id,
      `no outgoing condition of ${node.type} '${node.id}' holds and it has no default flow: add a default flow or fix the conditions`,
    );
}
