/**
 * Raises the yellow and red cards of electronic supervision (电子监察). Every open task with a due date and every
 * active case has a row in `warning_checks` holding the instant its next level comes due (computed here at its
 * first look, with the holiday calendar, like a timer's due instant), so a poll reads only what came due — never
 * every open task. Nodes claim due checks with FOR UPDATE SKIP LOCKED as they claim timers; a batch is decided
 * and written in one transaction holding its cases' rows (in id order), and the unique (subject, level) of
 * `warnings` keeps a card to one per level even when two nodes decide the same check (an expired claim).
 *
 * Each card raised is a `warningRaised` entry in its case's audit chain (the case's revision moves on, so a
 * node's remembered copy is re-read). Cards are cleared — kept, with `cleared_at` — by trigger in the same
 * transaction as the task's or case's end (migration 2026-12-08-warnings).
 *
 * What a check decides — the cards due and the next look — is server/warnings/warning-decision.ts, the one
 * definition the demo history's replay (server/warnings/history-cards.ts) uses too.
 */
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import { type CompiledDefinition, DEFAULT_WARN_AT } from '../../engine/index.js';
import type { Db } from '../db/database.js';
import {
  type AuditAppend,
  appendAudit,
  type CheckedTask,
  type CheckKey,
  checkedTasks,
  claimDueChecks,
  deleteChecks,
  holdingDepartments,
  insertWarnings,
  type LockedCase,
  lockCases,
  pausingSteps,
  raisedLevels,
  releaseCheckClaims,
  rescheduleChecks,
} from '../repositories/warning-repository.js';
import {
  type CheckedCase,
  type Decision,
  decideCase,
  decideTask,
  type Pause,
  type RaisedCard,
  raisedCard,
  warnAtOf,
  warningAuditEntry,
  warningRow,
} from '../warnings/warning-decision.js';
import { enqueueEvents, type OutboxEvent } from '../webhooks/outbox.js';
import { SingleRun } from './single-run.js';

/** What the scheduler needs of the case service: the definitions, the calendar, forgetting cases it changed. */
export interface WarningCases {
  definitions: { load(id: string): Promise<CompiledDefinition | undefined> };
  calendar: WorkingCalendar;
  forget(caseIds: Iterable<string>): void;
}

export interface WarningSchedulerOptions {
  nodeId: string;
  pollMs?: number;
  leaseMs?: number;
  batch?: number;
  clock?: () => number;
  /** The share of a limit used at which a yellow card is raised when the model does not say (REFLOW_WARN_AT). */
  warnAt?: number;
  newId?: () => string;
  onError?: (error: unknown) => void;
  /** Told of the cards a tick raised, after their commit (live updates). */
  onRaised?: (cards: RaisedCard[]) => void;
}

export type { RaisedCard } from '../warnings/warning-decision.js';

const checkedCase = (c: LockedCase): CheckedCase => ({
  id: c.id,
  processKey: c.process_key,
  version: c.version,
  startedAt: c.started_at.getTime(),
});

export class WarningScheduler {
  private interval: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly run = new SingleRun(
    () => this.checkPass(),
    () => this.stopped,
  );
  private readonly clock: () => number;
  private readonly newId: () => string;

  constructor(
    private readonly db: Db,
    private readonly cases: WarningCases,
    private readonly options: WarningSchedulerOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.newId = options.newId ?? randomUUID;
  }

  private get defaultWarnAt(): number {
    return this.options.warnAt ?? DEFAULT_WARN_AT;
  }

  /** Looks at every check due now; returns how many cards were raised. Concurrent calls share one run. */
  tick(): Promise<number> {
    return this.run.tick();
  }

  /** One pass of a run: claims and decides due checks until none is left. */
  private async checkPass(): Promise<number> {
    let raised = 0;
    while (!this.stopped) {
      const now = this.clock();
      const batch = await claimDueChecks(this.db, {
        nodeId: this.options.nodeId,
        now: new Date(now),
        until: new Date(now + (this.options.leaseMs ?? 30_000)),
        batch: this.options.batch ?? 500,
      });
      if (batch.length === 0) break;
      raised += await this.decide(batch, now);
      await yieldToEventLoop();
    }
    return raised;
  }

