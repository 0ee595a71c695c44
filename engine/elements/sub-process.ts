/**
 * Embedded subprocesses, event subprocesses and call activities: activities whose work is a scope of tokens (the
 * runtime opens and ends scopes). An event subprocess waits from its scope's opening; interrupting, it ends the
 * rest of the scope first.
 */
import type { FlowNode, ProcessGraph, VariableMapping } from '../model/types.js';
import { arriveAtActivity } from './activity.js';
import type { ElementBehaviour } from './behaviour.js';
import { conditionsAtActivation } from './conditional-events.js';
import type { ElementContext } from './context.js';
import type { ActivityInstance, ScopeInstance, Variables } from './state.js';

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
    ctx.withdrawWaits(scope); // and its event subprocess starts
  }
  const instance = ctx.enter(scope, eventSubprocess, { activate: false, wait: 'scope' });
  ctx.openScope(instance, { elementId: eventSubprocess.id, startAt: start.id });
}

/**
 * Where the tokens of a scope start (the process, a subprocess, a called process): at `startAt` if given, else
 * at its none start events, else at its first start event.
 */
export function startEventsOf(graph: ProcessGraph, scopeElementId: string, startAt?: string): string[] {
  const content = graph.scopes[scopeElementId];
  const starts = startAt ? [startAt] : content.startEvents.filter((id) => graph.nodes[id].event === null);
  return starts.length > 0 ? starts : content.startEvents.slice(0, 1);
}

/**
 * Arms the start events of the event subprocesses of `scope` as it opens (a non-interrupting one keeps waiting
 * after it fired: boundary-event.ts `keepsWaiting`). True when an interrupting one whose condition held at once
 * ended the scope before it started.
 */
export function armEventSubprocessStarts(ctx: ElementContext, scope: ScopeInstance): boolean {
  const graph = ctx.graphOf(scope);
  const eventSubprocesses = graph.scopes[scope.elementId].eventSubprocesses;
  if (eventSubprocesses.length === 0) return false;
  const starts = eventSubprocesses.flatMap((id) => graph.scopes[id].startEvents);
  for (const startId of starts) ctx.awaitEvent(null, scope, graph.nodes[startId]);
  return conditionsAtActivation(ctx, starts, scope, null);
}

/**
 * The variables a call activity's `gov:in` (or `gov:out`) mappings give: each `target` set to its `source`, a
 * FEEL expression (`=…`) or a variable's name, read in `scope` (the caller's scope, or the called process's).
 */
export function mappedVariables(
  ctx: ElementContext,
  mappings: VariableMapping[],
  scope: ScopeInstance,
  instance: ActivityInstance | null,
): Variables {
  const visible = ctx.variablesOf(scope, instance);
  const mapped: Variables = {};
  for (const { source, target } of mappings)
    mapped[target] = source.startsWith('=')
      ? ctx.evaluate(source, scope, instance)
      : (visible[source] ?? null);
  return mapped;
}

/**
 * `callActivity`: runs the process named by `calledElement` — the version deployed in the caller's file, else
 * the latest — with its own variables: those its `gov:in` mappings give, else a copy of every variable the call
 * activity sees. As it ends, its `gov:out` mappings (else all its variables) go back (case-run.ts endScopeIfIdle).
 */
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
      variables: node.inputs
        ? mappedVariables(ctx, node.inputs, scope, instance)
        : { ...ctx.variablesOf(scope, instance) },
    });
  },
  trigger(ctx, instance, _scope, _node, trigger) {
    if (trigger.kind === 'scope') ctx.complete(instance);
  },
};
