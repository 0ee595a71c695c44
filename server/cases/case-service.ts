/**
 * Applies commands to stored cases: each one read, executed, and written in a single statement that lands only
 * if the case did not change meanwhile. Over 400 lines on purpose: the command path (start, apply with its
 * optimistic retry, completing a task, firing timers) shares the per-case queue, the cache and the write
 * batcher; the case's view (case-view.ts), the start's checks (start-checks.ts) and the API's reads
 * (case-queries.ts) live beside it.
 */
import { randomUUID } from 'node:crypto';
import { createLiveCalendar, getDefaultCalendar, type WorkingCalendar } from '../../engine/calendar/index.js';
import {
  type CaseCommand,
  type CaseSnapshot,
  CommandRejected,
  type CompiledDefinition,
  caseWorkingTime,
  execute,
  RunBudgetExceeded,
  raiseIncident,
  type ServiceHandler,
  type Variables,
} from '../../engine/index.js';
import type { Db } from '../db/database.js';
import {
  sayCaseMissing,
  sayDefinitionMissing,
  sayNotDeployed,
  sayNoVersion,
  sayTaskMissing,
} from '../problem-text.js';
import { loadCaseRows, rootCaseOf } from '../repositories/case-repository.js';
import { deleteTimer } from '../repositories/timer-repository.js';
import { GENESIS_HASH } from '../store/audit-log.js';
import type { PeopleOfTask } from '../store/batch-statement.js';
import { type CaseRowValues, planWrites, STARTED_REVISION, type WritePlan } from '../store/case-writer.js';
import type { DefinitionStore } from '../store/definition-store.js';
import { WriteBatcher, type WriteBatcherOptions } from '../store/write-batcher.js';
import {
  applyPlan,
  type CachedStep,
  type CachedTask,
  CaseCache,
  type CaseState,
  cachedStep,
  cachedTask,
} from './case-cache.js';
import { type CaseAnswer, type CaseView, caseView } from './case-view.js';
import { CaseIncident, type CommandBudget, runBudget } from './command-budget.js';
import { NotFound } from './errors.js';
import { checkForm } from './forms.js';
import { businessKeyTaken, caseOfSameStart, checkMaterials, isBusinessKeyConflict } from './start-checks.js';
import { asStored } from './stored-json.js';

export type { CaseAnswer, CaseView, MinimalCaseView, OpenTask, StepView } from './case-view.js';
export { minimalCaseView } from './case-view.js';

/** A person as a step's handler and a task's claimant records them. */
export interface Person {
  userId: string;
  name: string;
}

/** Where a task is and who holds it, as a completion's check sees it. */
export interface TaskHolding {
  department: string | null;
  caseId: string;
  claimedBy: Person | null;
}

/** A completion by a person: checked on the task as stored at each attempt, its handler recorded. */
interface Completion {
  taskId: string;
  handler: Person;
  check: (task: CachedTask) => void;
}

/** The completed task's row names its handler, and its claimant when nobody held it (the same write). */
function recordHandler(plan: WritePlan, state: CaseState, completion: Completion, now: number): void {
  const change = plan.changedTasks.find((c) => c.id === completion.taskId && c.status === 'completed') as
    | (WritePlan['changedTasks'][number] & PeopleOfTask)
    | undefined;
  if (!change) return;
  change.handler_id = completion.handler.userId;
  change.handler_name = completion.handler.name;
  if (state.tasks.get(completion.taskId)?.claimed_by === null) {
    change.claimed_by = completion.handler.userId;
    change.claimed_name = completion.handler.name;
    change.claimed_at = new Date(now).toISOString();
  }
}

export interface CaseServiceOptions {
  clock?: () => number;
  newId?: () => string;
  calendar?: WorkingCalendar;
  handlers?: Record<string, ServiceHandler>;
  /** Cases kept in memory between commands (0: read every case from the database for every command). */
  cacheSize?: number;
  /** How commands are grouped into writes. */
  batch?: WriteBatcherOptions;
  /** What one command may spend before it is stopped and its case fails with an incident. */
  budget?: CommandBudget;
}

/** What apply() does to a case: run a command, or fail the case with an incident that no command raised itself. */
type CaseChange =
  | CaseCommand
  | { type: 'incident'; incident: { elementId: string; message: string; elements?: string[] } };

