/**
 * Writes what engine commands produced — case rows, steps, tasks, timers, audit entries — as ONE SQL
 * statement for a whole batch of commands on different cases: data-modifying CTEs gated per case on its row's
 * update (or insert), so a batch costs a single round trip and commit, and a case changed meanwhile by
 * someone else (its revision moved on) writes nothing of its command while the others land. The statement
 * and its columns are in batch-statement.ts.
 */
import { CompiledQuery } from 'kysely';
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import {
  type CaseEvent,
  type CaseIdentity,
  type CommandRows,
  commandRows,
  eventTime,
  type Subscription,
  type SubscriptionRow,
  subscriptionChanges,
} from '../../engine/index.js';
import type { Db } from '../db/database.js';
import { auditHash } from './audit-log.js';
import { columnValues, INPUT_ORDER, type Inputs, preparedBatchStatement } from './batch-statement.js';

export { STARTED_REVISION } from './batch-statement.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** One command's rows (engine/history) and its audit entries, chained to the case's audit head. */
export interface WritePlan extends CommandRows {
  audit: {
    case_id: string;
    seq: number;
    type: string;
    at: string;
    actor: string | null;
    payload: unknown;
    prev_hash: string;
    hash: string;
  }[];
  /** Message and signal waits the command armed, and those it withdrew or consumed (ids). */
  newSubscriptions: SubscriptionRow[];
  goneSubscriptions: string[];
  /** The audit chain's head after this command. */
  auditSeq: number;
  auditHash: string;
}

/**
 * Turns a command's events into rows (the fold of engine/history) and hash-chained audit entries.
 * `revision` is the case's revision before the command: 0 for its start.
 */
export function planWrites(
  c: CaseIdentity,
  events: CaseEvent[],
  options: {
    calendar: WorkingCalendar;
    actor: string | null;
    now: number;
    revision: number;
    auditSeq: number;
    auditHash: string;
    /** The case's subscriptions before the command (none for its start) and after it. */
    subscriptions?: { before: readonly Pick<Subscription, 'id' | 'kind'>[]; after: readonly Subscription[] };
    /** Who completed which task (经办人): named in the audit entry of its completion. */
    handlers?: ReadonlyMap<string, { userId: string; name: string }>;
  },
): WritePlan {
  const rows = commandRows(c, events, { calendar: options.calendar, revision: options.revision });
  const waits = options.subscriptions
    ? subscriptionChanges(c.id, options.subscriptions.before, options.subscriptions.after, options.now)
    : { added: [], gone: [] };
  let auditSeq = options.auditSeq;
  let prev = options.auditHash;
  const audit = events.map((event) => {
    auditSeq += 1;
    const handler = event.type === 'taskCompleted' ? options.handlers?.get(event.taskId) : undefined;
    const payload = handler ? { ...event, handler } : event;
    const entry = {
      type: event.type,
      at: new Date(eventTime(event, options.now)),
      actor: options.actor,
      payload,
    };
    const hash = auditHash(prev, c.id, auditSeq, entry);
    const row = {
      case_id: c.id,
      seq: auditSeq,
      type: entry.type,
      at: entry.at.toISOString(),
      actor: entry.actor,
      payload,
      prev_hash: prev,
      hash,
    };
    prev = hash;
    return row;
  });
  return {
    ...rows,
    newSubscriptions: waits.added,
    goneSubscriptions: waits.gone,
    audit,
    auditSeq,
    auditHash: prev,
  };
}

export interface CaseRowValues {
  status: string;
  snapshot: unknown;
  trips: number;
  corrected: boolean;
  endedAt: number | null;
  workingMs: number | null;
  pausedMs: number;
}

export interface NewCase {
  id: string;
  definitionId: string;
  processKey: string;
  version: number;
  businessKey: string | null;
  channel: string | null;
  materials: string[];
  startedAt: number;
  /** The 一件事 (master case) it belongs to: set when a case's message started it (migration 2026-12-08-case-links). */
  rootCaseId?: string | null;
}

/** One command's write: a command on a stored case (lands only at `revision`), or a started case. */
export type WriteJob =
  | { kind: 'command'; caseId: string; revision: number; row: CaseRowValues; plan: WritePlan }
  | { kind: 'start'; newCase: NewCase; row: CaseRowValues; plan: WritePlan; idempotencyKey?: string };

export const jobCaseId = (job: WriteJob): string => (job.kind === 'command' ? job.caseId : job.newCase.id);

/** The columns of the case row a command writes (a started case writes its identity too). */
export type CaseColumns = ReturnType<typeof rowColumns>;

const rowColumns = (row: CaseRowValues, plan: WritePlan) => ({
  snapshot: row.snapshot,
  status: row.status,
  trips: row.trips,
  corrected: row.corrected,
  ended_at: iso(row.endedAt),
  working_ms: row.workingMs,
  paused_ms: row.pausedMs,
  audit_seq: plan.auditSeq,
  audit_hash: plan.auditHash,
});

/** Writes a batch of commands on distinct cases in one statement; returns the ids of the cases that landed. */
export async function writeBatch(db: Db, jobs: WriteJob[]): Promise<Set<string>> {
  const rows: Record<Inputs, Record<string, unknown>[]> = {
    cmd: [],
    keys: [],
    starts: [],
    newSteps: [],
    changedSteps: [],
    newTasks: [],
    changedTasks: [],
    goneTimers: [],
    newTimers: [],
    newSubscriptions: [],
    goneSubscriptions: [],
    sent: [],
    audit: [],
  };
  for (const job of jobs) {
    const { plan, row } = job;
    if (job.kind === 'command') {
      rows.cmd.push({ id: job.caseId, revision: job.revision, ...rowColumns(row, plan) });
    } else {
      const c = job.newCase;
      if (job.idempotencyKey)
        rows.keys.push({ key: job.idempotencyKey, case_id: c.id, created_at: iso(c.startedAt) });
      rows.starts.push({
        id: c.id,
        definition_id: c.definitionId,
        process_key: c.processKey,
        version: c.version,
        business_key: c.businessKey,
        channel: c.channel,
        materials: c.materials,
        started_at: iso(c.startedAt),
        root_case_id: c.rootCaseId ?? null,
        keyed: job.idempotencyKey !== undefined,
        ...rowColumns(row, plan),
      });
    }
    rows.newSteps.push(...plan.newSteps);
    rows.changedSteps.push(...plan.changedSteps);
    rows.newTasks.push(...plan.newTasks);
    rows.changedTasks.push(...plan.changedTasks);
    for (const id of plan.goneTimers) rows.goneTimers.push({ id });
    rows.newTimers.push(...plan.newTimers);
    rows.newSubscriptions.push(...plan.newSubscriptions);
    const caseId = jobCaseId(job);
    for (const id of plan.goneSubscriptions) rows.goneSubscriptions.push({ case_id: caseId, id });
    rows.sent.push(...plan.sent);
    rows.audit.push(...plan.audit);
  }
  // idempotency keys inserted in one order on every node, so two batches wait on each other's keys in turn
  rows.keys.sort((a, b) => (String(a.key) < String(b.key) ? -1 : String(a.key) > String(b.key) ? 1 : 0));
  const values = INPUT_ORDER.flatMap((set) => columnValues(set, rows[set]));
  const { rows: result } = await db.executeQuery<{ applied: string[] }>(
    CompiledQuery.raw(preparedBatchStatement(), values),
  );
  return new Set(result[0]?.applied ?? []);
}
