/** What an element behaviour may ask of the running case: the runtime implements this, behaviours call it. */
import type { Reachability } from '../model/reachability.js';
import type { EventDefinition, FlowNode, ProcessGraph } from '../model/types.js';
import type { ActivityInstance, CaseEvent, CaseSnapshot, ScopeInstance, Variables } from './state.js';

/** A service task handler registered in the server's code: pure, synchronous, returns variables to merge. */
export type ServiceHandler = (
  variables: Variables,
  step: { elementId: string; department: string | null },
) => Variables | undefined;

/** Raised by a service handler to throw a BPMN error that a boundary or event subprocess may catch. */
export class BpmnError extends Error {
  constructor(
    readonly code: string,
    message?: string,
  ) {
    super(message ?? `BPMN error '${code}'`);
  }
}

/** What woke a waiting instance. */
export type Trigger =
  | { kind: 'task'; variables: Variables }
  | { kind: 'message'; elementId: string; variables: Variables }
  | { kind: 'signal'; elementId: string; variables: Variables }
  | { kind: 'timer'; elementId: string }
  | { kind: 'conditional'; elementId: string }
  | { kind: 'scope'; scopeId: string };

/**
 * What an element's processor may ask of the running case. The runtime (engine/runtime/case-run.ts) implements
 * it and moves the tokens; the behaviours every element shares are offered here once: choose the outgoing
 * flows (`leave`, outgoing.ts), wait for an event (`awaitEvent`, waits.ts), withdraw waits (`withdrawWaits`,
 * waits.ts), raise an incident (`incident`).
 */
export interface ElementContext {
  readonly state: CaseSnapshot;
  readonly now: number;
  /** The element being worked on: an incident raised while no instance is at hand names it. */
  current: string;
  graphOf(scope: ScopeInstance): ProcessGraph;
  nodeOf(instance: ActivityInstance): FlowNode;
  /** Reachability in the graph a scope runs (the OR-join's rule). */
  reachOf(scope: ScopeInstance): Reachability;
  newId(prefix: string): string;
  emit(event: CaseEvent): void;

  // ── tokens ──
  /** Sends tokens along a node's outgoing flows, chosen by `rule` (default: an activity's or event's). */
  leave(scope: ScopeInstance, node: FlowNode, rule?: FlowRule): void;
  /** Sends one token along the given flow. */
  take(scope: ScopeInstance, flowId: string): void;
  /** Places a token directly on a node (link events, event subprocess starts). */
  placeToken(scope: ScopeInstance, nodeId: string): void;
  /** Marks that an OR-join in the scope may now fire; checked once no token moves. */
  awaitOrJoin(scope: ScopeInstance, node: FlowNode): void;

  // ── instances and scopes ──
  /** Creates an instance of the node (a step unless told otherwise) and arms its boundary events. */
  enter(scope: ScopeInstance, node: FlowNode, options?: EnterOptions): ActivityInstance;
  /** Completes an instance: merges variables, withdraws its waits, records the step, moves on. */
  complete(instance: ActivityInstance, variables?: Variables, options?: { leave?: boolean }): void;
  /** Ends an instance early (interrupting event, terminate, cancel): its inner instances and waits too. */
  terminate(instance: ActivityInstance): void;
  /** Hands a trigger to the behaviour of the element a waiting instance runs. */
  trigger(instance: ActivityInstance, trigger: Trigger): void;
  /** Starts the content of a subprocess or called process in a new scope inside `instance`. */
  openScope(instance: ActivityInstance, options: ScopeOptions): ScopeInstance;
  /** Ends the scope at once (terminate end event, interrupting event subprocess): its instances and tokens. */
  terminateScope(scope: ScopeInstance): void;

  // ── waiting ──
  /**
   * Waits for what `event` (default: `node.event`) catches at `node`: a timer, or a message, signal or
   * condition. `instance`: the instance that waits, or whose boundary `node` is; null for an event subprocess
   * start of `scope`.
   */
  awaitEvent(
    instance: ActivityInstance | null,
    scope: ScopeInstance,
    node: FlowNode,
    event?: EventDefinition | null,
  ): void;
  /**
   * Wakes what waits at `elementId` for the event that arrived (catch.ts): the instance `activityId` waiting
   * there, a boundary event of it, or (activityId null) an event subprocess start of scope `scopeId`.
   */
  wake(activityId: string | null, scopeId: string, elementId: string, trigger: Trigger): void;
  /** Withdraws waits: an instance's (its boundary events' too), or a scope's event subprocess starts'. */
  withdrawWaits(of: ActivityInstance | ScopeInstance): void;
  /** Data changed or a condition was armed: conditional events are evaluated once no token moves. */
  reevaluateConditions(): void;

  // ── variables ──
  /** Variables visible to an instance (its locals over its scope's variables). */
  variablesOf(scope: ScopeInstance, instance?: ActivityInstance | null): Variables;
  setVariables(scope: ScopeInstance, changes: Variables, instance?: ActivityInstance | null): void;
  evaluate(
    expression: string,
    scope: ScopeInstance,
    instance?: ActivityInstance | null,
    extra?: Variables,
  ): unknown;

  /** Raises an incident: the case fails. */
  incident(elementId: string, message: string): never;
  handler(name: string): ServiceHandler | undefined;
  /** The due instant `days` working days after `from` (null without a calendar). */
  dueAfter(from: number, days: number): number | null;
  /** The due instant `days` working days after `from`, by the case's calendar or else the default one. */
  workingDaysAfter(from: number, days: number): number;
}

/** How a token leaves a node (outgoing.ts): an activity or event's rule, an exclusive or an inclusive gateway's. */
export type FlowRule = 'activity' | 'exclusive' | 'inclusive';

export interface EnterOptions {
  step?: boolean;
  wait?: ActivityInstance['wait'];
  bodyId?: string;
  locals?: Variables;
  loopCounter?: number;
  /** Call the behaviour's `activate` (default true). */
  activate?: boolean;
}

export interface ScopeOptions {
  elementId: string;
  /** The definition whose graph holds the scope; omitted: the parent scope's. */
  definitionId?: string;
  /** Run the latest deployed version of this process key instead (a call activity). */
  calledKey?: string;
  /** Start here instead of at the scope's none start events. */
  startAt?: string;
  /** Own variables (a called process); omitted: share the parent's. */
  variables?: Variables;
}