export interface StartInput {
  process: string;
  version?: number;
  businessKey?: string;
  variables?: Variables;
  materials?: string[];
  channel?: string;
  /** Start at the message start event of this message (messages between cases). */
  message?: string;
  /** Start at this start event (a signal start event). */
  startEvent?: string;
}

/** What a landed command sent and began waiting for: the messages' deliverer (server/messages) acts on it. */
export type WrittenListener = (caseId: string, plan: WritePlan) => void;

export class CaseService {
  readonly calendar: WorkingCalendar;
  private readonly clock: () => number;
  private readonly newId: () => string;
  private readonly cache: CaseCache;
  private readonly budget: ReturnType<typeof runBudget>;
  /** The write path's group commit (its stats show how many commands each round trip carried). */
  readonly writer: WriteBatcher;
  /** Commands waiting for the one before them on the same case, so one node never races itself. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Told of every command this node wrote that sent a message or signal or began waiting for one. */
  private readonly listeners: WrittenListener[] = [];

  constructor(
    private readonly db: Db,
    readonly definitions: DefinitionStore,
    private readonly options: CaseServiceOptions = {},
  ) {
    // live: loading a year's holidays (server/calendar) switches what it answers
    this.calendar = options.calendar ?? createLiveCalendar(getDefaultCalendar());
    this.clock = options.clock ?? Date.now;
    this.newId = options.newId ?? randomUUID;
    this.cache = new CaseCache(options.cacheSize ?? 5_000);
    this.writer = new WriteBatcher(db, options.batch);
    this.budget = runBudget(options.budget);
  }

  /** Adds a listener told of written commands that sent or began waiting for messages and signals. */
  onWritten(listener: WrittenListener): void {
    this.listeners.push(listener);
  }

  private written(caseId: string, plan: WritePlan): void {
    if (plan.sent.length === 0 && plan.newSubscriptions.length === 0) return;
    for (const listener of this.listeners) listener(caseId, plan);
  }

  /** Drops what this node remembers of cases changed outside its commands (due dates moved by a calendar year). */
  forget(caseIds: Iterable<string>): void {
    for (const id of caseIds) this.cache.delete(id);
  }

  /** The service's clock (injected in tests and simulation). */
  now(): number {
    return this.clock();
  }

  private executeOptions(now: number) {
    return {
      budget: this.budget,
      now,
      newId: () => this.newId(),
      handlers: this.options.handlers,
      calendar: this.calendar,
      definitions: this.definitions,
    };
  }

  /**
   * The definition a case starts on: the version in force (published) at the service's clock, or the version
   * named — any version, a draft included (designers try a draft out before it is published).
   */
  private async definitionFor(key: string, version?: number): Promise<CompiledDefinition> {
    const at = new Date(this.clock());
    const definition =
      version === undefined
        ? await this.definitions.loadInForce(key, at)
        : await this.definitions.load(`${key}:${version}`);
    if (!definition) {
      throw new NotFound(version === undefined ? sayNotDeployed(key) : sayNoVersion(key, version));
    }
    await this.definitions.prepareCallees(definition, at);
    return definition;
  }

