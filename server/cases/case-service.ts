/** Applies commands to stored cases: each one read, executed, and written in a single statement that lands only if the case did not change meanwhile. */
import { randomUUID } from 'node:crypto';
import { getDefaultCalendar, type WorkingCalendar } from '../../engine/calendar/index.js';
import type { ServiceHandler } from '../../engine/elements/context.js';
import {
  type CaseCommand,
  type CaseSnapshot,
  CommandRejected,
  type Variables,
} from '../../engine/elements/state.js';
import type { CompiledDefinition } from '../../engine/runtime/definition.js';
import { execute } from '../../engine/runtime/execute.js';
import type { Db } from '../db/database.js';
import { GENESIS_HASH } from '../store/audit-log.js';
import {
  type CaseRowValues,
  planWrites,
  type WritePlan,
  writeCommand,
  writeStart,
} from '../store/case-writer.js';
import type { DefinitionStore } from '../store/definition-store.js';
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

/** What the API view reads off a cases row. */
type CaseHeader = {
  id: string;
  process_key: string;
  version: number;
  business_key: string | null;
  channel: string | null;
  materials: string[];
  started_at: Date;
  status: string;
  ended_at: Date | null;
  snapshot: unknown;
  trips: number;
  corrected: boolean;
  working_ms: number | string | bigint | null;
};

/** The row values a command leaves, as the view reads them. */
const outcome = (values: CaseRowValues) => ({
  status: values.status,
  ended_at: values.endedAt === null ? null : new Date(values.endedAt),
  snapshot: values.snapshot,
  trips: values.trips,
  corrected: values.corrected,
  working_ms: values.workingMs,
});

