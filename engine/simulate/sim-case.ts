/** A simulated case while it runs: its snapshot, its ids, its steps and tasks, and its log lines. */
import type { CaseSnapshot, StepRecord } from '../elements/state.js';
import type { CompiledDefinition } from '../runtime/definition.js';
import type { ExecuteOptions } from '../runtime/execute.js';
import type { CaseLogs } from './case-log.js';
import type { Work } from './departments.js';
import type { LogEntry, SimulatedCase } from './types.js';

/** A step of the case as the simulation follows it from the engine's events (a TimedStep of the case figures). */
export interface TrackedStep {
  record: StepRecord;
  enteredAt: number;
  completedAt: number | null;
  status: string;
  pausesClock: boolean;
}

export interface SimCase {
  /** What the run returns for this case. */
  data: SimulatedCase;
  /** The process it runs: the simulated one, or (a case started by a message) one of its collaboration. */
  definition: CompiledDefinition;
  snapshot: CaseSnapshot | null;
  idSeq: number;
  /** With `record`: the ids the running command drew, in order. */
  pendingIds: string[] | null;
  newId: (prefix: string) => string;
  /** execute()'s options, reused from command to command (only `now` changes). */
  options: ExecuteOptions;
  /** How many times each task (element id) or message (`message:<name>`) came, for the samplers' `visit`. */
  visits: Map<string, number>;
  steps: Map<string, TrackedStep>;
  /** Its tasks by task id. */
  work: Map<string, Work>;
  /** Message subscriptions whose answer is already scheduled. */
  scheduledSubs: Set<string>;
  log: LogEntry[] | null;
  commandCount: number;
  ended: boolean;
}

/**
 * A case that has just arrived at `now`. Its engine ids are `<case id>-<prefix><n>`, as the engine asks for
 * them; it runs in place, with the run's calendar, other definitions and service handlers.
 */
export function newSimCase(
  data: SimulatedCase,
  now: number,
  run: Pick<ExecuteOptions, 'calendar' | 'definitions' | 'handlers'> & { definition: CompiledDefinition },
  logging: boolean,
): SimCase {
  const c: SimCase = {
    data,
    definition: run.definition,
    snapshot: null,
    idSeq: 0,
    pendingIds: null,
    newId: (prefix) => {
      const generated = `${data.id}-${prefix}${++c.idSeq}`;
      c.pendingIds?.push(generated);
      return generated;
    },
    options: {
      now,
      calendar: run.calendar,
      definitions: run.definitions,
      handlers: run.handlers,
      inPlace: true,
    },
    visits: new Map(),
    steps: new Map(),
    work: new Map(),
    scheduledSubs: new Set(),
    log: logging ? [] : null,
    commandCount: 0,
    ended: false,
  };
  c.options.newId = c.newId;
  return c;
}

/** Counts one more visit of `key` to the case and returns its number (1 for the first). */
export function nextVisit(c: SimCase, key: string): number {
  const visit = (c.visits.get(key) ?? 0) + 1;
  c.visits.set(key, visit);
  return visit;
}

/** The engine entered a step: followed from now on, and logged (`start`). */
export function enterStep(c: SimCase, s: StepRecord, logs: CaseLogs): void {
  c.steps.set(s.id, {
    record: s,
    enteredAt: s.enteredAt,
    completedAt: null,
    status: 'active',
    pausesClock: s.pausesClock,
  });
  if (c.log) logs.add(c, s, 'start', s.enteredAt, null);
}

/** A step completed, or was cancelled or failed, at `now`: logged (`complete` or `ate_abort`, with who did it). */
export function leaveStep(c: SimCase, s: StepRecord, completed: boolean, now: number, logs: CaseLogs): void {
  const tracked = c.steps.get(s.id);
  if (tracked) {
    tracked.record = s;
    tracked.completedAt = s.completedAt;
    tracked.status = s.status;
  }
  if (c.log)
    logs.add(
      c,
      s,
      completed ? 'complete' : 'ate_abort',
      s.completedAt ?? now,
      c.work.get(s.id)?.staff ?? null,
    );
}
