/**
 * Entering and leaving an activity: standard loops (here) and multi-instance bodies (multi-instance.ts) wrap
 * the element's own behaviour.
 */
import type { FlowNode } from '../model/types.js';
import type { ElementContext } from './context.js';
import { beginMultiInstance, innerCompleted } from './multi-instance.js';
import type { ActivityInstance, ScopeInstance } from './state.js';

/** Whether a standard loop runs (again) after `counter` iterations. */
function loopContinues(
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

/**
 * After an instance completed: an inner instance of a multi-instance tells its body; a standard loop runs
 * again while its condition holds; otherwise the token leaves (unless `leave` is false: an event-based gateway
 * moves its token to the event it chose instead).
 */
export function afterCompletion(
  ctx: ElementContext,
  instance: ActivityInstance,
  scope: ScopeInstance,
  node: FlowNode,
  leave: boolean,
): void {
  if (instance.bodyId) {
    const body = ctx.state.activities[instance.bodyId];
    if (body) innerCompleted(ctx, scope, node, body);
    return;
  }
  if (!leave) return;
  if (node.loop?.kind === 'standard') {
    const counter = instance.loopCounter ?? 1;
    if (loopContinues(ctx, scope, node, counter, instance)) {
      ctx.enter(scope, node, { loopCounter: counter + 1 });
      return;
    }
  }
  ctx.leave(scope, node);
}

const LOOPING_TYPES = new Set([
  'task',
  'userTask',
  'manualTask',
  'serviceTask',
  'scriptTask',
  'sendTask',
  'subProcess',
  'callActivity',
]);

/** Why the loop characteristics of `node` cannot run, or null. */
export function loopUnsupported(node: FlowNode): string | null {
  if (node.loop && !LOOPING_TYPES.has(node.type)) {
    return `${node.type} '${node.id}' with loop characteristics is not executable here: put the loop on a task or subprocess`;
  }
  return null;
}