  /** Runs `work` after every earlier command of this node on the same case has finished. */
  private exclusive<T>(caseId: string, work: () => Promise<T>): Promise<T> {
    const before = this.queues.get(caseId) ?? Promise.resolve();
    const run = before.then(work, work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(caseId, tail);
    void tail.then(() => {
      if (this.queues.get(caseId) === tail) this.queues.delete(caseId);
    });
    return run;
  }

  /**
   * Starts a case. With an idempotency key (as stored: the routes scope a client's key by its principal), the
   * same key and request return the case it started the first time, and the same key with another request is
   * a 422 naming `keyLabel` (the key as the client sent it). A business key already used by a case of the
   * process is a 409 naming that case.
   */
  async start<T = CaseView>(
    input: StartInput,
    actor: string | null,
    idempotencyKey?: string,
    keyLabel: string | undefined = idempotencyKey,
    link: { startedByCase?: string | null } = {},
    answer: CaseAnswer<T> = caseView as CaseAnswer<T>,
  ): Promise<{ view: T; created: boolean }> {
    if (idempotencyKey) {
      const known = await caseOfSameStart(this.db, idempotencyKey, input, keyLabel ?? idempotencyKey);
      if (known) return this.answerAgain(known, answer);
    }
    const definition = await this.definitionFor(input.process, input.version);
    const variables = input.variables ?? {};
    checkForm(
      `${definition.id}#process`,
      definition.graph.form,
      variables,
      `the application form of '${definition.key}'`,
      `“${definition.graph.name ?? definition.key}”的申请表`,
    );
    const materials = input.materials ?? [];
    checkMaterials(definition, materials);
    const now = this.clock();
    const caseId = this.newId();
    const { started, stopped } = this.runStart(
      definition,
      {
        caseId,
        variables,
        channel: input.channel,
        businessKey: input.businessKey ?? null,
        ...(input.message === undefined ? {} : { message: input.message }),
        ...(input.startEvent === undefined ? {} : { startEventId: input.startEvent }),
      },
      now,
    );
    const snapshot = asStored(started.snapshot);
    const events = started.events;
    const identity = { id: caseId, processKey: definition.key, version: definition.version };
    const plan = planWrites(identity, events, {
      calendar: this.calendar,
      actor,
      now,
      revision: 0,
      auditSeq: 0,
      auditHash: GENESIS_HASH,
      subscriptions: { before: [], after: started.snapshot.subscriptions },
    });
    const { steps, tasks } = applyPlan({ steps: new Map(), tasks: new Map() }, plan);
    const values = this.rowValues(snapshot, steps, now);
    const newCase = {
      id: caseId,
      definitionId: definition.id,
      processKey: definition.key,
      version: definition.version,
      businessKey: input.businessKey ?? null,
      channel: input.channel ?? null,
      materials,
      startedAt: now,
      rootCaseId: link.startedByCase ? await rootCaseOf(this.db, link.startedByCase) : null,
    };
    let landed: boolean;
    try {
      landed = await this.writer.write({ kind: 'start', newCase, row: values, plan, idempotencyKey });
    } catch (error) {
      if (newCase.businessKey !== null && isBusinessKeyConflict(error))
        throw await businessKeyTaken(this.db, definition.key, newCase.businessKey, error);
      throw error;
    }
    if (!landed) {
      // the same key raced another request: that one's case is the answer
      const known = await caseOfSameStart(this.db, idempotencyKey ?? '', input, keyLabel ?? '');
      if (!known)
        throw new Error(`the start with idempotency key '${keyLabel}' neither landed nor found its case`);
      return this.answerAgain(known, answer);
    }
    const state: CaseState = {
      row: {
        id: caseId,
        definition_id: definition.id,
        process_key: definition.key,
        version: definition.version,
        business_key: newCase.businessKey,
        channel: newCase.channel,
        materials,
        started_at: new Date(now),
        revision: STARTED_REVISION,
        ...this.rowAfter(values, plan),
      },
      steps,
      tasks,
    };
    this.cache.set(state);
    this.written(caseId, plan);
    if (stopped) throw new CaseIncident(caseView(state, this.calendar), stopped.incident);
    return { view: answer(state, this.calendar), created: true };
  }

  /**
   * The start command's run; a run stopped over its budget keeps nothing of it: the case is stored as started,
   * with its variables, and failed with the incident (`stopped`).
   */
  private runStart(
    definition: CompiledDefinition,
    start: {
      caseId: string;
      variables: Variables;
      channel?: string;
      businessKey: string | null;
      message?: string;
      startEventId?: string;
    },
    now: number,
  ): { started: ReturnType<typeof execute>; stopped: RunBudgetExceeded | null } {
    const startCommand = { type: 'start' as const, ...start };
    try {
      return { started: execute(definition, null, startCommand, this.executeOptions(now)), stopped: null };
    } catch (error) {
      if (!(error instanceof RunBudgetExceeded)) throw error;
      const started = raiseIncident(definition, null, error.incident, {
        ...this.executeOptions(now),
        start: startCommand,
      });
      return { started, stopped: error };
    }
  }

  /** The answer to a start repeated with its idempotency key: a start stopped over its budget is the same 422. */
  private async answerAgain<T>(caseId: string, answer: CaseAnswer<T>): Promise<{ view: T; created: false }> {
    const state = await this.load({ caseId });
    if (!state) throw new NotFound(sayCaseMissing(caseId));
    const view = caseView(state, this.calendar);
    const [incident] = view.incidents;
    if (view.status === 'failed' && view.timeline.length === 0 && incident?.elements)
      throw new CaseIncident(view, { ...incident, elements: incident.elements });
    return { view: answer === caseView ? (view as T) : answer(state, this.calendar), created: false };
  }

  /** The row columns a write leaves. */
  private rowAfter(values: CaseRowValues, plan: WritePlan) {
    return {
      status: values.status,
      ended_at: values.endedAt === null ? null : new Date(values.endedAt),
      snapshot: values.snapshot,
      trips: values.trips,
      corrected: values.corrected,
      working_ms: values.workingMs,
      audit_seq: plan.auditSeq,
      audit_hash: plan.auditHash,
    };
  }

  /** A case with its steps and tasks, in one query: by its id, or by the id of one of its tasks. */
  private async load(by: { caseId: string } | { taskId: string }): Promise<CaseState | undefined> {
    const found = await loadCaseRows(this.db, by);
    if (!found) return undefined;
    const { steps, tasks, ...row } = found;
    return {
      row,
      steps: new Map(steps.map((s) => [s.id, cachedStep(s)])),
      tasks: new Map(tasks.map((t) => [t.id, cachedTask(t)])),
    };
  }

  /**
   * Applies a command to a case. Optimistic: the write lands only if nobody changed the case since it was read
   * (or remembered); otherwise the command is applied again to the case as stored. `check` may refuse it.
   */
  command(
    caseId: string,
    command: CaseCommand,
    actor: string | null,
    check?: (snapshot: CaseSnapshot) => void,
  ): Promise<CaseView> {
    return this.exclusive(caseId, () => this.apply(caseId, command, actor, check));
  }

  private async apply(
    caseId: string,
    command: CaseChange,
    actor: string | null,
    check?: (snapshot: CaseSnapshot) => void,
    first?: CaseState,
    completion?: Completion,
  ): Promise<CaseView>;
  private async apply<T>(
    caseId: string,
    command: CaseChange,
    actor: string | null,
    check: ((snapshot: CaseSnapshot) => void) | undefined,
    first: CaseState | undefined,
    completion: Completion | undefined,
    answer: CaseAnswer<T>,
  ): Promise<T>;
  private async apply<T>(
    caseId: string,
    command: CaseChange,
    actor: string | null,
    check?: (snapshot: CaseSnapshot) => void,
    first?: CaseState,
    completion?: Completion,
    answer: CaseAnswer<T> = caseView as CaseAnswer<T>,
  ): Promise<T> {
    /** The command's run stopped over its budget on the case at this revision: the incident goes on instead. */
    let stopped: { error: RunBudgetExceeded; revision: number } | null = null;
    for (let attempt = 0; attempt < 50; attempt++) {
      const remembered = attempt === 0 ? (first ?? this.cache.get(caseId)) : undefined;
      const state = remembered ?? (await this.load({ caseId }));
      if (!state) throw new NotFound(sayCaseMissing(caseId));
      // from here the remembered state is changed in place: it is remembered again only once the write lands
      this.cache.delete(caseId);
      const { row } = state;
      const definition = await this.definitions.load(row.definition_id);
      if (!definition) throw new NotFound(sayDefinitionMissing(row.definition_id, caseId));
      await this.definitions.prepareCallees(definition, new Date(this.clock()));
      const current = row.snapshot as CaseSnapshot;
      // a case stored before snapshots held the business key reads it from its row (FEEL's `businessKey`)
      if (current.businessKey === undefined && row.business_key !== null)
        current.businessKey = row.business_key;
      // the run changes the snapshot in place: what the case waited for before it, to write what changed
      const waitsBefore = current.subscriptions.map(({ id, kind }) => ({ id, kind }));
      const now = Math.max(this.clock(), current.startedAt);
      let result: ReturnType<typeof execute>;
      // a case that moved on since the run was stopped gets the command run on it again
      const raise =
        command.type === 'incident'
          ? command.incident
          : stopped?.revision === row.revision
            ? stopped.error.incident
            : null;
      try {
        check?.(current);
        if (completion) {
          const task = state.tasks.get(completion.taskId);
          if (!task) throw new NotFound(sayTaskMissing(completion.taskId));
          completion.check(task);
        }
        result = raise
          ? raiseIncident(definition, current, raise, { ...this.executeOptions(now), inPlace: true })
          : execute(definition, current, command as CaseCommand, {
              ...this.executeOptions(now),
              inPlace: true,
            });
      } catch (error) {
        if (error instanceof RunBudgetExceeded) {
          // the run changed the case in place before it was stopped: the incident goes on the case as stored
          stopped = { error, revision: row.revision };
          continue;
        }
        // refused by what this node remembered, which another node may have moved on (a timer or a message it
        // now waits for): only the case as stored can refuse a command
        if (remembered) continue;
        throw error;
      }
      // what this node remembers is what the database keeps (a FEEL result of Infinity is stored as null)
      const snapshot = asStored(result.snapshot);
      const { events } = result;
      const identity = { id: caseId, processKey: row.process_key, version: row.version };
      const plan = planWrites(identity, events, {
        calendar: this.calendar,
        actor,
        now,
        revision: row.revision,
        auditSeq: row.audit_seq,
        auditHash: row.audit_hash,
        subscriptions: { before: waitsBefore, after: snapshot.subscriptions },
        handlers: completion && new Map([[completion.taskId, completion.handler]]),
      });
      if (completion) recordHandler(plan, state, completion, now);
      const next = applyPlan(state, plan);
      const values = this.rowValues(snapshot, next.steps, now);
      const job = { kind: 'command' as const, caseId, revision: row.revision, row: values, plan };
      if (await this.writer.write(job)) {
        const after: CaseState = {
          row: { ...row, revision: row.revision + 1, ...this.rowAfter(values, plan) },
          ...next,
        };
        this.cache.set(after);
        this.written(caseId, plan);
        if (raise && command.type !== 'incident')
          throw new CaseIncident(caseView(after, this.calendar), stopped!.error.incident);
        return answer(after, this.calendar);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * (attempt + 1))); // another command won: read again
    }
    throw new Error(`case '${caseId}' is changed by too many commands at once: try again`);
  }

