/**
 * Multi-instance activities (会签): a body instance (wait 'body', not a step) holds the inner instances, one per
 * item or per count, in parallel or in sequence; the body completes when they all have or the completion
 * condition holds. The body carries the activity's boundary events (boundary-event.ts: the runtime arms none
 * on inner instances); terminating it terminates its inner instances. activity.ts hands a multi-instance
 * activity here as its token arrives and as an inner instance completes.
 */
import type { FlowNode, LoopSpec } from '../model/types.js';
import type { ElementContext } from './context.js';
import type { ActivityInstance, ScopeInstance, Variables } from './state.js';

function innerLocals(scope: ScopeInstance, node: FlowNode, body: ActivityInstance, index: number): Variables {
  const multi = body.multi!;
  const locals: Variables = { ...(scope.locals ?? {}), loopCounter: index + 1 };
  const spec = node.loop?.kind === 'multi' ? node.loop : null;
  if (spec?.elementVariable && multi.items) locals[spec.elementVariable] = multi.items[index] ?? null;
  else if (multi.items) locals.item = multi.items[index] ?? null;
  return locals;
}

function startInner(ctx: ElementContext, scope: ScopeInstance, node: FlowNode, body: ActivityInstance): void {
  const multi = body.multi!;
  const index = multi.next++;
  multi.active++;
  ctx.enter(scope, node, {
    bodyId: body.id,
    locals: innerLocals(scope, node, body, index),
    loopCounter: index + 1,
  });
}

type MultiSpec = Extract<LoopSpec, { kind: 'multi' }>;

/** The items of a collection (null for a cardinality) and how many inner instances run: an incident if unreadable. */
function instancesOf(
  ctx: ElementContext,
  scope: ScopeInstance,
  node: FlowNode,
  spec: MultiSpec,
): { items: unknown[] | null; total: number } {
  if (spec.collection) {
    const value = ctx.evaluate(spec.collection, scope);
    if (!Array.isArray(value))
      ctx.incident(
        node.id,
        `gov:collection '${spec.collection}' of '${node.id}' is not a list (got ${JSON.stringify(value)}): give the case a list variable`,
      );
    return { items: value as unknown[], total: (value as unknown[]).length };
  }
  const value = ctx.evaluate(spec.cardinality ?? '', scope);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    ctx.incident(
      node.id,
      `loopCardinality '${spec.cardinality}' of '${node.id}' is not a whole number ≥ 0 (got ${JSON.stringify(value)})`,
    );
  }
  return { items: null, total: value as number };
}

/** A token arrives at a multi-instance activity: its body is entered and the first inner instances start. */
export function beginMultiInstance(ctx: ElementContext, scope: ScopeInstance, node: FlowNode): void {
  const spec = node.loop;
  if (spec?.kind !== 'multi') return;
  const { items, total } = instancesOf(ctx, scope, node, spec);
  const body = ctx.enter(scope, node, { step: false, wait: 'body', activate: false });
  if (ctx.state.activities[body.id] === undefined) return; // a conditional boundary event held on entry
  body.multi = { total, completed: 0, active: 0, next: 0, items };
  if (total === 0) {
    ctx.complete(body);
    return;
  }
  const first = spec.sequential ? 1 : total;
  for (let i = 0; i < first; i++) {
    if (ctx.state.activities[body.id] === undefined) return; // an inner instance ended the body
    startInner(ctx, scope, node, body);
  }
}

/** Called when an inner instance has completed: start the next one, or complete the body. */
export function innerCompleted(
  ctx: ElementContext,
  scope: ScopeInstance,
  node: FlowNode,
  body: ActivityInstance,
): void {
  const spec = node.loop;
  const multi = body.multi!;
  if (spec?.kind !== 'multi') return;
  multi.completed++;
  multi.active--;
  if (spec.completionCondition) {
    const counts = {
      nrOfInstances: multi.total,
      nrOfCompletedInstances: multi.completed,
      nrOfActiveInstances: multi.active,
      loopCounter: multi.completed,
    };
    if (ctx.evaluate(spec.completionCondition, scope, body, counts) === true) {
      terminateInnerInstances(ctx, body);
      ctx.complete(body);
      return;
    }
  }
  if (multi.completed >= multi.total) {
    ctx.complete(body);
    return;
  }
  if (spec.sequential) startInner(ctx, scope, node, body);
}

/** Terminates the inner instances of a multi-instance body (it completes early, or is terminated itself). */
export function terminateInnerInstances(ctx: ElementContext, body: ActivityInstance): void {
  if (body.wait !== 'body') return;
  for (const inner of Object.values(ctx.state.activities)) if (inner.bodyId === body.id) ctx.terminate(inner);
}

/** The instance whose boundary events catch for `instance`: its multi-instance body, if it is an inner one. */
export function boundaryHost(ctx: ElementContext, instance: ActivityInstance): ActivityInstance {
  return (instance.bodyId && ctx.state.activities[instance.bodyId]) || instance;
}

/** Why a multi-instance `node` cannot run, or null. */
export function multiInstanceUnsupported(node: FlowNode): string | null {
  if (node.loop?.kind === 'multi' && node.loop.behavior !== 'All') {
    return `${node.type} '${node.id}' is a multi-instance with behavior '${node.loop.behavior}' (events thrown as instances complete), which Reflow does not run: use behavior 'All' and a completion condition`;
  }
  return null;
}
