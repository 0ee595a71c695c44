/** An in-memory engine over `execute()`: cases kept in a Map, timers fired in virtual time. For tests, the CLI, simulation and benchmarks. */
import type { ServiceHandler } from '../elements/context.js';
import type {
  CaseCommand,
  CaseEvent,
  CaseSnapshot,
  TaskRecord,
  TimerInstance,
  Variables,
} from '../elements/state.js';
import { type CompiledDefinition, calledInFile, compileUnit, definitionSet } from './definition.js';
import { execute, raiseIncident } from './execute.js';
import { type RunBudget, RunBudgetExceeded } from './run-budget.js';

export interface LocalEngineOptions {
  /** Virtual clock start (epoch ms). */
  now?: number;
  handlers?: Record<string, ServiceHandler>;
  calendar?: { addWorkingDays(from: number, days: number): number } | null;
  /** JSON round trip of every snapshot between commands, as a database would do. */
  roundTrip?: boolean;
  /** Called with each command's events. */
  onEvents?: (caseId: string, events: CaseEvent[]) => void;
  /** What one command may spend; a command over it fails its case with an incident instead. */
  budget?: RunBudget;
}

export class LocalEngine {
  readonly definitions = definitionSet([]);
  readonly cases = new Map<string, CaseSnapshot>();
  readonly tasks = new Map<string, TaskRecord>();
  now: number;
  private caseSeq = 0;
  private readonly versions = new Map<string, number>();

  constructor(private readonly options: LocalEngineOptions = {}) {
    this.now = options.now ?? Date.UTC(2026, 0, 5, 1, 0, 0); // Monday 09:00 in Beijing
  }

  /**
   * Compiles and deploys; throws with the findings when the definition cannot run. A collaboration deploys
   * every executable process (deployUnit); this returns the file's first.
   */
  async deploy(xml: string): Promise<CompiledDefinition> {
    return (await this.deployUnit(xml))[0];
  }

  /**
   * Deploys every executable process of the file, each as a new version of its key, in document order; a call
   * activity into a process of the same file runs the version deployed with it (CompiledDefinition.unit).
   */
  async deployUnit(xml: string): Promise<CompiledDefinition[]> {
    const probe = await compileUnit(xml);
    if (!probe.ok) {
      const errors = probe.findings.filter((f) => f.severity === 'error');
      throw Object.assign(new Error(errors.map((f) => `${f.elementId ?? '-'}: ${f.message}`).join('\n')), {
        findings: probe.findings,
      });
    }
    const ids = new Map<string, string>();
    const deployed = probe.definitions.map((d) => {
      const version = (this.versions.get(d.key) ?? 0) + 1;
      this.versions.set(d.key, version);
      ids.set(d.key, `${d.key}:${version}`);
      return { ...d, version, id: `${d.key}:${version}` };
    });
    const graphs = deployed.map((d) => d.graph);
    for (const definition of deployed) {
      const callees = calledInFile(definition.graph, graphs);
      if (callees.length > 0)
        definition.unit = Object.fromEntries(callees.map((c) => [c.key, ids.get(c.key) as string]));
      this.definitions.add(definition);
    }
    return deployed;
  }

  private apply(caseId: string | null, definition: CompiledDefinition, command: CaseCommand): CaseSnapshot {
    const current = caseId ? (this.cases.get(caseId) ?? null) : null;
    const options = {
      now: this.now,
      handlers: this.options.handlers,
      calendar: this.options.calendar,
      definitions: this.definitions,
      budget: this.options.budget,
    };
    let result: ReturnType<typeof execute>;
    try {
      result = execute(definition, current, command, options);
    } catch (error) {
      if (!(error instanceof RunBudgetExceeded)) throw error;
      // nothing of the command applies: the case as it was fails with the incident
      const start = command.type === 'start' ? command : undefined;
      result = raiseIncident(definition, current, error.incident, { ...options, start });
    }
    const { snapshot, events } = result;
    const stored = this.options.roundTrip ? (JSON.parse(JSON.stringify(snapshot)) as CaseSnapshot) : snapshot;
    this.cases.set(stored.id, stored);
    for (const event of events) {
      if (event.type === 'taskCreated') this.tasks.set(event.task.id, event.task);
      else if (event.type === 'taskCompleted' || event.type === 'taskCancelled')
        this.tasks.delete(event.taskId);
    }
    this.options.onEvents?.(stored.id, events);
    return stored;
  }

  private definitionOf(caseId: string): CompiledDefinition {
    const snapshot = this.cases.get(caseId);
    if (!snapshot) throw new Error(`no case '${caseId}'`);
    const definition = this.definitions.byId(snapshot.definitionId);
    if (!definition) throw new Error(`definition '${snapshot.definitionId}' is not deployed`);
    return definition;
  }

  start(
    key: string,
    variables: Variables = {},
    extra: Partial<Extract<CaseCommand, { type: 'start' }>> = {},
  ): CaseSnapshot {
    const definition = this.definitions.latest(key);
    if (!definition) throw new Error(`process '${key}' is not deployed`);
    return this.apply(null, definition, {
      type: 'start',
      caseId: extra.caseId ?? `case-${++this.caseSeq}`,
      variables,
      ...extra,
    });
  }

  command(caseId: string, command: CaseCommand): CaseSnapshot {
    return this.apply(caseId, this.definitionOf(caseId), command);
  }

  openTasks(caseId?: string): TaskRecord[] {
    const all = [...this.tasks.values()];
    return caseId ? all.filter((t) => t.caseId === caseId) : all;
  }

  completeTask(taskId: string, variables: Variables = {}): CaseSnapshot {
    const task = this.tasks.get(taskId);
    if (!task) throw new Error(`no open task '${taskId}'`);
    return this.command(task.caseId, { type: 'completeTask', taskId, variables });
  }

  /** The earliest pending timer of any case, if it is due by `until`. */
  nextTimer(until = Number.POSITIVE_INFINITY): { caseId: string; timer: TimerInstance } | null {
    let best: { caseId: string; timer: TimerInstance } | null = null;
    for (const [caseId, snapshot] of this.cases) {
      for (const timer of Object.values(snapshot.timers)) {
        if (timer.dueAt <= until && (!best || timer.dueAt < best.timer.dueAt)) best = { caseId, timer };
      }
    }
    return best;
  }

  /** Advances the virtual clock to `until`, firing every timer due on the way in order. */
  advanceTo(until: number): number {
    let fired = 0;
    for (let next = this.nextTimer(until); next; next = this.nextTimer(until)) {
      this.now = Math.max(this.now, next.timer.dueAt);
      this.command(next.caseId, { type: 'fireTimer', timerId: next.timer.id });
      fired++;
    }
    this.now = Math.max(this.now, until);
    return fired;
  }
}