type CaseRow = {
  id: string;
  definition_id: string;
  process_key: string;
  version: number;
  business_key: string | null;
  channel: string | null;
  materials: string[];
  snapshot: unknown;
  revision: number;
  audit_seq: number;
  audit_hash: string;
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

  /** Starts a case; with an idempotency key, the same key returns the case it started the first time. */
  async start(
    input: StartInput,
    actor: string | null,
    idempotencyKey?: string,
  ): Promise<{ view: CaseView; created: boolean }> {
    if (idempotencyKey) {
      const known = await this.db
        .selectFrom('idempotency_keys')
        .select('case_id')
        .where('key', '=', idempotencyKey)
        .executeTakeFirst();
      if (known) return { view: await this.view(known.case_id), created: false };
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
    const { snapshot, events } = execute(
      definition,
      null,
      { type: 'start', caseId, variables, channel: input.channel },
      this.executeOptions(now),
    );
    const identity = { id: caseId, processKey: definition.key, version: definition.version };
    const plan = planWrites(identity, events, {
      calendar: this.calendar,
      actor,
      now,
      stepSeqBase: 0,
      auditSeq: 0,
      auditHash: GENESIS_HASH,
    });
    const values = await this.rowValues(caseId, snapshot, plan, now);
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
    if (!(await writeStart(this.db, newCase, values, plan, idempotencyKey))) {
      // the same key raced another request: that one's case is the answer
      const known = await this.db
        .selectFrom('idempotency_keys')
        .select('case_id')
        .where('key', '=', idempotencyKey ?? '')
        .executeTakeFirstOrThrow();
      return { view: await this.view(known.case_id), created: false };
    }
    const header = {
      id: caseId,
      process_key: definition.key,
      version: definition.version,
      business_key: newCase.businessKey,
      channel: newCase.channel,
      materials,
      started_at: new Date(now),
    };
    return { view: await this.viewOf({ ...header, ...outcome(values) }), created: true };
  }

  private loadCase(caseId: string): Promise<CaseRow | undefined> {
    return this.db
      .selectFrom('cases')
      .select([
        'id',
        'definition_id',
        'process_key',
        'version',
        'business_key',
        'channel',
        'materials',
        'snapshot',
        'revision',
        'audit_seq',
        'audit_hash',
        'started_at',
      ])
      .where('id', '=', caseId)
      .executeTakeFirst() as Promise<CaseRow | undefined>;
  }

  /**
   * Applies a command to a case. Optimistic: the write is one statement that only lands if nobody changed the
   * case since it was read; otherwise the command is applied again to the newer case. `check` may refuse it.
   */
  async command(
    caseId: string,
    command: CaseCommand,
    actor: string | null,
    check?: (snapshot: CaseSnapshot) => void,
    first?: CaseRow,
  ): Promise<CaseView> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const row = attempt === 0 && first ? first : await this.loadCase(caseId);
      if (!row) throw new NotFound(`case '${caseId}' does not exist`);
      const definition = await this.definitions.load(row.definition_id);
      if (!definition) throw new NotFound(`definition '${row.definition_id}' of case '${caseId}' is missing`);
      await this.definitions.prepareCallees(definition);
      const current = row.snapshot as CaseSnapshot;
      check?.(current);
      const now = Math.max(this.clock(), current.startedAt);
      const { snapshot, events } = execute(definition, current, command, this.executeOptions(now));
      const identity = { id: caseId, processKey: row.process_key, version: row.version };
      const plan = planWrites(identity, events, {
        calendar: this.calendar,
        actor,
        now,
        stepSeqBase: row.revision * 1000,
        auditSeq: row.audit_seq,
        auditHash: row.audit_hash,
      });
      const values = await this.rowValues(caseId, snapshot, plan, now);
      if (await writeCommand(this.db, caseId, row.revision, values, plan)) {
        return this.viewOf({ ...row, ...outcome(values) });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * (attempt + 1))); // another command won: read again
    }
    throw new Error(`case '${caseId}' is changed by too many commands at once: try again`);
  }

  /**
   * The case row after a command. An ended case gets its working duration: start to end in working time,
   * minus the time spent in gov:pausesClock steps (earlier ones from the database, this command's from the plan).
   */
  private async rowValues(
    caseId: string,
    snapshot: CaseSnapshot,
    plan: WritePlan,
    now: number,
  ): Promise<CaseRowValues> {
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
    const earlier = await this.db
      .selectFrom('steps')
      .select(['id', 'entered_at', 'completed_at'])
      .where('case_id', '=', caseId)
      .where('pauses_clock', '=', true)
      .execute();
    const fresh = new Map(
      [...plan.newSteps, ...plan.changedSteps].filter((s) => s.pauses_clock).map((s) => [s.id, s]),
    );
    const pauses: [number, number][] = earlier
      .filter((p) => !fresh.has(p.id))
      .map((p) => [p.entered_at.getTime(), (p.completed_at ?? new Date(end)).getTime()]);
    for (const s of fresh.values())
      pauses.push([Date.parse(s.entered_at!), s.completed_at ? Date.parse(s.completed_at) : end]);
    values.workingMs = this.calendar.workingMsBetweenExcluding(snapshot.startedAt, end, pauses);
    values.pausedMs = this.calendar.workingMsBetween(snapshot.startedAt, end) - values.workingMs;
    return values;
  }

  async completeTask(
    taskId: string,
    variables: Variables,
    actor: string | null,
    check?: (task: { department: string | null; caseId: string }) => void,
  ): Promise<CaseView> {
    const found = await this.db
      .selectFrom('tasks as t')
      .innerJoin('cases as c', 'c.id', 't.case_id')
      .select([
        't.status as task_status',
        't.department as task_department',
        't.element_id as task_element',
        'c.id',
        'c.definition_id',
        'c.process_key',
        'c.version',
        'c.business_key',
        'c.channel',
        'c.materials',
        'c.snapshot',
        'c.revision',
        'c.audit_seq',
        'c.audit_hash',
        'c.started_at',
      ])
      .where('t.id', '=', taskId)
      .executeTakeFirst();
    if (!found) throw new NotFound(`task '${taskId}' does not exist`);
    check?.({ department: found.task_department, caseId: found.id });
    if (found.task_status !== 'open')
      throw new CommandRejected('notOpen', `task '${taskId}' is ${found.task_status}, not open`);
    const definition = await this.definitions.load(found.definition_id);
    const form = definition?.graph.nodes[found.task_element]?.form;
    checkForm(
      `${found.definition_id}#${found.task_element}`,
      form,
      variables,
      `the form of task '${found.task_element}'`,
    );
    return this.command(
      found.id,
      { type: 'completeTask', taskId, variables },
      actor,
      undefined,
      found as unknown as CaseRow,
    );
  }

  /** The API's view of a case whose row values are known: only its steps are read. */
  private async viewOf(c: CaseHeader): Promise<CaseView> {
    const steps = await this.db
      .selectFrom('steps')
      .selectAll()
      .where('case_id', '=', c.id)
      .orderBy('entered_at')
      .orderBy('seq')
      .execute();
    const perDay = this.calendar.msPerWorkingDay;
    const snapshot = c.snapshot as CaseSnapshot;
    return {
      id: c.id,
      process: c.process_key,
      version: c.version,
      businessKey: c.business_key,
      status: c.status,
      channel: c.channel,
      startedAt: c.started_at.toISOString(),
      endedAt: c.ended_at?.toISOString() ?? null,
      variables: snapshot.variables ?? {},
      materials: c.materials ?? [],
      trips: c.trips,
      firstTime: !c.corrected,
      workingDays: c.working_ms === null ? null : Number(c.working_ms) / perDay,
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

  async view(caseId: string): Promise<CaseView> {
    const row = await this.db.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirst();
    if (!row) throw new NotFound(`case '${caseId}' does not exist`);
    return this.viewOf(row);
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
