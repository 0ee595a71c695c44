/** Applies commands to stored cases: one transaction each, the case row locked, everything the engine produced written. */
import { randomUUID } from 'node:crypto';
import { getDefaultCalendar, type WorkingCalendar } from '../../engine/calendar/index.js';
import type { ServiceHandler } from '../../engine/elements/context.js';
import { type CaseCommand, type CaseSnapshot, CommandRejected, type Variables } from '../../engine/elements/state.js';
import type { CompiledDefinition } from '../../engine/runtime/definition.js';
import { execute } from '../../engine/runtime/execute.js';
import type { Db } from '../db/database.js';
import type { DefinitionStore } from '../store/definition-store.js';
import { writeCaseEvents } from '../store/case-writer.js';
import { checkForm } from './forms.js';

export class NotFound extends Error {}
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly errors: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export interface CaseServiceOptions {
  clock?: () => number;
  newId?: () => string;
  calendar?: WorkingCalendar;
  handlers?: Record<string, ServiceHandler>;
}

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
  incidents: { elementId: string; message: string }[];
  timeline: StepView[];
}

type CaseRow = {
  id: string;
  definition_id: string;
  process_key: string;
  version: number;
  snapshot: unknown;
  revision: number;
  started_at: Date;
};

export class CaseService {
  readonly calendar: WorkingCalendar;
  private readonly clock: () => number;
  private readonly newId: () => string;

  constructor(
    private readonly db: Db,
    readonly definitions: DefinitionStore,
    private readonly options: CaseServiceOptions = {},
  ) {
    this.calendar = options.calendar ?? getDefaultCalendar();
    this.clock = options.clock ?? Date.now;
    this.newId = options.newId ?? randomUUID;
  }

  /** The service's clock (injected in tests and simulation). */
  now(): number {
    return this.clock();
  }

  private executeOptions(now: number) {
    return {
      now,
      newId: () => this.newId(),
      handlers: this.options.handlers,
      calendar: this.calendar,
      definitions: this.definitions,
    };
  }

  private async definitionFor(key: string, version?: number): Promise<CompiledDefinition> {
    const definition =
      version === undefined ? await this.definitions.loadLatest(key) : await this.definitions.load(`${key}:${version}`);
    if (!definition) {
      throw new NotFound(version === undefined ? `process '${key}' is not deployed` : `process '${key}' has no version ${version}`);
    }
    await this.definitions.prepareCallees(definition);
    return definition;
  }

