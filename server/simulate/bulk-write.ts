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
import {
  Random,
  type SentMessageRecord,
  type SimulatedCase,
  type SimulationResult,
} from '../../engine/simulate/index.js';
import type { Db } from '../db/database.js';
import type { NewWarning } from '../repositories/warning-repository.js';
import { GENESIS_HASH } from '../store/audit-log.js';
import { planWrites, type WritePlan } from '../store/case-writer.js';
import { type HistoryCard, historyCards } from '../warnings/history-cards.js';
import { warningAuditEntry, warningRow } from '../warnings/warning-decision.js';
import { allCases, finishedMessageColumns, messagesById, processOf } from './simulated-links.js';

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
  /** The messages it sent, as the message service left them (simulated-links.ts). */
  sent: Record<string, unknown>[];
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
  /** The other processes of its file, whose cases its messages start (a 一件事's department processes). */
  collaboration?: CompiledDefinition[];
  /** REFLOW_WARN_AT (default DEFAULT_WARN_AT). */
  warnAt?: number;
  /** The end of the history (the simulation's `until`): later cards are the live scheduler's. */
  until: number;
}

/** The definition a supervised case runs (the simulated one or a process of its file), by its id. */
function supervisedDefinition(supervision: HistorySupervision, id: string): CompiledDefinition {
  const found = [supervision.definition, ...(supervision.collaboration ?? [])].find((d) => d.id === id);
  if (!found)
    throw new Error(`no definition ${id} for the cards of the history: pass it in supervision.collaboration`);
  return found;
}

/** The rows one case leaves in the database after all its commands, as CaseService writes them. */
export function rowsOfCase(
  result: SimulationResult,
  c: SimulatedCase,
  calendar: WorkingCalendar,
  messages: ReadonlyMap<string, SentMessageRecord> = messagesById(result),
  messageTtlSeconds?: number,
  supervision?: HistorySupervision,
): CaseRows {
  const commands = c.commands ?? [];
  const snapshot = c.snapshot as CaseSnapshot;
  if (commands.length === 0 || !snapshot)
    throw new Error(`case ${c.id} has no recorded commands: simulate with record: true`);
  const process = processOf(result, c);
  const identity = { id: c.id, processKey: process.key, version: process.version };
  // the commands folded into rows, the audit chain and the messages sent, each card's entry before the first
  // command after it
  const fold = (cards: HistoryCard[]) => {
    const sent: Record<string, unknown>[] = [];
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
      for (const row of plan.sent) {
        const m = messages.get(row.id);
        sent.push({
          ...row,
          variables: JSON.stringify(row.variables),
          ...(m ? finishedMessageColumns(m, messageTtlSeconds) : {}),
        });
      }
      head = { seq: plan.auditSeq, hash: plan.auditHash };
    });
    raise(Number.POSITIVE_INFINITY);
    return { held, audit, head, sent };
  };
  let folded = fold([]);
  let cards: HistoryCard[] = [];
  if (supervision) {
    const ids = new Random(c.id, 'warnings');
    cards = historyCards(
      {
        id: c.id,
        processKey: process.key,
        version: process.version,
        startedAt: commands[0].at,
        endedAt: snapshot.status === 'active' ? null : (snapshot.endedAt ?? commands[commands.length - 1].at),
      },
      { steps: folded.held.steps.values(), tasks: folded.held.tasks.values() },
      {
        calendar,
        definition: supervisedDefinition(supervision, process.id),
        defaultWarnAt: supervision.warnAt ?? DEFAULT_WARN_AT,
        until: supervision.until,
        newId: () => ids.uuid(),
      },
    );
    if (cards.length > 0) folded = fold(cards);
  }
  const { held, audit, sent } = folded;
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
      definition_id: process.id,
      process_key: process.key,
      version: process.version,
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
      root_case_id: c.rootCaseId ?? null,
    },
    steps: [...steps.values()],
    tasks: [...tasks.values()],
    timers: [...timers.values()],
    waits: waitsOf(c.id, snapshot),
    audit,
    idempotency: c.idempotencyKey
      ? [{ key: c.idempotencyKey, case_id: c.id, created_at: new Date(commands[0].at).toISOString() }]
      : [],
    sent,
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
    | 'messages'
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
 * Writes every case of a run made with `record: true` (its definitions deployed as the same keys and versions) —
 * the simulated process's, then those their messages started (simulated-links.ts) — `batch` cases per
 * transaction. A master of a 一件事 is rolled up once the cases its messages started are written (its trips and
 * correction include theirs, as the rollups read them). Returns the number of cases and commands written.
 */
export async function bulkWriteSimulatedCases(
  db: Db,
  result: SimulationResult,
  options: {
    calendar: WorkingCalendar;
    /** Raise the cards the history would have raised (the demo history). */
    supervision?: HistorySupervision;
    batch?: number;
    /** The server's REFLOW_MESSAGE_TTL_SECONDS: how long a message nothing took was kept. */
    messageTtlSeconds?: number;
    onProgress?: (written: number, total: number) => void;
  },
): Promise<{ cases: number; commands: number }> {
  const batch = Math.max(1, options.batch ?? 200);
  const cases = allCases(result);
  const messages = messagesById(result);
  const masters = new Set(result.linked.map((c) => c.rootCaseId));
  const completedMasters: string[] = [];
  let commands = 0;
  for (let i = 0; i < cases.length; i += batch) {
    const rows = cases
      .slice(i, i + batch)
      .map((c) =>
        rowsOfCase(result, c, options.calendar, messages, options.messageTtlSeconds, options.supervision),
      );
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
        'messages',
        rows.flatMap((r) => r.sent),
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
      const completed: string[] = [];
      for (const r of rows.filter((x) => x.completed)) {
        const id = r.case.id as string;
        (masters.has(id) ? completedMasters : completed).push(id);
      }
      if (completed.length > 0) await sql`SELECT reflow_roll_up_cases(${completed}::text[])`.execute(trx);
    });
    commands += rows.reduce((n, r) => n + (r.case.revision as number), 0);
    options.onProgress?.(Math.min(i + batch, cases.length), cases.length);
  }
  for (let i = 0; i < completedMasters.length; i += batch) {
    const ids = completedMasters.slice(i, i + batch);
    await db.transaction().execute(async (trx) => {
      await sql`SET LOCAL reflow.rollups = 'manual'`.execute(trx);
      await sql`SELECT reflow_roll_up_cases(${ids}::text[])`.execute(trx);
    });
  }
  return { cases: cases.length, commands };
}
