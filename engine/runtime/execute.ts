/** The engine's one entry: apply a command to a case snapshot, get the next snapshot and what happened. */
import { initialTransition, transition } from 'xstate';
import type { CaseCommand, CaseEvent, CaseSnapshot, Incident } from '../elements/state.js';
import { CommandRejected } from '../elements/state.js';
import { broadcastSignal, deliver, fireTimer } from '../elements/waits.js';
import { caseMachine } from './case-machine.js';
import { CaseRun } from './case-run.js';
import type { CompiledDefinition } from './definition.js';
import { IncidentSignal, type RunOptions } from './run-context.js';

export interface ExecuteOptions extends RunOptions {
  /**
   * Apply the command to the given snapshot itself instead of a copy, and return it: for callers that keep no
   * earlier state (simulation, benchmarks), saving a deep copy per command. A command that throws (refused, or
   * over its budget) may leave the snapshot partly changed. Default false: the caller's snapshot is never modified.
   */
  inPlace?: boolean;
}

export interface ExecuteResult {
  snapshot: CaseSnapshot;
  events: CaseEvent[];
}

const [initialSnapshot] = initialTransition(caseMachine);

function newCase(
  definition: CompiledDefinition,
  command: Extract<CaseCommand, { type: 'start' }>,
  now: number,
  caseId: string,
): CaseSnapshot {
  return {
    format: 1,
    id: caseId,
    definitionId: definition.id,
    status: 'active',
    lifecycle: 'active',
    startedAt: now,
    endedAt: null,
    variables: { ...(command.variables ?? {}) },
    scopes: {},
    activities: {},
    subscriptions: [],
    timers: {},
    incidents: [],
    trips: 0, // counted from the events as they are recorded (RunContext.emit), the caseStarted event first
    corrected: false,
    seq: 0,
    // only when given: snapshots of cases without one stay as they were
    ...(command.businessKey !== undefined && command.businessKey !== null
      ? { businessKey: command.businessKey }
      : {}),
  };
}

/** Applies the command inside a CaseRun, settling every token; an incident fails the case. */
function run(
  definition: CompiledDefinition,
  current: CaseSnapshot | null,
  command: CaseCommand,
  options: ExecuteOptions,
  events: CaseEvent[],
): CaseSnapshot {
  const state: CaseSnapshot = current
    ? options.inPlace
      ? current
      : structuredClone(current)
    : newCase(
        definition,
        command as Extract<CaseCommand, { type: 'start' }>,
        options.now,
        (command as { caseId?: string }).caseId ?? options.newId?.('case') ?? 'case-1',
      );
  const caseRun = new CaseRun(state, definition, options);
  try {
    applyCommand(caseRun, state, definition, command);
    caseRun.settle();
  } catch (error) {
    if (!(error instanceof IncidentSignal)) throw error;
    caseRun.failCase(error.elementId, error.message);
  }
  events.push(...caseRun.events);
  return state;
}

/** Starts the case at its none start event, or at the one the command names (by id, or by its message). */
function startCase(
  caseRun: CaseRun,
  state: CaseSnapshot,
  definition: CompiledDefinition,
  command: Extract<CaseCommand, { type: 'start' }>,
): void {
  caseRun.emit({
    type: 'caseStarted',
    caseId: state.id,
    at: caseRun.now,
    variables: { ...state.variables },
    channel: command.channel ?? null,
  });
  const graph = definition.graph;
  const starts = graph.scopes[graph.key].startEvents.map((id) => graph.nodes[id]);
  let startAt: string | undefined = command.startEventId;
  if (command.message) {
    const start = starts.find((s) => s.event?.kind === 'message' && s.event.name === command.message);
    if (!start)
      throw new CommandRejected(
        'noStart',
        `process '${graph.key}' has no start event for message '${command.message}'`,
      );
    startAt = start.id;
  }
  if (startAt && !starts.some((s) => s.id === startAt)) {
    throw new CommandRejected('noStart', `'${startAt}' is not a start event of process '${graph.key}'`);
  }
  caseRun.openScope(null, { elementId: graph.key, definitionId: definition.id, startAt });
}

function applyCommand(
  caseRun: CaseRun,
  state: CaseSnapshot,
  definition: CompiledDefinition,
  command: CaseCommand,
): void {
  switch (command.type) {
    case 'start':
      startCase(caseRun, state, definition, command);
      return;
    case 'completeTask': {
      const instance = state.activities[command.taskId];
      if (instance?.wait !== 'task') {
        throw new CommandRejected('notOpen', `task '${command.taskId}' is not open in case '${state.id}'`);
      }
      caseRun.wake(instance.id, instance.scopeId, instance.elementId, {
        kind: 'task',
        variables: command.variables ?? {},
      });
      return;
    }
    case 'deliverMessage': {
      const sub = state.subscriptions.find(
        (s) =>
          s.kind === 'message' &&
          s.name === command.name &&
          (command.subscriptionId === undefined || s.id === command.subscriptionId),
      );
      if (!sub)
        throw new CommandRejected(
          'noSubscriber',
          `nothing in case '${state.id}' waits for message '${command.name}'`,
        );
      caseRun.emit({
        type: 'messageReceived',
        name: command.name,
        elementId: sub.elementId,
        at: caseRun.now,
        channel: command.channel ?? null,
        ...(command.messageId === undefined ? {} : { messageId: command.messageId }),
      });
      deliver(caseRun, sub, command.variables ?? {});
      return;
    }
    case 'fireTimer': {
      const timer = state.timers[command.timerId];
      if (!timer)
        throw new CommandRejected(
          'notOpen',
          `timer '${command.timerId}' is not pending in case '${state.id}'`,
        );
      fireTimer(caseRun, timer);
      return;
    }
    case 'signal': {
      broadcastSignal(caseRun, command.name, 'external', command.variables ?? {}, command.signalId);
      return;
    }
    case 'cancel':
      caseRun.cancelCase(command.reason ?? null);
      return;
  }
}

