/** Applies commands to stored cases: each one read, executed, and written in a single statement that lands only if the case did not change meanwhile. */
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
import { Problem } from '../problems.js';
import { caseOfIdempotencyKey, caseWithBusinessKey, loadCaseRows } from '../repositories/case-repository.js';
import { deleteTimer } from '../repositories/timer-repository.js';
import { canonicalJson, GENESIS_HASH } from '../store/audit-log.js';
import { type CaseRowValues, planWrites, STARTED_REVISION, type WritePlan } from '../store/case-writer.js';
import type { DefinitionStore } from '../store/definition-store.js';
import { WriteBatcher, type WriteBatcherOptions } from '../store/write-batcher.js';
import {
  applyPlan,
  type CachedStep,
  CaseCache,
  type CaseState,
  cachedStep,
  cachedTask,
} from './case-cache.js';
import { CaseIncident, type CommandBudget, runBudget } from './command-budget.js';
import { BadRequest, NotFound } from './errors.js';
import { checkForm } from './forms.js';

export { BadRequest, NotFound };

/** The unique index that keeps a business key to one case per process (migration 007). */
export const BUSINESS_KEY_INDEX = 'cases_process_business_key';

/**
 * Whether JSON keeps `value` exactly as it is in memory: finite numbers other than -0, strings, booleans, null,
 * arrays and plain objects of those (no undefined member, no class instance). What JSON would change — 1e400
 * read as Infinity is stored as null — would let a node decide on a value the database does not hold.
 */
function keptByJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > 256) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!keptByJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) if (!keptByJson(record[key], depth + 1)) return false;
  return true;
}

/** A command's snapshot as the database will hand it back, so what a node remembers is what it stored. */
export const asStored = <T>(snapshot: T): T =>
  keptByJson(snapshot, 0) ? snapshot : (JSON.parse(JSON.stringify(snapshot)) as T);

const isBusinessKeyConflict = (error: unknown): boolean =>
  (error as { code?: unknown }).code === '23505' &&
  ((error as { constraint?: unknown }).constraint === BUSINESS_KEY_INDEX ||
    String((error as Error).message).includes(BUSINESS_KEY_INDEX));

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
}

export interface StepView {
  id: string;
  elementId: string;
  name: string | null;
  type: string;
  department: string | null;
  status: string;
  enteredAt: string;
  completedAt: string | null;
  dueAt: string | null;
  durationMs: number | null;
  workingDays: number | null;
}

/** A work item waiting in a department, as a case view lists it. */
export interface OpenTask {
  id: string;
  elementId: string;
  name: string | null;
  department: string | null;
  createdAt: string;
  dueAt: string | null;
  /** The due date lies past the calendar's horizon: computed without that year's holidays, an estimate. */
  calendarEstimated: boolean;
}

