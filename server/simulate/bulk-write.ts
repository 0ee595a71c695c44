/**
 * Writes simulated cases in bulk: the rows CaseService would leave after running each case's commands — built
 * with the server's own write plan (`planWrites`: the fold of engine/history for step, task and timer rows, and
 * the hash-chained audit entries, command by command, with CaseService's step numbering) and the case figures'
 * working time — inserted a batch of
 * cases per transaction with multi-row INSERTs instead of one statement per command. Metric rollups are added
 * per batch with `reflow_roll_up_cases`, the SQL the completion trigger runs (`reflow.rollups = 'manual'`, as
 * the log import does). test/simulate/database.test.ts checks that both writers leave identical rows.
 *
 * Used for the demo history (thousands of commands in a few seconds on PGlite, where CaseService takes
 * several milliseconds per command).
 */
import { sql } from 'kysely';
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import {
  applyCommandRows,
  type CaseSnapshot,
  type CompiledDefinition,
  caseWorkingTime,
  DEFAULT_WARN_AT,
  type HeldRows,
  ROWS_AS_WRITTEN,
  type StepRow,
  type SubscriptionRow,
  subscriptionChanges,
  type TaskRow,
  type TimerRow,
} from '../../engine/index.js';
import { Random, type SimulatedCase, type SimulationResult } from '../../engine/simulate/index.js';
import type { Db } from '../db/database.js';
import type { NewWarning } from '../repositories/warning-repository.js';
import { GENESIS_HASH } from '../store/audit-log.js';
import { planWrites, type WritePlan } from '../store/case-writer.js';
import { type HistoryCard, historyCards } from '../warnings/history-cards.js';
import { warningAuditEntry, warningRow } from '../warnings/warning-decision.js';

type AuditRow = WritePlan['audit'][number];

interface CaseRows {
  case: Record<string, unknown>;
  steps: StepRow[];
  tasks: TaskRow[];
  timers: TimerRow[];
  /** The messages and signals the case still waits for, so that messages between cases reach it. */
  waits: SubscriptionRow[];
  audit: AuditRow[];
  idempotency: { key: string; case_id: string; created_at: string }[];
  completed: boolean;
  /** The cards of electronic supervision the history raised (with `supervision` only). */
  warnings: (NewWarning & { cleared_at: string | null })[];
}

/**
 * Electronic supervision over the written history: the cards the warning scheduler would have raised on the
 * case and its tasks (server/warnings/history-cards.ts), written with their `warningRaised` audit entries at the
 * instants they were raised, between the commands around them (each moves the case's revision on, as the
 * scheduler's does).
 */
export interface HistorySupervision {
  definition: CompiledDefinition;
  /** REFLOW_WARN_AT (default DEFAULT_WARN_AT). */
  warnAt?: number;
  /** The end of the history (the simulation's `until`): later cards are the live scheduler's. */
  until: number;
}