  /**
   * The case row after a command. An ended case gets its working duration: start to end in working time,
   * minus the time spent in gov:pausesClock steps.
   */
  private rowValues(snapshot: CaseSnapshot, steps: Map<string, CachedStep>, now: number): CaseRowValues {
    const values: CaseRowValues = {
      status: snapshot.status,
      snapshot,
      trips: snapshot.trips,
      corrected: snapshot.corrected,
      endedAt: snapshot.endedAt,
      workingMs: null,
      pausedMs: 0,
    };
    if (snapshot.status === 'active') return values;
    const end = snapshot.endedAt ?? now;
    const timed = [...steps.values()].map((s) => ({
      enteredAt: s.entered_at,
      completedAt: s.completed_at,
      pausesClock: s.pauses_clock,
    }));
    Object.assign(values, caseWorkingTime(this.calendar, snapshot.startedAt, end, timed));
    return values;
  }

  /**
   * Completes a task. `check` may refuse it; it runs on the task as stored at the revision the completion lands
   * on (its department and claimant). With a `handler` the task's step records who completed it (经办人), in its
   * row, its audit entry and the timeline, and an unclaimed task is claimed by the handler in the same write.
   */
  async completeTask<T = CaseView>(
    taskId: string,
    variables: Variables,
    actor: string | null,
    check?: (task: TaskHolding) => void,
    handler?: Person,
    answer: CaseAnswer<T> = caseView as CaseAnswer<T>,
  ): Promise<T> {
    let loaded: CaseState | undefined;
    let caseId = this.cache.caseOfTask(taskId);
    if (caseId === undefined) {
      loaded = await this.load({ taskId });
      if (!loaded) throw new NotFound(sayTaskMissing(taskId));
      caseId = loaded.row.id;
    }
    const id = caseId;
    return this.exclusive(id, async () => {
      let state = this.cache.get(id) ?? loaded;
      // a task this node has not seen was made by another node: what this node remembers of the case is stale
      if (!state?.tasks.has(taskId)) state = await this.load({ caseId: id });
      const task = state?.tasks.get(taskId);
      if (!state || !task) throw new NotFound(sayTaskMissing(taskId));
      const holding = (t: CachedTask): TaskHolding => ({
        department: t.department,
        caseId: id,
        claimedBy:
          t.claimed_by === null ? null : { userId: t.claimed_by, name: t.claimed_name ?? t.claimed_by },
      });
      try {
        check?.(holding(task));
      } catch (error) {
        // refused by what this node remembers: another node may have released or transferred the task since
        const stored = handler && (await this.load({ caseId: id }))?.tasks.get(taskId);
        if (!stored) throw error;
        check?.(holding(stored));
      }
      if (task.status !== 'open')
        throw new CommandRejected('notOpen', `task '${taskId}' is ${task.status}, not open`);
      const definition = await this.definitions.load(state.row.definition_id);
      const form = definition?.graph.nodes[task.element_id]?.form;
      checkForm(
        `${state.row.definition_id}#${task.element_id}`,
        form,
        variables,
        `the form of task '${task.element_id}'`,
        `待办“${task.name ?? task.element_id}”的表单`,
      );
      const completion: Completion | undefined = handler && {
        taskId,
        handler,
        check: (t) => {
          check?.(holding(t));
          if (t.status !== 'open')
            throw new CommandRejected('notOpen', `task '${taskId}' is ${t.status}, not open`);
        },
      };
      return this.apply(
        id,
        { type: 'completeTask', taskId, variables },
        actor,
        undefined,
        state,
        completion,
        answer,
      );
    });
  }

