/** Multi-instance bodies (会签): one inner instance per item or per count, in parallel or in sequence. */
import type { FlowNode } from '../model/types.js';
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

export function beginMultiInstance(ctx: ElementContext, scope: ScopeInstance, node: FlowNode): void {
  const spec = node.loop;
  if (spec?.kind !== 'multi') return;
  let items: unknown[] | null = null;
  let total: number;
  if (spec.collection) {
    const value = ctx.evaluate(spec.collection, scope);
    if (!Array.isArray(value))
      ctx.incident(
        node.id,
        `gov:collection '${spec.collection}' of '${node.id}' is not a list (got ${JSON.stringify(value)}): give the case a list variable`,
      );
    items = value as unknown[];
    total = items.length;
  } else {
    const value = ctx.evaluate(spec.cardinality ?? '', scope);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      ctx.incident(
        node.id,
        `loopCardinality '${spec.cardinality}' of '${node.id}' is not a whole number ≥ 0 (got ${JSON.stringify(value)})`,
      );
    }
    total = value as number;
  }
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
      for (const inner of Object.values(ctx.state.activities))
        if (inner.bodyId === body.id) ctx.terminate(inner);
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