/** The rows one case leaves in the database after all its commands, as CaseService writes them. */
export function rowsOfCase(
  result: SimulationResult,
  c: SimulatedCase,
  calendar: WorkingCalendar,
  supervision?: HistorySupervision,
): CaseRows {
  const commands = c.commands ?? [];
  const snapshot = c.snapshot as CaseSnapshot;
  if (commands.length === 0 || !snapshot)
    throw new Error(`case ${c.id} has no recorded commands: simulate with record: true`);
  const identity = { id: c.id, processKey: result.process.key, version: result.process.version };
  // the commands folded into rows and the audit chain, each card's entry before the first command after it
  const fold = (cards: HistoryCard[]) => {
    let held: HeldRows<StepRow, TaskRow> = { steps: new Map(), tasks: new Map(), timers: new Map() };
    const audit: AuditRow[] = [];
    let head = { seq: 0, hash: GENESIS_HASH };
    let raised = 0;
    const raise = (before: number) => {
      for (; raised < cards.length && Date.parse(cards[raised].raisedAt) < before; raised++) {
        const written = warningAuditEntry(cards[raised], head);
        audit.push(written.entry as AuditRow);
        head = written.head;
      }
    };
    commands.forEach((recorded, index) => {
      raise(recorded.at);
      // as CaseService: the start is written at revision 0 (it leaves revision 1); command i reads revision i,
      // moved on by the cards raised before it
      const plan = planWrites(identity, recorded.events, {
        calendar,
        actor: recorded.actor,
        now: recorded.at,
        revision: index + raised,
        auditSeq: head.seq,
        auditHash: head.hash,
      });
      held = applyCommandRows(held, plan, ROWS_AS_WRITTEN);
      audit.push(...plan.audit);
      head = { seq: plan.auditSeq, hash: plan.auditHash };
    });
    raise(Number.POSITIVE_INFINITY);
    return { held, audit, head };
  };
  let folded = fold([]);
  let cards: HistoryCard[] = [];
  if (supervision) {
    const ids = new Random(c.id, 'warnings');
    cards = historyCards(
      {
        id: c.id,
        processKey: result.process.key,
        version: result.process.version,
        startedAt: commands[0].at,
        endedAt: snapshot.status === 'active' ? null : (snapshot.endedAt ?? commands[commands.length - 1].at),
      },
      { steps: folded.held.steps.values(), tasks: folded.held.tasks.values() },
      {
        calendar,
        definition: supervision.definition,
        defaultWarnAt: supervision.warnAt ?? DEFAULT_WARN_AT,
        until: supervision.until,
        newId: () => ids.uuid(),
      },
    );
    if (cards.length > 0) folded = fold(cards);
  }
  const { held, audit } = folded;
  const auditSeq = folded.head.seq;
  const auditHash = folded.head.hash;
  const steps = held.steps;
  const tasks = held.tasks;
  const timers = held.timers as Map<string, TimerRow>;
  // as CaseService.rowValues: an ended case's working time excludes its gov:pausesClock steps
  const end = snapshot.endedAt ?? commands[commands.length - 1].at;
  let workingMs: number | null = null;
  let pausedMs = 0;
  if (snapshot.status !== 'active') {
    const timed = [...steps.values()].map((s) => ({
      enteredAt: Date.parse(s.entered_at as string),
      completedAt: s.completed_at ? Date.parse(s.completed_at) : null,
      pausesClock: s.pauses_clock,
    }));
    ({ workingMs, pausedMs } = caseWorkingTime(calendar, snapshot.startedAt, end, timed));
  }
  const start = commands[0].command;
  return {
    case: {
      id: c.id,
      definition_id: result.process.id,
      process_key: result.process.key,
      version: result.process.version,
      business_key: c.businessKey,
      status: snapshot.status,
      channel: start.type === 'start' ? (start.channel ?? null) : null,
      materials: '[]',
      snapshot: JSON.stringify(snapshot),
      revision: commands.length + cards.length,
      trips: snapshot.trips,
      corrected: snapshot.corrected,
      started_at: new Date(commands[0].at).toISOString(),
      ended_at: snapshot.endedAt === null ? null : new Date(snapshot.endedAt).toISOString(),
      working_ms: workingMs,
      paused_ms: pausedMs,
      audit_seq: auditSeq,
      audit_hash: auditHash,
    },
    steps: [...steps.values()],
    tasks: [...tasks.values()],
    timers: [...timers.values()],
    waits: waitsOf(c.id, snapshot),
    audit,
    idempotency: c.idempotencyKey
      ? [{ key: c.idempotencyKey, case_id: c.id, created_at: new Date(commands[0].at).toISOString() }]
      : [],
    completed: snapshot.status === 'completed',
    warnings: cards.map((card) => ({ ...warningRow(card), cleared_at: card.clearedAt })),
  };
}