  /**
   * What this node remembers of a case beside what the database holds, each as the service works with it
   * (remembered: undefined when the node does not remember the case). The two must never differ at the same
   * revision: the API tests compare them after every command (test/helpers/cache-consistency.ts).
   */
  async rememberedAndStored(
    caseId: string,
  ): Promise<{ remembered: CaseState | undefined; stored: CaseState | undefined }> {
    const peeked = this.cache.peek(caseId);
    // a copy taken now: the next command on the case changes the remembered snapshot in place
    const remembered = peeked && structuredClone(peeked);
    return { remembered, stored: await this.load({ caseId }) };
  }

  /** A case as stored (always read from the database: another node may have moved it on). */
  async view(caseId: string): Promise<CaseView>;
  async view<T>(caseId: string, answer: CaseAnswer<T>): Promise<T>;
  async view<T>(caseId: string, answer: CaseAnswer<T> = caseView as CaseAnswer<T>): Promise<T> {
    const state = await this.load({ caseId });
    if (!state) throw new NotFound(sayCaseMissing(caseId));
    return answer(state, this.calendar);
  }

  /** Fires a due timer (the scheduler's command); a timer already gone is dropped quietly. */
  async fireTimer(timerId: string, caseId: string): Promise<boolean> {
    try {
      await this.command(caseId, { type: 'fireTimer', timerId }, 'scheduler');
      return true;
    } catch (error) {
      if (error instanceof CaseIncident) return true; // its run was stopped: the case failed, the timer is gone
      if (error instanceof CommandRejected || error instanceof NotFound) {
        await deleteTimer(this.db, timerId);
        return false;
      }
      throw error;
    }
  }

  /**
   * A timer the scheduler gave up on: its case fails with an incident naming the timer's element and `why`
   * (which removes the timer). A timer its case no longer holds is dropped quietly.
   */
  async timerIncident(timerId: string, caseId: string, elementId: string, why: string): Promise<void> {
    const message = `timer '${timerId}' of '${elementId}' could not be fired and was given up: ${why}`;
    try {
      const pending = (snapshot: CaseSnapshot) => {
        if (!snapshot.timers[timerId])
          throw new CommandRejected('notOpen', `timer '${timerId}' is not pending in case '${caseId}'`);
      };
      const incident = { type: 'incident' as const, incident: { elementId, message } };
      await this.exclusive(caseId, () => this.apply(caseId, incident, 'scheduler', pending));
    } catch (error) {
      if (!(error instanceof CommandRejected || error instanceof NotFound)) throw error;
      await deleteTimer(this.db, timerId);
    }
  }
}
