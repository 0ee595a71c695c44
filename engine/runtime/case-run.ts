/** One command's run over a case: routes tokens along sequence flows until every token waits. */

import { getDefaultCalendar } from '../calendar/index.js';
import { loopContinues } from '../elements/activity.js';
import type {
  ElementContext,
  EnterOptions,
  ScopeOptions,
  ServiceHandler,
  Trigger,
} from '../elements/context.js';
import { armCatch } from '../elements/events.js';
import { consumeJoin, inclusiveSplit } from '../elements/gateways.js';
import { advance } from '../elements/lifecycle.js';
import { innerCompleted } from '../elements/multi-instance.js';
import { elementRegistry } from '../elements/registry.js';
import type {
  ActivityInstance,
  CaseEvent,
  CaseSnapshot,
  Incident,
  ScopeInstance,
  StepRecord,
  Subscription,
  TimerInstance,
  Variables,
} from '../elements/state.js';
import { startEventSubprocess } from '../elements/sub-process.js';
import { ExpressionError, evaluateFeel } from '../model/feel.js';
import { parseCycle, parseDate, parseDuration } from '../model/timer-expression.js';
import type { FlowNode, ProcessGraph } from '../model/types.js';
import type { CompiledDefinition, DefinitionSource } from './definition.js';
import { BudgetMeter, type RunBudget } from './run-budget.js';