/**
 * The case's open waits for messages and signals, as CaseService leaves them: a wait began when the command
 * that armed it ran, which is when its waiting (or boundary-hosting) activity was entered, or, for an event
 * subprocess's start, when its scope opened (its subprocess entered, or the case started).
 */
function waitsOf(caseId: string, snapshot: CaseSnapshot): SubscriptionRow[] {
  const rows: SubscriptionRow[] = [];
  for (const sub of snapshot.subscriptions) {
    const activity = sub.activityId ?? snapshot.scopes[sub.scopeId]?.parentActivity ?? null;
    const began = activity === null ? snapshot.startedAt : snapshot.activities[activity]?.enteredAt;
    if (began === undefined)
      throw new Error(`case ${caseId}: wait '${sub.id}' belongs to no open activity of its snapshot`);
    rows.push(...subscriptionChanges(caseId, [], [sub], began).added);
  }
  return rows;
}

/** Multi-row INSERT in chunks that stay under PostgreSQL's 65,535 parameters. */
async function insertAll(
  trx: Db,
  table:
    | 'cases'
    | 'steps'
    | 'tasks'
    | 'timers'
    | 'case_subscriptions'
    | 'audit_events'
    | 'idempotency_keys'
    | 'warnings',
  rows: Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const perRow = Object.keys(rows[0]).length;
  const chunk = Math.max(1, Math.floor(30_000 / perRow));
  for (let i = 0; i < rows.length; i += chunk) {
    await trx
      .insertInto(table)
      .values(rows.slice(i, i + chunk) as never)
      .execute();
  }
}

/**
 * Writes every case of a run made with `record: true` (its definition deployed as the same key and version),
 * `batch` cases per transaction. Returns the number of cases and commands written.
 */
export async function bulkWriteSimulatedCases(
  db: Db,
  result: SimulationResult,
  options: {
    calendar: WorkingCalendar;
    /** Raise the cards the history would have raised (the demo history). */
    supervision?: HistorySupervision;
    batch?: number;
    onProgress?: (written: number, total: number) => void;
  },
): Promise<{ cases: number; commands: number }> {
  const batch = Math.max(1, options.batch ?? 200);
  let commands = 0;
  for (let i = 0; i < result.cases.length; i += batch) {
    const rows = result.cases
      .slice(i, i + batch)
      .map((c) => rowsOfCase(result, c, options.calendar, options.supervision));
    await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL reflow.rollups = 'manual'`.execute(trx);
      await insertAll(
        trx,
        'cases',
        rows.map((r) => r.case),
      );
      await insertAll(
        trx,
        'idempotency_keys',
        rows.flatMap((r) => r.idempotency),
      );
      await insertAll(
        trx,
        'steps',
        rows.flatMap((r) =>
          r.steps.map((s) => ({ ...s, variables_changed: JSON.stringify(s.variables_changed) })),
        ),
      );
      await insertAll(
        trx,
        'tasks',
        rows.flatMap((r) => r.tasks),
      );
      await insertAll(
        trx,
        'timers',
        rows.flatMap((r) => r.timers),
      );
      await insertAll(
        trx,
        'case_subscriptions',
        rows.flatMap((r) => r.waits),
      );
      await insertAll(
        trx,
        'audit_events',
        rows.flatMap((r) => r.audit.map((a) => ({ ...a, payload: JSON.stringify(a.payload) }))),
      );
      await insertAll(
        trx,
        'warnings',
        rows.flatMap((r) => r.warnings),
      );
      const completed = rows.filter((r) => r.completed).map((r) => r.case.id as string);
      if (completed.length > 0) await sql`SELECT reflow_roll_up_cases(${completed}::text[])`.execute(trx);
    });
    commands += rows.reduce((n, r) => n + (r.case.revision as number), 0);
    options.onProgress?.(Math.min(i + batch, result.cases.length), result.cases.length);
  }
  return { cases: result.cases.length, commands };
}
