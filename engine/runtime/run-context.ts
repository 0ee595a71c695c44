/**
 * What a run knows besides its tokens: the definitions it runs, ids, the events it records, the calendar, the
 * variables and expressions. CaseRun (case-run.ts) extends it with the token loop.
 */
import { getDefaultCalendar } from '../calendar/index.js';
import type { ServiceHandler } from '../elements/context.js';
import type {
  ActivityInstance,
  CaseEvent,
  CaseSnapshot,
  ScopeInstance,
  Variables,
} from '../elements/state.js';
import { isCorrection, isTrip } from '../metrics/case-figures.js';
import { ExpressionError, evaluateFeel } from '../model/feel.js';
import type { Reachability } from '../model/reachability.js';
import type { FlowNode, ProcessGraph } from '../model/types.js';
import type { CompiledDefinition, DefinitionSource } from './definition.js';
import type { RunBudget } from './run-budget.js';
import { ownerVariables, visibleVariables } from './variables.js';

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

export abstract class RunContext {
  readonly events: CaseEvent[] = [];
  readonly now: number;
  /** The element being worked on: an incident raised while no instance is at hand names it. */
  current: string;
  /** Whether data changed (or a condition was armed) since conditional events were last evaluated. */
  protected variablesChanged = false;

  constructor(
    readonly state: CaseSnapshot,
    protected readonly root: CompiledDefinition,
    protected readonly options: RunOptions,
  ) {
    this.now = options.now;
    this.current = root.key;
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

  /**
   * The process `key` that `instance` (a call activity) calls: the version deployed in the same file as the
   * caller (CompiledDefinition.unit), else the key's latest deployed version.
   */
  calledDefinition(instance: ActivityInstance | null, key: string): CompiledDefinition {
    const callerScope = instance ? this.state.scopes[instance.scopeId] : undefined;
    const sameFile = callerScope ? this.definition(callerScope.definitionId).unit?.[key] : undefined;
    const called = sameFile
      ? this.options.definitions?.byId(sameFile)
      : this.options.definitions?.latest(key);
    if (!called) {
      this.incident(
        instance?.elementId ?? this.current,
        sameFile
          ? `callActivity '${instance?.elementId}' calls process '${key}' of its own file, version '${sameFile}', which is not loaded`
          : `callActivity '${instance?.elementId}' calls process '${key}', which is not deployed: deploy it first`,
      );
    }
    return called;
  }

  reachOf(scope: ScopeInstance): Reachability {
    return this.definition(scope.definitionId).reach;
  }

  newId(prefix: string): string {
    return this.options.newId ? this.options.newId(prefix) : `${this.state.id}-${prefix}${++this.state.seq}`;
  }

  /** Records an event; the case figures the case keeps as it runs are counted from it (case-figures.ts). */
  emit(event: CaseEvent): void {
    this.events.push(event);
    if (isTrip(event)) this.state.trips++;
    else if (isCorrection(event)) this.state.corrected = true;
  }

  handler(name: string): ServiceHandler | undefined {
    return this.options.handlers?.[name];
  }

  dueAfter(from: number, days: number): number | null {
    return this.options.calendar ? this.options.calendar.addWorkingDays(from, days) : null;
  }

  workingDaysAfter(from: number, days: number): number {
    return (this.options.calendar ?? getDefaultCalendar()).addWorkingDays(from, days);
  }

  incident(elementId: string, message: string): never {
    throw new IncidentSignal(elementId, message);
  }

  // ── variables and expressions ────────────────────────────────────────────
  variablesOf(scope: ScopeInstance, instance?: ActivityInstance | null): Variables {
    return visibleVariables(this.state, scope, instance);
  }

  setVariables(scope: ScopeInstance, changes: Variables, instance?: ActivityInstance | null): void {
    const owner = ownerVariables(this.state, scope);
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
    // `businessKey` reads the case's business key, unless a variable of that name hides it
    const context =
      this.state.businessKey === undefined || 'businessKey' in variables
        ? variables
        : { businessKey: this.state.businessKey, ...variables };
    try {
      return evaluateFeel(expression, extra ? { ...context, ...extra } : context);
    } catch (error) {
      if (error instanceof ExpressionError)
        throw new IncidentSignal(instance?.elementId ?? this.current, error.message);
      throw error;
    }
  }
}
