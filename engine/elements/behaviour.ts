/** The contract each BPMN element type implements, as one processor per type (cf. Zeebe). */
import type { FlowNode } from '../model/types.js';
import type { ElementContext, Trigger } from './context.js';
import type { ActivityInstance, ScopeInstance } from './state.js';

export interface ElementBehaviour {
  /** Why this particular node cannot run (an unsupported event definition…), or null. */
  unsupported?(node: FlowNode): string | null;
  /** A token reached the node over `flowId` (null: the scope starts at this node). */
  arrive(ctx: ElementContext, scope: ScopeInstance, node: FlowNode, flowId: string | null): void;
  /** An activity instance has been entered: start its work, or complete it at once. */
  activate?(ctx: ElementContext, instance: ActivityInstance, scope: ScopeInstance, node: FlowNode): void;
  /** A waiting instance is woken by a task completion, message, timer, signal, condition or its inner scope ending. */
  trigger?(
    ctx: ElementContext,
    instance: ActivityInstance,
    scope: ScopeInstance,
    node: FlowNode,
    trigger: Trigger,
  ): void;
}