/** Raised inside a run to stop it and fail the case. */
export class IncidentSignal extends Error {
  constructor(
    readonly elementId: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RunOptions {
  now: number;
  newId?: (prefix: string) => string;
  handlers?: Record<string, ServiceHandler>;
  calendar?: { addWorkingDays(from: number, days: number): number } | null;
  definitions?: DefinitionSource;
  /** What one command may spend (default: DEFAULT_STEP_BUDGET activations, no CPU limit). */
  budget?: RunBudget;
}

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

export class CaseRun implements ElementContext {
  readonly events: CaseEvent[] = [];
  readonly now: number;
  private readonly queue: Token[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private variablesChanged = false;
  private current: string;
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

  constructor(
    readonly state: CaseSnapshot,
    private readonly root: CompiledDefinition,
    private readonly options: RunOptions,
  ) {
    this.now = options.now;
    this.current = root.key;
    this.meter = new BudgetMeter(options.budget);
  }

  // ── definitions and nodes ────────────────────────────────────────────────
  definition(id: string): CompiledDefinition {
    if (id === this.root.id) return this.root;
    const found = this.options.definitions?.byId(id);
    if (!found)
      throw new IncidentSignal(this.current, `definition '${id}' that this case runs is not loaded`);
    return found;
  }

  graphOf(scope: ScopeInstance): ProcessGraph {
    return this.definition(scope.definitionId).graph;
  }

  nodeOf(instance: ActivityInstance): FlowNode {
    return this.graphOf(this.state.scopes[instance.scopeId]).nodes[instance.elementId];
  }

  newId(prefix: string): string {
    return this.options.newId ? this.options.newId(prefix) : `${this.state.id}-${prefix}${++this.state.seq}`;
  }

  emit(event: CaseEvent): void {
    this.events.push(event);
  }

  handler(name: string): ServiceHandler | undefined {
    return this.options.handlers?.[name];
  }

  dueAfter(from: number, days: number): number | null {
    return this.options.calendar ? this.options.calendar.addWorkingDays(from, days) : null;
  }

  incident(elementId: string, message: string): never {
    throw new IncidentSignal(elementId, message);
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

  leave(scope: ScopeInstance, node: FlowNode): void {
    const graph = this.graphOf(scope);
    const conditional = node.outgoing.some((id) => graph.flows[id].condition !== null);
    if (!conditional) {
      for (const flowId of node.outgoing) this.take(scope, flowId);
      return;
    }
    // out of an activity or event: every unconditioned flow, every true condition, and the default
    // flow when no condition holds
    let held = 0;
    let taken = 0;
    for (const flowId of node.outgoing) {
      if (flowId === node.defaultFlow) continue;
      const condition = graph.flows[flowId].condition;
      const holds = condition === null || this.evaluate(condition, scope) === true;
      if (condition !== null && holds) held++;
      if (holds) {
        this.take(scope, flowId);
        taken++;
      }
    }
    if (held === 0 && node.defaultFlow) this.take(scope, node.defaultFlow);
    else if (taken === 0)
      this.incident(
        node.id,
        `no condition on the flows leaving '${node.id}' holds and none is the default flow`,
      );
  }

  awaitOrJoin(scope: ScopeInstance): void {
    this.dirty.add(scope.id);
  }

  /** Runs until no token can move: tokens, ended scopes, OR-joins, then conditional events. */
  settle(): void {
    for (;;) {
      if (this.state.status !== 'active') return;
      if (this.deferredHead < this.deferred.length) {
        const { instance, scope, node } = this.deferred[this.deferredHead++];
        if (this.state.activities[instance.id] === instance && this.state.scopes[scope.id] === scope) {
          this.current = node.id;
          this.activate(instance, scope, node);
          this.dirty.add(scope.id);
        }
        continue;
      }
      if (this.head < this.queue.length) {
        const token = this.queue[this.head++];
        const scope = this.state.scopes[token.scopeId];
        if (!scope) continue; // its scope was ended by an interrupting event
        const graph = this.graphOf(scope);
        const node = graph.nodes[token.nodeId];
        this.current = node.id;
        this.arriving = { scopeId: scope.id, interruptions: this.interruptions.get(scope.id) ?? 0 };
        this.meter.activate(node.id, graph);
        this.enteredInArrival = 0;
        elementRegistry[node.type].arrive(this, scope, node, token.flowId);
        this.arriving = null;
        this.dirty.add(scope.id);
        continue;
      }
      if (this.dirty.size > 0) {
        const scopes = [...this.dirty];
        this.dirty.clear();
        for (const id of scopes) this.endScopeIfIdle(id);
        continue;
      }
      if (this.fireOrJoin()) continue;
      if (this.variablesChanged && this.fireConditions()) continue;
      return;
    }
  }

  private fireOrJoin(): boolean {
    for (const scope of Object.values(this.state.scopes)) {
      const graph = this.graphOf(scope);
      for (const nodeId of Object.keys(scope.joins)) {
        const node = graph.nodes[nodeId];
        if (node.type !== 'inclusiveGateway' || !this.orJoinMayFire(scope, node)) continue;
        this.current = node.id;
        consumeJoin(scope, node);
        inclusiveSplit(this, scope, node);
        return true;
      }
    }
    return false;
  }

  /**
   * BPMN 2.0 §13.3.5: the OR-join fires when no token elsewhere in the scope can still reach one of its
   * empty incoming flows — unless that token can also reach a flow that already has one.
   */
  private orJoinMayFire(scope: ScopeInstance, join: FlowNode): boolean {
    const arrived = scope.joins[join.id] ?? {};
    const full = join.incoming.filter((f) => (arrived[f] ?? 0) > 0);
    const empty = join.incoming.filter((f) => !((arrived[f] ?? 0) > 0));
    if (full.length === 0) return false;
    if (empty.length === 0) return true;
    const reach = this.definition(scope.definitionId).reach;
    const positions = new Set<string>();
    for (const instance of Object.values(this.state.activities))
      if (instance.scopeId === scope.id) positions.add(instance.elementId);
    for (const nodeId of Object.keys(scope.joins)) if (nodeId !== join.id) positions.add(nodeId);
    for (const position of positions) {
      const blocks = empty.some((f) => reach.canReachFlowAvoiding(position, f, join.id));
      if (blocks && !full.some((f) => reach.canReachFlowAvoiding(position, f, join.id))) return false;
    }
    return true;
  }

  private fireConditions(): boolean {
    this.variablesChanged = false;
    let fired = false;
    for (const sub of [...this.state.subscriptions]) {
      if (sub.kind !== 'conditional' || !this.state.subscriptions.includes(sub)) continue;
      const scope = this.state.scopes[sub.scopeId];
      const instance = sub.activityId ? this.state.activities[sub.activityId] : null;
      if (!scope) continue;
      this.current = sub.elementId;
      const value = this.evaluate(sub.name, scope, instance) === true;
      const rising = value && !sub.lastValue;
      sub.lastValue = value;
      if (rising) {
        this.consume(sub);
        this.dispatch(sub.activityId, sub.scopeId, sub.elementId, {
          kind: 'conditional',
          elementId: sub.elementId,
        });
        fired = true;
      }
    }
    return fired;
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
    if (instance.step) {
      instance.department = this.department(scope, node, instance);
      if (node.timeLimit !== null) instance.dueAt = this.dueAfter(this.now, node.timeLimit);
      if (node.correction) this.state.corrected = true;
      this.emit({ type: 'stepEntered', step: this.stepRecord(instance, node, scope, 'active') });
    }
    if (!options.bodyId && node.boundaries.length > 0) {
      const graph = this.graphOf(scope);
      for (const boundaryId of node.boundaries) armCatch(this, instance, scope, graph.nodes[boundaryId]);
      const conditional = this.conditionalIds(graph, node.boundaries);
      if (conditional.length > 0 && this.conditionsAtActivation(conditional, scope, instance))
        return instance; // an interrupting conditional boundary event held as it was entered: it never ran
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

  private department(scope: ScopeInstance, node: FlowNode, instance: ActivityInstance): string | null {
    if (!node.department) return null;
    if (!node.department.startsWith('=')) return node.department;
    const value = this.evaluate(node.department, scope, instance);
    return value === null || value === undefined ? null : String(value);
  }

  private stepRecord(
    instance: ActivityInstance,
    node: FlowNode,
    scope: ScopeInstance,
    status: StepRecord['status'],
  ): StepRecord {
    return {
      id: instance.id,
      elementId: node.id,
      name: node.name,
      type: node.type,
      department: instance.department,
      status,
      enteredAt: instance.enteredAt,
      completedAt: status === 'active' ? null : this.now,
      dueAt: instance.dueAt,
      timeLimit: node.timeLimit,
      inPerson: node.inPerson,
      correction: node.correction,
      pausesClock: node.pausesClock,
      variablesChanged: instance.changed ?? [],
      parentStepId: scope.parentActivity,
    };
  }

  complete(instance: ActivityInstance, variables?: Variables, options: { leave?: boolean } = {}): void {
    if (this.state.activities[instance.id] !== instance) return;
    const scope = this.state.scopes[instance.scopeId];
    const node = this.graphOf(scope).nodes[instance.elementId];
    advance(instance, 'complete');
    if (variables && Object.keys(variables).length > 0) this.setVariables(scope, variables, instance);
    this.disarm(instance);
    advance(instance, 'completed');
    delete this.state.activities[instance.id];
    this.dirty.add(scope.id);
    if (instance.step) {
      if (node.inPerson) this.state.trips++;
      this.emit({ type: 'stepCompleted', step: this.stepRecord(instance, node, scope, 'completed') });
    }
    // BPMN §10.5.4: a condition is evaluated when the data it reads changes — the activity's output, a message's
    // payload, a called process's variables — before the token moves on and perhaps ends the scope the
    // conditional event waits in
    if (this.variablesChanged && this.state.subscriptions.some((s) => s.kind === 'conditional')) {
      const interruptions = this.interruptions.get(scope.id) ?? 0;
      this.fireConditions();
      if (
        this.state.status !== 'active' ||
        this.state.scopes[scope.id] !== scope ||
        (this.interruptions.get(scope.id) ?? 0) !== interruptions
      )
        return; // an interrupting conditional event ended the scope this token was in
    }
    if (instance.bodyId) {
      const body = this.state.activities[instance.bodyId];
      if (body) innerCompleted(this, scope, node, body);
      return;
    }
    if (options.leave === false) return;
    if (node.loop?.kind === 'standard') {
      const counter = instance.loopCounter ?? 1;
      if (loopContinues(this, scope, node, counter, instance)) {
        this.enter(scope, node, { loopCounter: counter + 1 });
        return;
      }
    }
    this.leave(scope, node);
  }

  terminate(instance: ActivityInstance, status: 'cancelled' | 'failed' = 'cancelled'): void {
    if (this.state.activities[instance.id] !== instance) return;
    advance(instance, status === 'failed' ? 'fail' : 'terminate');
    for (const inner of Object.values(this.state.activities))
      if (inner.bodyId === instance.id) this.terminate(inner);
    if (instance.childScope && this.state.scopes[instance.childScope])
      this.dropScope(this.state.scopes[instance.childScope]);
    this.disarm(instance);
    if (instance.wait === 'task') this.emit({ type: 'taskCancelled', taskId: instance.id, at: this.now });
    advance(instance, status === 'failed' ? 'failed' : 'terminated');
    delete this.state.activities[instance.id];
    this.dirty.add(instance.scopeId);
    if (instance.step) {
      const scope = this.state.scopes[instance.scopeId];
      const node = this.graphOf(scope).nodes[instance.elementId];
      const step = this.stepRecord(instance, node, scope, status);
      this.emit(status === 'failed' ? { type: 'stepFailed', step } : { type: 'stepCancelled', step });
    }
  }

  /** Removes what an instance waits for: its subscriptions and timers, and those of its boundary events. */
  private disarm(instance: ActivityInstance): void {
    if (this.state.subscriptions.length > 0) {
      this.state.subscriptions = this.state.subscriptions.filter((s) => s.activityId !== instance.id);
    }
    for (const timer of Object.values(this.state.timers)) {
      if (timer.activityId === instance.id) this.cancelTimer(timer);
    }
  }

  private cancelTimer(timer: TimerInstance): void {
    delete this.state.timers[timer.id];
    this.emit({ type: 'timerCancelled', timerId: timer.id });
  }

  // ── scopes ───────────────────────────────────────────────────────────────
  openScope(instance: ActivityInstance | null, options: ScopeOptions): ScopeInstance {
    const parent = instance ? this.state.scopes[instance.scopeId] : null;
    let definitionId = options.definitionId ?? parent?.definitionId ?? this.root.id;
    let elementId = options.elementId;
    if (options.calledKey) {
      const called = this.options.definitions?.latest(options.calledKey);
      if (!called) {
        this.incident(
          instance?.elementId ?? this.current,
          `callActivity '${instance?.elementId}' calls process '${options.calledKey}', which is not deployed: deploy it first`,
        );
      }
      definitionId = called.id;
      elementId = called.graph.key;
    }
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
    const graph = this.graphOf(scope);
    const content = graph.scopes[elementId];
    for (const eventSubprocessId of content.eventSubprocesses) {
      for (const startId of graph.scopes[eventSubprocessId].startEvents)
        armCatch(this, null, scope, graph.nodes[startId]);
    }
    // an interrupting event subprocess whose condition holds as the scope opens ends it before it starts
    if (content.eventSubprocesses.length > 0) {
      const conditional = this.conditionalIds(
        graph,
        content.eventSubprocesses.flatMap((id) => graph.scopes[id].startEvents),
      );
      if (conditional.length > 0 && this.conditionsAtActivation(conditional, scope, null)) {
        this.dirty.add(scope.id);
        return scope;
      }
    }
    const starts = options.startAt
      ? [options.startAt]
      : content.startEvents.filter((id) => graph.nodes[id].event === null);
    const chosen = starts.length > 0 ? starts : content.startEvents.slice(0, 1);
    for (const start of chosen) this.placeToken(scope, start);
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
    if (scope.variables) this.setVariables(parentScope, scope.variables, instance); // a called process hands its variables back
    elementRegistry[instance.type].trigger?.(
      this,
      instance,
      parentScope,
      this.graphOf(parentScope).nodes[instance.elementId],
      {
        kind: 'scope',
        scopeId: scope.id,
      },
    );
  }

  /** Removes a scope with the waits of its event subprocesses. */
  private closeScope(scope: ScopeInstance): void {
    this.state.subscriptions = this.state.subscriptions.filter(
      (s) => !(s.scopeId === scope.id && s.activityId === null),
    );
    for (const timer of Object.values(this.state.timers)) {
      if (timer.scopeId === scope.id && timer.activityId === null) this.cancelTimer(timer);
    }
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

  /**
   * BPMN 2.0.2 §10.5.4: a conditional event's condition is evaluated when the event becomes active — the
   * boundary events of `instance` as it is entered, the event subprocess starts of `scope` (instance null) as
   * it opens — and one that holds then triggers at once, before the activity or the scope does anything.
   * Later it triggers only when the condition changes from false to true (fireConditions). `elementIds`: the
   * events just armed. True when an interrupting one fired: the activity, or the scope, has ended.
   */
  private conditionsAtActivation(
    elementIds: string[],
    scope: ScopeInstance,
    instance: ActivityInstance | null,
  ): boolean {
    const graph = this.graphOf(scope);
    const activityId = instance?.id ?? null;
    const armed: Subscription[] = [];
    for (const sub of this.state.subscriptions) {
      if (
        sub.kind === 'conditional' &&
        sub.activityId === activityId &&
        sub.scopeId === scope.id &&
        elementIds.includes(sub.elementId)
      )
        armed.push(sub);
    }
    for (const sub of armed) {
      if (!this.state.subscriptions.includes(sub)) continue;
      this.current = sub.elementId;
      const holds = this.evaluate(sub.name, scope, instance) === true;
      sub.lastValue = holds;
      if (!holds) continue;
      const node = graph.nodes[sub.elementId];
      this.consume(sub);
      if (instance === null) {
        startEventSubprocess(this, scope, node);
      } else {
        if (node.interrupting) this.terminate(instance);
        this.leave(scope, node);
      }
      if (node.interrupting) return true;
    }
    return false;
  }

  /** The conditional events among `ids` (boundary events, or event subprocess starts). */
  private conditionalIds(graph: ProcessGraph, ids: string[]): string[] {
    return ids.filter((id) => graph.nodes[id].event?.kind === 'conditional');
  }

  // ── waiting: subscriptions and timers ────────────────────────────────────
  subscribe(subscription: Omit<Subscription, 'id'>): void {
    const sub: Subscription = { id: this.newId('sub'), ...subscription };
    if (sub.kind === 'conditional') {
      // evaluated now by conditionsAtActivation where it is a boundary or event subprocess start; elsewhere
      // (after an event-based gateway) once the tokens settle
      sub.lastValue = false;
      this.variablesChanged = true;
    }
    this.state.subscriptions.push(sub);
  }

  scheduleTimer(instance: ActivityInstance | null, scope: ScopeInstance, node: FlowNode): void {
    const event = node.event;
    if (event?.kind !== 'timer') return;
    const raw = event.expression.trim().startsWith('=')
      ? String(this.evaluate(event.expression, scope, instance))
      : event.expression;
    let dueAt: number | null = null;
    let repeat: number | null | undefined;
    let intervalMs: number | undefined;
    let workingDays: number | undefined;
    if (event.timer === 'workingDays') {
      const days = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(days) || days < 0) {
        this.incident(
          node.id,
          `gov:workingDays of timer '${node.id}' gave '${raw}', not a number of working days ≥ 0`,
        );
      }
      dueAt = (this.options.calendar ?? getDefaultCalendar()).addWorkingDays(this.now, days);
      workingDays = days;
    } else if (event.timer === 'duration') {
      const ms = parseDuration(raw);
      dueAt = ms === null ? null : this.now + ms;
    } else if (event.timer === 'date') {
      dueAt = parseDate(raw);
    } else {
      const cycle = parseCycle(raw);
      if (cycle) {
        dueAt = cycle.startAt ?? this.now + cycle.intervalMs;
        repeat = cycle.repetitions;
        intervalMs = cycle.intervalMs;
      }
    }
    if (dueAt === null)
      this.incident(node.id, `timer of '${node.id}' has an unreadable ${event.timer} '${raw}'`);
    this.addTimer({
      id: this.newId('timer'),
      elementId: node.id,
      activityId: instance?.id ?? null,
      scopeId: scope.id,
      dueAt,
      repeat,
      intervalMs,
      // kept so that loading a year's holidays can move the timer (server/calendar)
      ...(workingDays === undefined ? {} : { workingDays, scheduledAt: this.now }),
    });
  }

  private addTimer(timer: TimerInstance): void {
    if (timer.repeat === undefined) delete timer.repeat;
    if (timer.intervalMs === undefined) delete timer.intervalMs;
    this.state.timers[timer.id] = timer;
    this.emit({ type: 'timerScheduled', timer: { ...timer } });
  }

  /** Whether a catch keeps waiting after it fired: non-interrupting boundary events and event subprocess starts. */
  private keepsWaiting(scopeId: string, elementId: string): boolean {
    const scope = this.state.scopes[scopeId];
    if (!scope) return false;
    const node = this.graphOf(scope).nodes[elementId];
    return !node.interrupting && (node.type === 'boundaryEvent' || node.type === 'startEvent');
  }

  private consume(sub: Subscription): void {
    if (!this.keepsWaiting(sub.scopeId, sub.elementId))
      this.state.subscriptions = this.state.subscriptions.filter((s) => s !== sub);
  }

  /** Wakes whatever waits at `elementId`: an instance, a boundary event of one, or an event subprocess start. */
  dispatch(activityId: string | null, scopeId: string, elementId: string, trigger: Trigger): void {
    const scope = this.state.scopes[scopeId];
    if (!scope) return;
    const graph = this.graphOf(scope);
    const node = graph.nodes[elementId];
    this.current = elementId;
    if (activityId === null) {
      startEventSubprocess(this, scope, node);
      return;
    }
    const instance = this.state.activities[activityId];
    if (!instance) return;
    if (node.type === 'boundaryEvent' && instance.elementId !== elementId) {
      const hostScope = this.state.scopes[instance.scopeId];
      if (node.interrupting) this.terminate(instance);
      this.leave(hostScope, node);
      return;
    }
    elementRegistry[instance.type].trigger?.(
      this,
      instance,
      this.state.scopes[instance.scopeId],
      this.nodeOf(instance),
      trigger,
    );
  }

  // ── commands from outside ────────────────────────────────────────────────
  completeTask(instance: ActivityInstance, variables: Variables): void {
    this.dispatch(instance.id, instance.scopeId, instance.elementId, { kind: 'task', variables });
  }

  deliver(sub: Subscription, variables: Variables): void {
    const scope = this.state.scopes[sub.scopeId];
    const instance = sub.activityId ? this.state.activities[sub.activityId] : null;
    this.consume(sub);
    // past an event-based gateway the variables go with the trigger, to the catch event it chooses
    const viaGateway = instance?.wait === 'gateway';
    if (!viaGateway && Object.keys(variables).length > 0)
      this.setVariables(scope, variables, instance?.elementId === sub.elementId ? instance : null);
    this.dispatch(sub.activityId, sub.scopeId, sub.elementId, {
      kind: sub.kind === 'signal' ? 'signal' : 'message',
      elementId: sub.elementId,
      variables: viaGateway ? variables : {},
    });
  }

  fire(timer: TimerInstance): void {
    delete this.state.timers[timer.id];
    this.emit({ type: 'timerFired', timerId: timer.id, elementId: timer.elementId, at: this.now });
    const again = timer.intervalMs !== undefined && (timer.repeat === null || (timer.repeat ?? 0) > 1);
    if (again && this.keepsWaiting(timer.scopeId, timer.elementId)) {
      this.addTimer({
        ...timer,
        id: this.newId('timer'),
        dueAt: timer.dueAt + timer.intervalMs!,
        repeat: timer.repeat === null ? null : (timer.repeat ?? 1) - 1,
      });
    }
    this.dispatch(timer.activityId, timer.scopeId, timer.elementId, {
      kind: 'timer',
      elementId: timer.elementId,
    });
  }

  // ── variables and expressions ────────────────────────────────────────────
  private ownerVariables(scope: ScopeInstance): Variables {
    let current: ScopeInstance | undefined = scope;
    while (current) {
      if (current.variables) return current.variables;
      if (!current.parentActivity) return this.state.variables;
      const parent: ActivityInstance | undefined = this.state.activities[current.parentActivity];
      current = parent ? this.state.scopes[parent.scopeId] : undefined;
    }
    return this.state.variables;
  }

  variablesOf(scope: ScopeInstance, instance?: ActivityInstance | null): Variables {
    const owner = this.ownerVariables(scope);
    const locals = instance?.locals ?? scope.locals;
    return locals ? { ...owner, ...locals } : owner;
  }

  setVariables(scope: ScopeInstance, changes: Variables, instance?: ActivityInstance | null): void {
    const owner = this.ownerVariables(scope);
    Object.assign(owner, changes);
    if (instance) instance.changed = [...new Set([...(instance.changed ?? []), ...Object.keys(changes)])];
    if (owner === this.state.variables) this.emit({ type: 'variablesChanged', at: this.now, changes });
    this.variablesChanged = true;
  }

  evaluate(
    expression: string,
    scope: ScopeInstance,
    instance?: ActivityInstance | null,
    extra?: Variables,
  ): unknown {
    const variables = this.variablesOf(scope, instance);
    try {
      return evaluateFeel(expression, extra ? { ...variables, ...extra } : variables);
    } catch (error) {
      if (error instanceof ExpressionError)
        throw new IncidentSignal(instance?.elementId ?? this.current, error.message);
      throw error;
    }
  }

  // ── errors, escalations, signals ─────────────────────────────────────────
  private eventStartFor(
    scope: ScopeInstance,
    kind: 'error' | 'escalation',
    code: string | null,
  ): FlowNode | null {
    const graph = this.graphOf(scope);
    for (const eventSubprocessId of graph.scopes[scope.elementId].eventSubprocesses) {
      for (const startId of graph.scopes[eventSubprocessId].startEvents) {
        const start = graph.nodes[startId];
        if (start.event?.kind === kind && (start.event.code === null || start.event.code === code))
          return start;
      }
    }
    return null;
  }

  /** Walks out from `scope` to the nearest event subprocess or boundary event catching `kind`/`code`. */
  private propagate(scope: ScopeInstance, kind: 'error' | 'escalation', code: string | null): boolean {
    let current: ScopeInstance | undefined = scope;
    while (current) {
      const start = this.eventStartFor(current, kind, code);
      if (start) {
        startEventSubprocess(this, current, start);
        return true;
      }
      if (!current.parentActivity) return false;
      const host: ActivityInstance | undefined = this.state.activities[current.parentActivity];
      if (!host) return false;
      if (this.catchAtBoundary(host, kind, code)) return true;
      current = this.state.scopes[host.scopeId];
    }
    return false;
  }

  /** Leaves by the boundary event of `host` (or of its multi-instance body) that catches `kind`/`code`, if any. */
  private catchAtBoundary(
    instance: ActivityInstance,
    kind: 'error' | 'escalation',
    code: string | null,
  ): boolean {
    const host =
      instance.bodyId && this.state.activities[instance.bodyId]
        ? this.state.activities[instance.bodyId]
        : instance;
    const hostScope: ScopeInstance = this.state.scopes[host.scopeId];
    const graph = this.graphOf(hostScope);
    const boundary = graph.nodes[host.elementId].boundaries
      .map((id) => graph.nodes[id])
      .find((b) => b.event?.kind === kind && (b.event.code === null || b.event.code === code));
    if (!boundary) return false;
    if (boundary.interrupting || kind === 'error') this.terminate(host);
    this.leave(hostScope, boundary);
    return true;
  }

  /** `thrower`: the activity instance that throws (a service task's handler), whose own boundary events catch first. */
  throwError(
    scope: ScopeInstance,
    node: FlowNode,
    code: string | null,
    thrower?: ActivityInstance | null,
  ): void {
    const caught =
      (thrower ? this.catchAtBoundary(thrower, 'error', code) : false) ||
      this.propagate(scope, 'error', code);
    this.emit({ type: 'errorRaised', code, elementId: node.id, caught, at: this.now });
    if (!caught)
      this.incident(
        node.id,
        `error '${code ?? '(no code)'}' thrown by '${node.id}' is not caught by any boundary event or event subprocess`,
      );
  }

  throwEscalation(scope: ScopeInstance, node: FlowNode, code: string | null): void {
    const caught = this.propagate(scope, 'escalation', code);
    this.emit({ type: 'escalationRaised', code, elementId: node.id, caught, at: this.now });
  }

  broadcastSignal(name: string, node: FlowNode, variables: Variables = {}): void {
    this.emit({ type: 'signalThrown', name, elementId: node.id, at: this.now });
    for (const sub of this.state.subscriptions.filter((s) => s.kind === 'signal' && s.name === name)) {
      if (this.state.subscriptions.includes(sub)) this.deliver(sub, variables);
    }
  }

  /** Fails the case: the instance at fault fails, every other one is cancelled. */
  failCase(elementId: string, message: string, elements?: string[]): void {
    const incident: Incident = elements
      ? { elementId, message, at: this.now, elements }
      : { elementId, message, at: this.now };
    this.state.incidents.push(incident);
    this.emit({ type: 'incidentRaised', incident });
    this.head = this.queue.length;
    this.state.status = 'failed'; // stops settle() before terminating
    for (const instance of Object.values(this.state.activities)) {
      if (this.state.activities[instance.id])
        this.terminate(
          instance,
          instance.elementId === elementId && instance.wait !== 'body' ? 'failed' : 'cancelled',
        );
    }
    for (const timer of Object.values(this.state.timers)) this.cancelTimer(timer);
    this.state.subscriptions = [];
    this.state.scopes = {};
    this.state.endedAt = this.now;
    this.emit({ type: 'caseFailed', at: this.now });
  }
}