export interface CaseView {
  id: string;
  process: string;
  version: number;
  businessKey: string | null;
  status: string;
  channel: string | null;
  startedAt: string;
  endedAt: string | null;
  variables: Variables;
  materials: string[];
  trips: number;
  firstTime: boolean;
  workingDays: number | null;
  /** A due date or working-day figure of the case lies past the calendar's horizon (see server/calendar). */
  calendarEstimated: boolean;
  /** `elements`: those that kept running when a command was stopped over its budget (the loop). */
  incidents: { elementId: string; message: string; elements?: string[] }[];
  /** The work items waiting in departments now (办件进度: who has the case). */
  openTasks: OpenTask[];
  timeline: StepView[];
}

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

  private async definitionFor(key: string, version?: number): Promise<CompiledDefinition> {
    const definition =
      version === undefined
        ? await this.definitions.loadLatest(key)
        : await this.definitions.load(`${key}:${version}`);
    if (!definition) {
      throw new NotFound(
        version === undefined
          ? `process '${key}' is not deployed`
          : `process '${key}' has no version ${version}`,
      );
    }
    await this.definitions.prepareCallees(definition);
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
  async start(
    input: StartInput,
    actor: string | null,
    idempotencyKey?: string,
    keyLabel: string | undefined = idempotencyKey,
  ): Promise<{ view: CaseView; created: boolean }> {
    if (idempotencyKey) {
      const known = await this.startedWith(idempotencyKey, input, keyLabel ?? idempotencyKey);
      if (known) return this.answerAgain(known);
    }
    const definition = await this.definitionFor(input.process, input.version);
    const variables = input.variables ?? {};
    checkForm(
      `${definition.id}#process`,
      definition.graph.form,
      variables,
      `the application form of '${definition.key}'`,
    );
    const materials = input.materials ?? [];
    const known = new Set(Object.values(definition.graph.nodes).flatMap((n) => n.materials.map((m) => m.id)));
    const unknown = materials.filter((m) => !known.has(m));
    if (unknown.length > 0) {
      throw new BadRequest(
        `materials not asked for by '${definition.key}' version ${definition.version}: ${unknown.join(', ')}`,
        unknown.map((m) => ({ field: 'materials', message: `'${m}' is not a material of this process` })),
      );
    }
    const now = this.clock();
    const caseId = this.newId();
    const startCommand = { type: 'start' as const, caseId, variables, channel: input.channel };
    let started: ReturnType<typeof execute>;
    let stopped: RunBudgetExceeded | null = null;
    try {
      started = execute(definition, null, startCommand, this.executeOptions(now));
    } catch (error) {
      if (!(error instanceof RunBudgetExceeded)) throw error;
      // nothing of the run is kept: the case is stored as started, with its variables, and failed with the incident
      stopped = error;
      started = raiseIncident(definition, null, error.incident, {
        ...this.executeOptions(now),
        start: startCommand,
      });
    }
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
    };
    let landed: boolean;
    try {
      landed = await this.writer.write({ kind: 'start', newCase, row: values, plan, idempotencyKey });
    } catch (error) {
      if (newCase.businessKey !== null && isBusinessKeyConflict(error))
        throw await this.businessKeyTaken(definition.key, newCase.businessKey, error);
      throw error;
    }
    if (!landed) {
      // the same key raced another request: that one's case is the answer
      const known = await this.startedWith(idempotencyKey ?? '', input, keyLabel ?? '');
      if (!known)
        throw new Error(`the start with idempotency key '${keyLabel}' neither landed nor found its case`);
      return this.answerAgain(known);
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
    if (stopped) throw new CaseIncident(this.viewOf(state), stopped.incident);
    return { view: this.viewOf(state), created: true };
  }

  /**
   * The case an idempotency key started, or null. The key with another request — another process or version,
   * business key, channel, materials or start variables than that case started with — is a 422 naming the key.
   */
  private async startedWith(key: string, input: StartInput, label: string): Promise<CaseView | null> {
    const known = await caseOfIdempotencyKey(this.db, key);
    if (!known) return null;
    const sorted = (list: string[] | null | undefined) => canonicalJson([...(list ?? [])].sort());
    const differs = [
      input.process !== known.process_key && 'process',
      input.version !== undefined && input.version !== known.version && 'version',
      (input.businessKey ?? null) !== known.business_key && 'businessKey',
      (input.channel ?? null) !== known.channel && 'channel',
      sorted(input.materials) !== sorted(known.materials) && 'materials',
      known.variables !== null &&
        canonicalJson(input.variables ?? {}) !== canonicalJson(known.variables) &&
        'variables',
    ].filter((d): d is string => typeof d === 'string');
    if (differs.length > 0) {
      const message = `Idempotency-Key '${label}' was sent before with another request (its ${differs.join(', ')} differ; it started case ${known.case_id}): send the same request to get that case again, or a new key for a new application`;
      throw new Problem(
        422,
        'idempotency-key-reused',
        'Idempotency-Key reused with another request',
        message,
        [{ field: 'headers.idempotency-key', message }],
      );
    }
    return this.view(known.case_id);
  }

  /** The 409 for a start whose business key a case of the process already has (the unique index refused it). */
  private async businessKeyTaken(process: string, businessKey: string, cause: unknown): Promise<unknown> {
    const existing = await caseWithBusinessKey(this.db, process, businessKey);
    if (!existing) return cause;
    const message = `businessKey '${businessKey}' is already used by case ${existing} of process '${process}': a business key names one case of a process; look that case up, or send another key`;
    return new Problem(409, 'business-key-taken', 'Business key already used', message, [
      { field: 'body.businessKey', message },
    ]);
  }

  /** The answer to a start repeated with its idempotency key: a start stopped over its budget is the same 422. */
  private answerAgain(view: CaseView): { view: CaseView; created: false } {
    const [incident] = view.incidents;
    if (view.status === 'failed' && view.timeline.length === 0 && incident?.elements)
      throw new CaseIncident(view, { ...incident, elements: incident.elements });
    return { view, created: false };
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
  ): Promise<CaseView> {
    /** The command's run stopped over its budget on the case at this revision: the incident goes on instead. */
    let stopped: { error: RunBudgetExceeded; revision: number } | null = null;
    for (let attempt = 0; attempt < 50; attempt++) {
      const remembered = attempt === 0 ? (first ?? this.cache.get(caseId)) : undefined;
      const state = remembered ?? (await this.load({ caseId }));
      if (!state) throw new NotFound(`case '${caseId}' does not exist`);
      // from here the remembered state is changed in place: it is remembered again only once the write lands
      this.cache.delete(caseId);
      const { row } = state;
      const definition = await this.definitions.load(row.definition_id);
      if (!definition) throw new NotFound(`definition '${row.definition_id}' of case '${caseId}' is missing`);
      await this.definitions.prepareCallees(definition);
      const current = row.snapshot as CaseSnapshot;
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
      });
      const next = applyPlan(state, plan);
      const values = this.rowValues(snapshot, next.steps, now);
      const job = { kind: 'command' as const, caseId, revision: row.revision, row: values, plan };
      if (await this.writer.write(job)) {
        const after: CaseState = {
          row: { ...row, revision: row.revision + 1, ...this.rowAfter(values, plan) },
          ...next,
        };
        this.cache.set(after);
        if (raise && command.type !== 'incident')
          throw new CaseIncident(this.viewOf(after), stopped!.error.incident);
        return this.viewOf(after);
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

  async completeTask(
    taskId: string,
    variables: Variables,
    actor: string | null,
    check?: (task: { department: string | null; caseId: string }) => void,
  ): Promise<CaseView> {
    let loaded: CaseState | undefined;
    let caseId = this.cache.caseOfTask(taskId);
    if (caseId === undefined) {
      loaded = await this.load({ taskId });
      if (!loaded) throw new NotFound(`task '${taskId}' does not exist`);
      caseId = loaded.row.id;
    }
    const id = caseId;
    return this.exclusive(id, async () => {
      let state = this.cache.get(id) ?? loaded;
      // a task this node has not seen was made by another node: what this node remembers of the case is stale
      if (!state?.tasks.has(taskId)) state = await this.load({ caseId: id });
      const task = state?.tasks.get(taskId);
      if (!state || !task) throw new NotFound(`task '${taskId}' does not exist`);
      check?.({ department: task.department, caseId: id });
      if (task.status !== 'open')
        throw new CommandRejected('notOpen', `task '${taskId}' is ${task.status}, not open`);
      const definition = await this.definitions.load(state.row.definition_id);
      const form = definition?.graph.nodes[task.element_id]?.form;
      checkForm(
        `${state.row.definition_id}#${task.element_id}`,
        form,
        variables,
        `the form of task '${task.element_id}'`,
      );
      return this.apply(id, { type: 'completeTask', taskId, variables }, actor, undefined, state);
    });
  }

  /** The API's view of a case. */
  private viewOf(state: CaseState): CaseView {
    const c = state.row;
    const perDay = this.calendar.msPerWorkingDay;
    const snapshot = c.snapshot as CaseSnapshot;
    const steps = [...state.steps.values()].sort((a, b) => a.entered_at - b.entered_at || a.seq - b.seq);
    const at = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const past = (t: number | null) => t !== null && this.calendar.beyondHorizon(t);
    const estimated =
      (c.working_ms !== null && c.ended_at !== null && past(c.ended_at.getTime())) ||
      steps.some((s) => past(s.due_at) || (s.working_ms !== null && past(s.completed_at)));
    return {
      id: c.id,
      process: c.process_key,
      version: c.version,
      businessKey: c.business_key,
      status: c.status,
      channel: c.channel,
      startedAt: c.started_at.toISOString(),
      endedAt: c.ended_at?.toISOString() ?? null,
      // a copy: the remembered snapshot is changed in place by the case's next command, maybe before this view
      // is serialized
      variables: structuredClone(snapshot.variables ?? {}),
      materials: c.materials ?? [],
      trips: c.trips,
      firstTime: !c.corrected,
      workingDays: c.working_ms === null ? null : Number(c.working_ms) / perDay,
      calendarEstimated: estimated,
      incidents: (snapshot.incidents ?? []).map((i) => ({
        elementId: i.elementId,
        message: i.message,
        ...(i.elements ? { elements: i.elements } : {}),
      })),
      openTasks: [...state.tasks.values()]
        .filter((t) => t.status === 'open')
        .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
        .map((t) => ({
          id: t.id,
          elementId: t.element_id,
          name: t.name,
          department: t.department,
          createdAt: new Date(t.created_at).toISOString(),
          dueAt: at(t.due_at),
          calendarEstimated: past(t.due_at),
        })),
      timeline: steps.map((s) => ({
        id: s.id,
        elementId: s.element_id,
        name: s.name,
        type: s.type,
        department: s.department,
        status: s.status,
        enteredAt: new Date(s.entered_at).toISOString(),
        completedAt: at(s.completed_at),
        dueAt: at(s.due_at),
        durationMs: s.completed_at === null ? null : s.completed_at - s.entered_at,
        workingDays: s.working_ms === null ? null : Number(s.working_ms) / perDay,
      })),
    };
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
  async view(caseId: string): Promise<CaseView> {
    const state = await this.load({ caseId });
    if (!state) throw new NotFound(`case '${caseId}' does not exist`);
    return this.viewOf(state);
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
