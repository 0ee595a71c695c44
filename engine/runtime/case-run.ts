/**
 * One command's run over a case: the token loop. It moves tokens along sequence flows until every token waits,
 * creates and ends instances and scopes, and offers the elements their shared behaviours (ElementContext). What
 * each element does — a boundary timer, the OR-join, a multi-instance — is in engine/elements/, one file each.
 */

import { afterCompletion } from '../elements/activity.js';
import { armBoundaries } from '../elements/boundary-event.js';
import { wake } from '../elements/catch.js';
import { conditionsAtActivation, fireRisingConditions } from '../elements/conditional-events.js';
import type { ElementContext, EnterOptions, FlowRule, ScopeOptions, Trigger } from '../elements/context.js';
import { fireReadyOrJoin } from '../elements/gateways.js';
import { advance } from '../elements/lifecycle.js';
import { terminateInnerInstances } from '../elements/multi-instance.js';
import { takeOutgoing } from '../elements/outgoing.js';
import { elementRegistry } from '../elements/registry.js';
import type {
  ActivityInstance,
  CaseSnapshot,
  Incident,
  ScopeInstance,
  Variables,
} from '../elements/state.js';
import { armEventSubprocessStarts, mappedVariables, startEventsOf } from '../elements/sub-process.js';
import { awaitEvent, withdrawAllWaits, withdrawWaits } from '../elements/waits.js';
import type { EventDefinition, FlowNode } from '../model/types.js';
import type { CompiledDefinition } from './definition.js';
import { BudgetMeter } from './run-budget.js';
import { RunContext, type RunOptions } from './run-context.js';
import { beginStep, endStep } from './steps.js';

/**
 * How deeply activations may nest: an instance that completes at once enters the next iteration of its standard
 * loop or multi-instance from inside its own completion, so a long loop would overflow the stack. Past this
 * depth the next activation waits until the stack unwinds: the order of events is unchanged below it.
 */
const MAX_NESTING = 100;

interface Token {
  scopeId: string;
  nodeId: string;
  flowId: string | null;
}

