/**
 * Flow-to-flow reachability inside one scope, for the inclusive (OR) join of BPMN 2.0 §13.3.5 and for the
 * metrics: can a token at a node still arrive on a given sequence flow without passing a given node?
 */
import type { ProcessGraph } from './types.js';

export interface Reachability {
  /**
   * Whether a directed path leads from node `fromNodeId` (leaving it by its outgoing flows or, for an
   * activity, by its boundary events) to the sequence flow `flowId` without passing through node
   * `avoidNodeId`. The path may be just `flowId` itself when `fromNodeId` is its source. A token at the
   * avoided node itself reaches nothing (false). Paths stay in the scope of `flowId`: a node in another
   * scope (inside a subprocess, say) never reaches it; map such tokens to their subprocess node first.
   * `avoidNodeId` may name no node (e.g. `''`), which avoids nothing. Throws on an unknown `flowId`.
   */
  canReachFlowAvoiding(fromNodeId: string, flowId: string, avoidNodeId: string): boolean;
  /** The nodes that reach `flowId` without visiting `avoidNodeId` (memoised; do not mutate). */
  nodesReachingFlow(flowId: string, avoidNodeId: string): ReadonlySet<string>;
}

export function createReachability(graph: ProcessGraph): Reachability {
  const memo = new Map<string, Set<string>>();

  /** Predecessors of a node within `scope`: sources of incoming flows, and the host of a boundary event. */
  const predecessors = (nodeId: string, scope: string): string[] => {
    const node = graph.nodes[nodeId];
    if (!node) return [];
    const result: string[] = [];
    for (const flowId of node.incoming) {
      const flow = graph.flows[flowId];
      const source = flow ? graph.nodes[flow.source] : undefined;
      if (source && source.scope === scope) result.push(source.id);
    }
    if (node.type === 'boundaryEvent' && node.attachedTo) {
      const host = graph.nodes[node.attachedTo];
      if (host && host.scope === scope && host.boundaries.includes(node.id)) result.push(host.id);
    }
    return result;
  };

  const nodesReachingFlow = (flowId: string, avoidNodeId: string): Set<string> => {
    const key = `${avoidNodeId}\u0000${flowId}`;
    const known = memo.get(key);
    if (known) return known;
    const flow = graph.flows[flowId];
    if (!flow) throw new RangeError(`no sequence flow '${flowId}' in process '${graph.key}'`);
    const reaching = new Set<string>();
    const source = graph.nodes[flow.source];
    if (source && source.id !== avoidNodeId) {
      // walk backwards from the flow's source; the avoided node is never entered, so nothing is reached through it
      const stack = [source.id];
      reaching.add(source.id);
      while (stack.length > 0) {
        const nodeId = stack.pop()!;
        for (const previous of predecessors(nodeId, source.scope)) {
          if (previous === avoidNodeId || reaching.has(previous)) continue;
          reaching.add(previous);
          stack.push(previous);
        }
      }
    }
    memo.set(key, reaching);
    return reaching;
  };

  return {
    canReachFlowAvoiding(fromNodeId, flowId, avoidNodeId) {
      return fromNodeId !== avoidNodeId && nodesReachingFlow(flowId, avoidNodeId).has(fromNodeId);
    },
    nodesReachingFlow,
  };
}
