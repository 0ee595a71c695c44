/** What an element behaviour may ask of the running case: the runtime implements this, behaviours call it. */
import type { FlowNode, ProcessGraph } from '../model/types.js';
import type {
  ActivityInstance,
  CaseEvent,
  CaseSnapshot,
  ScopeInstance,
  Subscription,
  Variables,
} from './state.js';

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

export interface ElementContext {
  readonly state: CaseSnapshot;
  readonly now: number;
  graphOf(scope: ScopeInstance): ProcessGraph;
  nodeOf(instance: ActivityInstance): FlowNode;
  newId(prefix: string): string;
  emit(event: CaseEvent): void;

  /** Sends tokens along a node's outgoing flows (conditions on them are evaluated). */
  leave(scope: ScopeInstance, node: FlowNode, variables?: Variables): void;
  /** Sends one token along the given flow. */
  take(scope: ScopeInstance, flowId: string): void;
  /** Places a token directly on a node (link events, event subprocess starts). */
  placeToken(scope: ScopeInstance, nodeId: string): void;
  /** Marks that an OR-join in the scope may now fire; checked once no token moves. */
  awaitOrJoin(scope: ScopeInstance, node: FlowNode): void;

  /** Creates an instance of the node (a step unless told otherwise) and arms its boundary events. */
  enter(scope: ScopeInstance, node: FlowNode, options?: EnterOptions): ActivityInstance;
  /** Completes an instance: merges variables, disarms boundaries, records the step, moves on. */
  complete(instance: ActivityInstance, variables?: Variables, options?: { leave?: boolean }): void;
  /** Ends an instance early (interrupting event, terminate, cancel): its inner instances and waits too. */
  terminate(instance: ActivityInstance): void;
  /** Starts the content of a subprocess or called process in a new scope inside `instance`. */
  openScope(instance: ActivityInstance, options: ScopeOptions): ScopeInstance;

  subscribe(subscription: Omit<Subscription, 'id'>): void;
  scheduleTimer(instance: ActivityInstance | null, scope: ScopeInstance, node: FlowNode): void;

  /** Variables visible to an instance (its locals over its scope's variables). */
  variablesOf(scope: ScopeInstance, instance?: ActivityInstance | null): Variables;
  setVariables(scope: ScopeInstance, changes: Variables, instance?: ActivityInstance | null): void;
  evaluate(
    expression: string,
    scope: ScopeInstance,
    instance?: ActivityInstance | null,
    extra?: Variables,
  ): unknown;

  /** Throws a BPMN error outward; `thrower`, the activity instance throwing it, tries its own boundary events first. */
  throwError(
    scope: ScopeInstance,
    node: FlowNode,
    code: string | null,
    thrower?: ActivityInstance | null,
  ): void;
  throwEscalation(scope: ScopeInstance, node: FlowNode, code: string | null): void;
  broadcastSignal(name: string, node: FlowNode, variables?: Variables): void;
  /** Ends the scope at once (terminate end event). */
  terminateScope(scope: ScopeInstance): void;
  /** Raises an incident: the case fails. */
  incident(elementId: string, message: string): never;

  handler(name: string): ServiceHandler | undefined;
  /** The due instant `days` working days after `from` (null without a calendar). */
  dueAfter(from: number, days: number): number | null;
}

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