export class CaseRun extends RunContext implements ElementContext {
  private readonly queue: Token[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  /** How often each scope was interrupted in this run, and that count when the token being moved arrived. */
  private readonly interruptions = new Map<string, number>();
  private arriving: { scopeId: string; interruptions: number } | null = null;
  private readonly meter: BudgetMeter;
  /** Instances entered during the token arrival being handled: its first is that arrival's activation. */
  private enteredInArrival = 0;
  /** Activations nested in each other now, and those put off until the stack unwinds (see MAX_NESTING). */
  private nesting = 0;
  private readonly deferred: { instance: ActivityInstance; scope: ScopeInstance; node: FlowNode }[] = [];
  private deferredHead = 0;

  constructor(state: CaseSnapshot, root: CompiledDefinition, options: RunOptions) {
    super(state, root, options);
    this.meter = new BudgetMeter(options.budget);
  }

  // ── tokens ───────────────────────────────────────────────────────────────
  /** Whether the token being moved had its scope interrupted under it (it then moves no further). */
  private interruptedUnderToken(scope: ScopeInstance): boolean {
    return (
      this.arriving?.scopeId === scope.id &&
      this.arriving.interruptions !== (this.interruptions.get(scope.id) ?? 0)
    );
  }

  take(scope: ScopeInstance, flowId: string): void {
    if (this.interruptedUnderToken(scope)) return;
    const flow = this.graphOf(scope).flows[flowId];
    this.queue.push({ scopeId: scope.id, nodeId: flow.target, flowId });
  }

  placeToken(scope: ScopeInstance, nodeId: string): void {
    if (this.interruptedUnderToken(scope)) return;
    this.queue.push({ scopeId: scope.id, nodeId, flowId: null });
  }

  leave(scope: ScopeInstance, node: FlowNode, rule: FlowRule = 'activity'): void {
    takeOutgoing(this, scope, node, rule);
  }

  awaitOrJoin(scope: ScopeInstance): void {
    this.dirty.add(scope.id);
  }

  /** Runs until no token can move: put-off activations, tokens, ended scopes, OR-joins, then conditional events. */
  settle(): void {
    for (;;) {
      if (this.state.status !== 'active') return;
      if (this.deferredHead < this.deferred.length) this.activateDeferred();
      else if (this.head < this.queue.length) this.moveToken(this.queue[this.head++]);
      else if (this.dirty.size > 0) this.endIdleScopes();
      else if (!fireReadyOrJoin(this) && !(this.variablesChanged && this.fireConditions())) return;
    }
  }

  private activateDeferred(): void {
    const { instance, scope, node } = this.deferred[this.deferredHead++];
    if (this.state.activities[instance.id] === instance && this.state.scopes[scope.id] === scope) {
      this.current = node.id;
      this.activate(instance, scope, node);
      this.dirty.add(scope.id);
    }
  }

  /** A token arrives at its node: the node's element decides what happens. */
  private moveToken(token: Token): void {
    const scope = this.state.scopes[token.scopeId];
    if (!scope) return; // its scope was ended by an interrupting event
    const graph = this.graphOf(scope);
    const node = graph.nodes[token.nodeId];
    this.current = node.id;
    this.arriving = { scopeId: scope.id, interruptions: this.interruptions.get(scope.id) ?? 0 };
    this.meter.activate(node.id, graph);
    this.enteredInArrival = 0;
    elementRegistry[node.type].arrive(this, scope, node, token.flowId);
    this.arriving = null;
    this.dirty.add(scope.id);
  }

  private endIdleScopes(): void {
    const scopes = [...this.dirty];
    this.dirty.clear();
    for (const id of scopes) this.endScopeIfIdle(id);
  }

  private fireConditions(): boolean {
    this.variablesChanged = false;
    return fireRisingConditions(this);
  }

  // ── instances ────────────────────────────────────────────────────────────
  enter(scope: ScopeInstance, node: FlowNode, options: EnterOptions = {}): ActivityInstance {
    // a token's arrival was counted: the instance it enters is the same activation, any further one is not
    if (this.arriving === null || this.enteredInArrival++ > 0)
      this.meter.activate(node.id, this.graphOf(scope));
    const instance: ActivityInstance = {
      id: this.newId('s'),
      elementId: node.id,
      scopeId: scope.id,
      type: node.type,
      state: 'ready',
      enteredAt: this.now,
      department: null,
      dueAt: null,
      step: options.step ?? true,
      wait: options.wait ?? 'none',
    };
    if (options.bodyId) instance.bodyId = options.bodyId;
    if (options.locals) instance.locals = options.locals;
    if (options.loopCounter !== undefined) instance.loopCounter = options.loopCounter;
    advance(instance, 'activate');
    this.state.activities[instance.id] = instance;
    if (instance.step) beginStep(this, instance, scope, node);
    // boundary events (boundary-event.ts) are armed as the activity is entered, and a conditional one is
    // evaluated at once: if an interrupting one held, the activity never ran. An inner instance of a
    // multi-instance has none: its body carries them.
    if (!options.bodyId && node.boundaries.length > 0) {
      armBoundaries(this, instance, scope, node);
      if (conditionsAtActivation(this, node.boundaries, scope, instance)) return instance;
    }
    if (options.activate !== false) {
      if (this.nesting >= MAX_NESTING) this.deferred.push({ instance, scope, node });
      else this.activate(instance, scope, node);
    }
    return instance;
  }

  /** Runs an instance's behaviour; an instance completing at once may enter the next (a loop) from inside. */
  private activate(instance: ActivityInstance, scope: ScopeInstance, node: FlowNode): void {
    this.nesting++;
    try {
      elementRegistry[node.type].activate?.(this, instance, scope, node);
    } finally {
      this.nesting--;
    }
  }

  complete(instance: ActivityInstance, variables?: Variables, options: { leave?: boolean } = {}): void {
    if (this.state.activities[instance.id] !== instance) return;
    const scope = this.state.scopes[instance.scopeId];
    const node = this.graphOf(scope).nodes[instance.elementId];
    advance(instance, 'complete');
    if (variables && Object.keys(variables).length > 0) this.setVariables(scope, variables, instance);
    withdrawWaits(this, instance);
    advance(instance, 'completed');
    delete this.state.activities[instance.id];
    this.dirty.add(scope.id);
    if (instance.step) endStep(this, instance, scope, node, 'completed');
    if (this.conditionEndedScope(scope)) return;
    afterCompletion(this, instance, scope, node, options.leave !== false);
  }

  /**
   * BPMN §10.5.4: a condition is evaluated when the data it reads changes — the activity's output, a message's
   * payload, a called process's variables — before the token moves on and perhaps ends the scope the
   * conditional event waits in. True when an interrupting conditional event ended the scope of `scope`'s token.
   */
  private conditionEndedScope(scope: ScopeInstance): boolean {
    if (!this.variablesChanged || !this.state.subscriptions.some((s) => s.kind === 'conditional'))
      return false;
    const interruptions = this.interruptions.get(scope.id) ?? 0;
    this.fireConditions();
    return (
      this.state.status !== 'active' ||
      this.state.scopes[scope.id] !== scope ||
      (this.interruptions.get(scope.id) ?? 0) !== interruptions
    );
  }

  terminate(instance: ActivityInstance, status: 'cancelled' | 'failed' = 'cancelled'): void {
    if (this.state.activities[instance.id] !== instance) return;
    advance(instance, status === 'failed' ? 'fail' : 'terminate');
    terminateInnerInstances(this, instance);
    if (instance.childScope && this.state.scopes[instance.childScope])
      this.dropScope(this.state.scopes[instance.childScope]);
    withdrawWaits(this, instance);
    if (instance.wait === 'task') this.emit({ type: 'taskCancelled', taskId: instance.id, at: this.now });
    advance(instance, status === 'failed' ? 'failed' : 'terminated');
    delete this.state.activities[instance.id];
    this.dirty.add(instance.scopeId);
    if (instance.step) {
      const scope = this.state.scopes[instance.scopeId];
      endStep(this, instance, scope, this.graphOf(scope).nodes[instance.elementId], status);
    }
  }

  trigger(instance: ActivityInstance, trigger: Trigger): void {
    const scope = this.state.scopes[instance.scopeId];
    elementRegistry[instance.type].trigger?.(this, instance, scope, this.nodeOf(instance), trigger);
  }

  // ── scopes ───────────────────────────────────────────────────────────────
  openScope(instance: ActivityInstance | null, options: ScopeOptions): ScopeInstance {
    const parent = instance ? this.state.scopes[instance.scopeId] : null;
    const called = options.calledKey ? this.calledDefinition(instance, options.calledKey) : null;
    const definitionId = called?.id ?? options.definitionId ?? parent?.definitionId ?? this.root.id;
    const elementId = called?.graph.key ?? options.elementId;
    const scope: ScopeInstance = {
      id: instance ? this.newId('scope') : `${this.state.id}-root`,
      elementId,
      definitionId,
      parentActivity: instance?.id ?? null,
      joins: {},
    };
    const locals = instance?.locals ?? parent?.locals;
    if (locals) scope.locals = locals;
    if (options.variables) scope.variables = options.variables;
    if (instance) instance.childScope = scope.id;
    this.state.scopes[scope.id] = scope;
    // an interrupting event subprocess whose condition holds as the scope opens ends it before it starts
    if (armEventSubprocessStarts(this, scope)) {
      this.dirty.add(scope.id);
      return scope;
    }
    for (const start of startEventsOf(this.graphOf(scope), elementId, options.startAt))
      this.placeToken(scope, start);
    this.dirty.add(scope.id);
    return scope;
  }

  private endScopeIfIdle(scopeId: string): void {
    const scope = this.state.scopes[scopeId];
    if (!scope || Object.keys(scope.joins).length > 0) return;
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i].scopeId === scopeId) return;
    for (const id in this.state.activities) if (this.state.activities[id].scopeId === scopeId) return;
    this.closeScope(scope);
    if (!scope.parentActivity) {
      this.state.status = 'completed';
      this.state.endedAt = this.now;
      this.emit({ type: 'caseCompleted', at: this.now });
      return;
    }
    const instance = this.state.activities[scope.parentActivity];
    if (!instance) return;
    const parentScope = this.state.scopes[instance.scopeId];
    if (scope.variables) {
      // a called process hands back what its call activity's gov:out mappings name, else all its variables
      const outputs = this.nodeOf(instance).outputs;
      const handed = outputs ? mappedVariables(this, outputs, scope, null) : scope.variables;
      this.setVariables(parentScope, handed, instance);
    }
    this.trigger(instance, { kind: 'scope', scopeId: scope.id });
  }

  /** Removes a scope with the waits of its event subprocesses. */
  private closeScope(scope: ScopeInstance): void {
    withdrawWaits(this, scope);
    delete this.state.scopes[scope.id];
  }

  /** Ends a scope without completing its activity: everything inside is terminated. */
  private dropScope(scope: ScopeInstance): void {
    for (const instance of Object.values(this.state.activities))
      if (instance.scopeId === scope.id) this.terminate(instance);
    this.closeScope(scope);
  }

  terminateScope(scope: ScopeInstance): void {
    this.interruptions.set(scope.id, (this.interruptions.get(scope.id) ?? 0) + 1);
    for (const instance of Object.values(this.state.activities))
      if (instance.scopeId === scope.id) this.terminate(instance);
    scope.joins = {};
    for (let i = this.head; i < this.queue.length; i++)
      if (this.queue[i].scopeId === scope.id) this.queue[i].scopeId = '';
    this.dirty.add(scope.id);
  }

  // ── waiting (engine/elements/waits.ts) ────────────────────────────────────
  awaitEvent(
    instance: ActivityInstance | null,
    scope: ScopeInstance,
    node: FlowNode,
    event: EventDefinition | null = node.event,
  ): void {
    awaitEvent(this, instance, scope, node, event);
  }

  withdrawWaits(of: ActivityInstance | ScopeInstance): void {
    withdrawWaits(this, of);
  }

  reevaluateConditions(): void {
    this.variablesChanged = true;
  }

  wake(activityId: string | null, scopeId: string, elementId: string, trigger: Trigger): void {
    wake(this, activityId, scopeId, elementId, trigger);
  }

  // ── ending before the end ────────────────────────────────────────────────
  /** Fails the case: the instance at fault fails, every other one is cancelled. */
  failCase(elementId: string, message: string, elements?: string[]): void {
    const incident: Incident = elements
      ? { elementId, message, at: this.now, elements }
      : { elementId, message, at: this.now };
    this.state.incidents.push(incident);
    this.emit({ type: 'incidentRaised', incident });
    this.head = this.queue.length;
    this.endEarly('failed', elementId);
    this.emit({ type: 'caseFailed', at: this.now });
  }

  /** Cancels the case (a command): every instance is cancelled. */
  cancelCase(reason: string | null): void {
    this.endEarly('cancelled', null);
    this.emit({ type: 'caseCancelled', at: this.now, reason });
  }

  /**
   * Ends every open instance and withdraws every wait. Failing, every instance in turn (the one at `failing`
   * fails); cancelled, those of the root scope, each ending what runs inside it.
   */
  private endEarly(status: 'failed' | 'cancelled', failing: string | null): void {
    this.state.status = status; // stops settle()
    for (const instance of Object.values(this.state.activities)) {
      if (!this.state.activities[instance.id]) continue;
      if (failing !== null)
        this.terminate(
          instance,
          instance.elementId === failing && instance.wait !== 'body' ? 'failed' : 'cancelled',
        );
      else if (this.state.scopes[instance.scopeId]?.parentActivity === null) this.terminate(instance);
    }
    withdrawAllWaits(this);
    this.state.scopes = {};
    this.state.endedAt = this.now;
  }
}