  /** Decides and writes one claimed batch in one transaction; returns the cards raised. */
  private async decide(batch: CheckKey[], now: number): Promise<number> {
    const raisedCards: RaisedCard[] = [];
    const changedCases = new Set<string>();
    await this.db.transaction().execute(async (trx) => {
      const locked = await lockCases(trx, [...new Set(batch.map((c) => c.case_id))]);
      const caseById = new Map(locked.map((c) => [c.id, c]));
      const taskIds = batch.filter((c) => c.subject === 'task').map((c) => c.subject_id);
      const caseSubjects = batch.filter((c) => c.subject === 'case').map((c) => c.subject_id);
      const tasks = new Map((await checkedTasks(trx, taskIds)).map((t) => [t.id, t]));
      const pauses = new Map<
        string,
        { enteredAt: number; completedAt: number | null; pausesClock: true }[]
      >();
      for (const p of await pausingSteps(trx, caseSubjects)) {
        const list = pauses.get(p.case_id) ?? [];
        list.push({
          enteredAt: p.entered_at.getTime(),
          completedAt: p.completed_at?.getTime() ?? null,
          pausesClock: true,
        });
        pauses.set(p.case_id, list);
      }
      const holders = await holdingDepartments(trx, caseSubjects);
      const raised = await raisedLevels(trx, [...taskIds, ...caseSubjects]);

      const reschedule: { subject: string; subject_id: string; next_at: string }[] = [];
      const done: { subject: string; subject_id: string }[] = [];
      const rows: ReturnType<typeof warningRow>[] = [];
      const cardsById = new Map<string, RaisedCard>();
      for (const check of batch) {
        const c = caseById.get(check.case_id);
        const already = raised.get(`${check.subject}:${check.subject_id}`) ?? new Set<string>();
        const decision =
          c === undefined || c.status !== 'active'
            ? null
            : check.subject === 'task'
              ? await this.decideTask(c, tasks.get(check.subject_id), already, now)
              : await this.decideCase(c, pauses.get(c.id) ?? [], holders.get(c.id) ?? null, already, now);
        if (decision === null || decision.nextAt === null) done.push(check);
        else reschedule.push({ ...check, next_at: new Date(decision.nextAt).toISOString() });
        for (const card of decision?.cards ?? []) {
          const full = raisedCard(card, decision as Decision, this.newId(), now);
          cardsById.set(full.id, full);
          rows.push(warningRow(full));
        }
      }
      // a card another node raised meanwhile (its claim had expired) is not raised again, nor audited
      const inserted = await insertWarnings(trx, rows);
      const heads = new Map<string, { seq: number; hash: string }>();
      const entries: AuditAppend[] = [];
      const events: OutboxEvent[] = [];
      for (const id of inserted) {
        const card = cardsById.get(id) as RaisedCard;
        const c = caseById.get(card.caseId) as LockedCase;
        const written = warningAuditEntry(card, heads.get(c.id) ?? { seq: c.audit_seq, hash: c.audit_hash });
        entries.push(written.entry);
        heads.set(c.id, written.head);
        raisedCards.push(card);
        events.push({ type: 'warning.raised', at: now, data: card });
      }
      await appendAudit(
        trx,
        entries,
        [...heads].map(([id, h]) => ({ id, audit_seq: h.seq, audit_hash: h.hash })),
      );
      await enqueueEvents(trx, events);
      await rescheduleChecks(trx, this.options.nodeId, reschedule);
      await deleteChecks(trx, done);
      for (const id of heads.keys()) changedCases.add(id);
    });
    this.cases.forget(changedCases);
    if (raisedCards.length > 0) this.options.onRaised?.(raisedCards);
    return raisedCards.length;
  }

  /** A task: its step against its limit (warning-decision.ts). */
  private async decideTask(
    c: LockedCase,
    task: CheckedTask | undefined,
    already: Set<string>,
    now: number,
  ): Promise<Decision | null> {
    if (!task) return null;
    const definition = await this.cases.definitions.load(c.definition_id);
    return decideTask(
      this.cases.calendar,
      checkedCase(c),
      {
        id: task.id,
        elementId: task.element_id,
        department: task.department,
        status: task.status,
        enteredAt: task.entered_at.getTime(),
        dueAt: task.due_at?.getTime() ?? null,
        timeLimit: task.time_limit,
        pausesClock: task.pauses_clock,
      },
      warnAtOf(definition, task.element_id, this.defaultWarnAt),
      already,
      now,
    );
  }

  /** A case: against its process's promised limit (warning-decision.ts). */
  private async decideCase(
    c: LockedCase,
    pauses: Pause[],
    department: string | null,
    already: Set<string>,
    now: number,
  ): Promise<Decision | null> {
    const definition = await this.cases.definitions.load(c.definition_id);
    return decideCase(
      this.cases.calendar,
      checkedCase(c),
      definition?.graph.timeLimit ?? null,
      warnAtOf(definition, null, this.defaultWarnAt),
      pauses,
      department,
      already,
      now,
    );
  }

  start(): void {
    const poll = this.options.pollMs ?? 1000;
    this.interval = setInterval(() => {
      this.tick().catch((error) => this.options.onError?.(error));
    }, poll);
    this.interval.unref();
    void this.tick().catch((error) => this.options.onError?.(error));
  }

  idle(): Promise<void> {
    return this.run.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    await this.run.running?.catch(() => undefined);
    await releaseCheckClaims(this.db, this.options.nodeId).catch((error) => this.options.onError?.(error));
  }
}
