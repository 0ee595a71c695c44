/** Entering an activity: standard loops and multi-instance bodies wrap the element's own behaviour. */
import type { FlowNode } from '../model/types.js';
import type { ElementContext } from './context.js';
import { beginMultiInstance } from './multi-instance.js';
import type { ActivityInstance, ScopeInstance } from './state.js';

/** Whether a standard loop runs (again) after `counter` iterations. */
export function loopContinues(
  ctx: ElementContext,
  scope: ScopeInstance,
  node: FlowNode,
  counter: number,
  instance: ActivityInstance | null,
): boolean {
  const loop = node.loop;
  if (loop?.kind !== 'standard') return false;
  if (loop.maximum !== null && counter >= loop.maximum) return false;
  if (!loop.condition) return loop.maximum !== null;
  return ctx.evaluate(loop.condition, scope, instance, { loopCounter: counter }) === true;
}

/** The token-arrival of every activity type. */
export function arriveAtActivity(ctx: ElementContext, scope: ScopeInstance, node: FlowNode): void {
  if (node.loop?.kind === 'multi') {
    beginMultiInstance(ctx, scope, node);
    return;
  }
  if (node.loop?.kind === 'standard' && node.loop.testBefore && !loopContinues(ctx, scope, node, 0, null)) {
    ctx.leave(scope, node); // a while-loop whose condition is false at once runs zero times
    return;
  }
  ctx.enter(scope, node, { loopCounter: node.loop ? 1 : undefined });
}