/**
 * The lifecycle machine's answers, remembered. caseMachine (case-machine.ts) accepts a command by the state it
 * is in, and after the command moves on by guards that read only the case's `status`; so whether a state accepts
 * a command type, and the state after it given the resulting status, are fixed, and XState is asked once per
 * combination rather than once per command (a machine transition cost more than running most commands).
 */
const accepted = new Map<string, Map<string, boolean>>();
const following = new Map<string, Map<string, Map<string, string>>>();

const machineAt = (lifecycle: string, status: string) =>
  lifecycle === 'new'
    ? initialSnapshot
    : caseMachine.resolveState({ value: lifecycle, context: { case: { status } as CaseSnapshot } });

/** The inner map of `memo` under `key` (nested maps: no key string built per command). */
function within<V>(memo: Map<string, V>, key: string, create: () => V): V {
  let inner = memo.get(key);
  if (inner === undefined) {
    inner = create();
    memo.set(key, inner);
  }
  return inner;
}

function accepts(lifecycle: string, type: CaseCommand['type']): boolean {
  const known = within(accepted, lifecycle, () => new Map<string, boolean>());
  let answer = known.get(type);
  if (answer === undefined) {
    let applied = false;
    transition(caseMachine, machineAt(lifecycle, 'active'), {
      type,
      apply: (current) => {
        applied = true;
        return current ?? ({ status: 'active' } as CaseSnapshot);
      },
    });
    answer = applied;
    known.set(type, answer);
  }
  return answer;
}

function lifecycleAfter(lifecycle: string, type: CaseCommand['type'], status: string): string {
  const known = within(
    within(following, lifecycle, () => new Map<string, Map<string, string>>()),
    type,
    () => new Map<string, string>(),
  );
  let next = known.get(status);
  if (next === undefined) {
    const [after] = transition(caseMachine, machineAt(lifecycle, 'active'), {
      type,
      apply: () => ({ status }) as CaseSnapshot,
    });
    next = String(after.value);
    known.set(status, next);
  }
  return next;
}

/**
 * `(definition, snapshot, command) → (snapshot, events)`: pure and deterministic given `options.now` and
 * `options.newId`. The snapshot is plain JSON; the caller's snapshot is not modified (unless `options.inPlace`).
 * Throws CommandRejected when the command does not apply (task not open, nothing waits for the message…).
 */
export function execute(
  definition: CompiledDefinition,
  snapshot: CaseSnapshot | null,
  command: CaseCommand,
  options: ExecuteOptions,
): ExecuteResult {
  if (snapshot && snapshot.definitionId !== definition.id) {
    throw new Error(
      `case '${snapshot.id}' runs on definition '${snapshot.definitionId}', not '${definition.id}'`,
    );
  }
  const lifecycle = snapshot ? snapshot.lifecycle : 'new';
  if (!accepts(lifecycle, command.type)) {
    throw new CommandRejected(
      'notActive',
      snapshot
        ? `case '${snapshot.id}' is ${snapshot.status}: it accepts no '${command.type}'`
        : `a case must be started first (got '${command.type}')`,
    );
  }
  const events: CaseEvent[] = [];
  const result = run(definition, snapshot, command, options, events);
  result.lifecycle = lifecycleAfter(lifecycle, command.type, result.status);
  return { snapshot: result, events };
}

/**
 * Fails a case with an incident that no command raised itself: a command stopped over its budget
 * (RunBudgetExceeded), or a timer that could not be fired. Applied to the case as it stood before (`snapshot`;
 * null with `start`: the case that command would have started, with its variables and nothing run), so nothing
 * of the command is half-applied: every open instance is cancelled, every timer and subscription removed.
 */
export function raiseIncident(
  definition: CompiledDefinition,
  snapshot: CaseSnapshot | null,
  incident: Omit<Incident, 'at'>,
  options: ExecuteOptions & { start?: Extract<CaseCommand, { type: 'start' }> },
): ExecuteResult {
  if (snapshot && snapshot.definitionId !== definition.id) {
    throw new Error(
      `case '${snapshot.id}' runs on definition '${snapshot.definitionId}', not '${definition.id}'`,
    );
  }
  if (!snapshot && !options.start) throw new Error('raiseIncident needs the case or the start command');
  if (snapshot && snapshot.status !== 'active') {
    throw new CommandRejected(
      'notActive',
      `case '${snapshot.id}' is ${snapshot.status}: it takes no incident`,
    );
  }
  const start = options.start;
  const state = snapshot
    ? options.inPlace
      ? snapshot
      : structuredClone(snapshot)
    : newCase(definition, start!, options.now, start!.caseId ?? options.newId?.('case') ?? 'case-1');
  const caseRun = new CaseRun(state, definition, options);
  if (!snapshot)
    caseRun.emit({
      type: 'caseStarted',
      caseId: state.id,
      at: caseRun.now,
      variables: { ...state.variables },
      channel: start!.channel ?? null,
    });
  caseRun.failCase(incident.elementId, incident.message, incident.elements);
  // every command an active case accepts leads to the same state for the same status
  state.lifecycle = lifecycleAfter(
    snapshot ? snapshot.lifecycle : 'new',
    start ? 'start' : 'signal',
    state.status,
  );
  return { snapshot: state, events: caseRun.events };
}