  /** Starts a case; with an idempotency key, the same key returns the case it started the first time. */
  async start(input: StartInput, actor: string | null, idempotencyKey?: string): Promise<{ view: CaseView; created: boolean }> {
    if (idempotencyKey) {
      const known = await this.db.selectFrom('idempotency_keys').select('case_id').where('key', '=', idempotencyKey).executeTakeFirst();
      if (known) return { view: await this.view(known.case_id), created: false };
    }
    const definition = await this.definitionFor(input.process, input.version);
    const variables = input.variables ?? {};
    checkForm(`${definition.id}#process`, definition.graph.form, variables, `the application form of '${definition.key}'`);
    const materials = input.materials ?? [];
    const known = new Set(Object.values(definition.graph.nodes).flatMap((n) => n.materials.map((m) => m.id)));
    const unknown = materials.filter((m) => !known.has(m));
    if (unknown.length > 0) {
      throw new BadRequest(`materials not asked for by '${definition.key}' version ${definition.version}: ${unknown.join(', ')}`, unknown.map((m) => ({ field: 'materials', message: `'${m}' is not a material of this process` })));
    }
    const now = this.clock();
    const caseId = this.newId();
    const { snapshot, events } = execute(
      definition,
      null,
      { type: 'start', caseId, variables, channel: input.channel },
      this.executeOptions(now),
    );
    try {
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('cases')
          .values({
            id: caseId,
            definition_id: definition.id,
            process_key: definition.key,
            version: definition.version,
            business_key: input.businessKey ?? null,
            status: snapshot.status,
            channel: input.channel ?? null,
            materials: JSON.stringify(materials),
            snapshot: JSON.stringify(snapshot),
            trips: snapshot.trips,
            corrected: snapshot.corrected,
            started_at: new Date(now),
            ended_at: snapshot.endedAt === null ? null : new Date(snapshot.endedAt),
          })
          .execute();
        if (idempotencyKey) {
          await trx.insertInto('idempotency_keys').values({ key: idempotencyKey, case_id: caseId, created_at: new Date(now) }).execute();
        }
        const identity = { id: caseId, processKey: definition.key, version: definition.version };
        await writeCaseEvents(trx, identity, events, { calendar: this.calendar, actor, now, stepSeqBase: 0 });
        if (snapshot.status !== 'active') await this.recordEnd(trx, identity.id, snapshot, now);
      });
    } catch (error) {
      if (idempotencyKey) {
        // the same key raced another request: that one's case is the answer
        const known = await this.db.selectFrom('idempotency_keys').select('case_id').where('key', '=', idempotencyKey).executeTakeFirst();
        if (known) return { view: await this.view(known.case_id), created: false };
      }
      throw error;
    }
    return { view: await this.view(caseId), created: true };
  }

  /** Applies a command to a case under its row lock. `check` may refuse it after the case is read. */
  async command(caseId: string, command: CaseCommand, actor: string | null, check?: (snapshot: CaseSnapshot) => void): Promise<CaseView> {
    const row = await this.db.selectFrom('cases').select(['definition_id']).where('id', '=', caseId).executeTakeFirst();
    if (!row) throw new NotFound(`case '${caseId}' does not exist`);
    const definition = await this.definitions.load(row.definition_id);
    if (!definition) throw new NotFound(`definition '${row.definition_id}' of case '${caseId}' is missing`);
    await this.definitions.prepareCallees(definition);
    await this.db.transaction().execute(async (trx) => {
      const locked = (await trx
        .selectFrom('cases')
        .select(['id', 'definition_id', 'process_key', 'version', 'snapshot', 'revision', 'started_at'])
        .where('id', '=', caseId)
        .forUpdate()
        .executeTakeFirstOrThrow()) as CaseRow;
      const current = locked.snapshot as CaseSnapshot;
      check?.(current);
      const now = Math.max(this.clock(), current.startedAt);
      const { snapshot, events } = execute(definition, current, command, this.executeOptions(now));
      await trx
        .updateTable('cases')
        .set({
          snapshot: JSON.stringify(snapshot),
          status: snapshot.status,
          revision: locked.revision + 1,
          trips: snapshot.trips,
          corrected: snapshot.corrected,
          ended_at: snapshot.endedAt === null ? null : new Date(snapshot.endedAt),
        })
        .where('id', '=', caseId)
        .execute();
      const identity = { id: caseId, processKey: locked.process_key, version: locked.version };
      await writeCaseEvents(trx, identity, events, { calendar: this.calendar, actor, now, stepSeqBase: locked.revision * 1000 });
      if (snapshot.status !== 'active') await this.recordEnd(trx, caseId, snapshot, now);
    });
    return this.view(caseId);
  }

  /** A case's working duration: start to end in working time, minus time in gov:pausesClock steps. */
  private async recordEnd(trx: Db, caseId: string, snapshot: CaseSnapshot, now: number): Promise<void> {
    const paused = await trx
      .selectFrom('steps')
      .select(['entered_at', 'completed_at'])
      .where('case_id', '=', caseId)
      .where('pauses_clock', '=', true)
      .execute();
    const end = snapshot.endedAt ?? now;
    const pauses = paused.map((p) => [p.entered_at.getTime(), (p.completed_at ?? new Date(end)).getTime()] as [number, number]);
    const workingMs = this.calendar.workingMsBetweenExcluding(snapshot.startedAt, end, pauses);
    const pausedMs = this.calendar.workingMsBetween(snapshot.startedAt, end) - workingMs;
    await trx.updateTable('cases').set({ working_ms: workingMs, paused_ms: pausedMs }).where('id', '=', caseId).execute();
  }

  async completeTask(taskId: string, variables: Variables, actor: string | null, check?: (task: { department: string | null; caseId: string }) => void): Promise<CaseView> {
    const task = await this.db.selectFrom('tasks').select(['id', 'case_id', 'department', 'status', 'element_id']).where('id', '=', taskId).executeTakeFirst();
    if (!task) throw new NotFound(`task '${taskId}' does not exist`);
    check?.({ department: task.department, caseId: task.case_id });
    if (task.status !== 'open') throw new CommandRejected('notOpen', `task '${taskId}' is ${task.status}, not open`);
    const row = await this.db.selectFrom('cases').select('definition_id').where('id', '=', task.case_id).executeTakeFirstOrThrow();
    const definition = await this.definitions.load(row.definition_id);
    const form = definition?.graph.nodes[task.element_id]?.form;
    checkForm(`${row.definition_id}#${task.element_id}`, form, variables, `the form of task '${task.element_id}'`);
    return this.command(task.case_id, { type: 'completeTask', taskId, variables }, actor);
  }

  async view(caseId: string): Promise<CaseView> {
    const row = await this.db.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirst();
    if (!row) throw new NotFound(`case '${caseId}' does not exist`);
    const steps = await this.db
      .selectFrom('steps')
      .selectAll()
      .where('case_id', '=', caseId)
      .orderBy('entered_at')
      .orderBy('seq')
      .execute();
    const snapshot = row.snapshot as CaseSnapshot;
    const perDay = this.calendar.msPerWorkingDay;
    return {
      id: row.id,
      process: row.process_key,
      version: row.version,
      businessKey: row.business_key,
      status: row.status,
      channel: row.channel,
      startedAt: row.started_at.toISOString(),
      endedAt: row.ended_at?.toISOString() ?? null,
      variables: snapshot.variables ?? {},
      materials: row.materials ?? [],
      trips: row.trips,
      firstTime: !row.corrected,
      workingDays: row.working_ms === null ? null : Number(row.working_ms) / perDay,
      incidents: (snapshot.incidents ?? []).map((i) => ({ elementId: i.elementId, message: i.message })),
      timeline: steps.map((s) => ({
        id: s.id,
        elementId: s.element_id,
        name: s.name,
        type: s.type,
        department: s.department,
        status: s.status,
        enteredAt: s.entered_at.toISOString(),
        completedAt: s.completed_at?.toISOString() ?? null,
        dueAt: s.due_at?.toISOString() ?? null,
        durationMs: s.completed_at ? s.completed_at.getTime() - s.entered_at.getTime() : null,
        workingDays: s.working_ms === null ? null : Number(s.working_ms) / perDay,
      })),
    };
  }

  /** Fires a due timer (the scheduler's command); a timer already gone is dropped quietly. */
  async fireTimer(timerId: string, caseId: string): Promise<boolean> {
    try {
      await this.command(caseId, { type: 'fireTimer', timerId }, 'scheduler');
      return true;
    } catch (error) {
      if (error instanceof CommandRejected || error instanceof NotFound) {
        await this.db.deleteFrom('timers').where('id', '=', timerId).execute();
        return false;
      }
      throw error;
    }
  }
}
