/**
 * The checks of one case (server/audit/verify.ts reads the cases and reports): its audit hash chain recomputed
 * from the genesis hash, then the case row, its engine state, steps, tasks and timers against what the audit
 * events say, each a named step over one replay of the events (verify-replay.ts): the case row and its engine
 * state in verify-case-state.ts, the steps, tasks and timers tables in verify-rows.ts.
 */
import type { Selectable } from 'kysely';
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import type { AuditEventsTable, CasesTable, StepsTable, TasksTable, TimersTable } from '../db/schema.js';
import { auditHash, GENESIS_HASH } from '../store/audit-log.js';
import { checkCaseRow, checkSnapshot } from './verify-case-state.js';
import { findingsOf } from './verify-findings.js';
import { replay } from './verify-replay.js';
import { checkStepRows, checkTaskRows, checkTimerRows } from './verify-rows.js';

export type BreakKind =
  | 'chain'
  | 'head'
  | 'case'
  | 'variable'
  | 'snapshot'
  | 'step'
  | 'task'
  | 'timer'
  | 'warning';

/** The first broken link of a case. */
export interface BrokenLink {
  caseId: string;
  process: string;
  version: number;
  /** The audit event at which the case breaks: the first bad or missing event of the chain, or the event a row contradicts (null: a row no event accounts for). */
  seq: number | null;
  /** That event's type, when it exists. */
  eventType: string | null;
  kind: BreakKind;
  /** The table holding what differs. */
  table: 'audit_events' | 'cases' | 'steps' | 'tasks' | 'timers' | 'warnings';
  /** The row that differs (step, task or timer id). */
  rowId?: string;
  elementId?: string;
  field?: string;
  /** What the audit log says. */
  expected?: unknown;
  /** What the table holds. */
  actual?: unknown;
  message: string;
  /** Further differences found in the same case. */
  more: number;
}

export type Problem = Omit<BrokenLink, 'caseId' | 'process' | 'version' | 'more'>;

/** The columns verify reads of each table (types from server/db/schema.ts). */
export type CaseRow = Pick<
  Selectable<CasesTable>,
  | 'id'
  | 'process_key'
  | 'version'
  | 'status'
  | 'started_at'
  | 'ended_at'
  | 'working_ms'
  | 'paused_ms'
  | 'trips'
  | 'corrected'
  | 'imported'
  | 'audit_seq'
  | 'audit_hash'
  | 'snapshot' // the engine's state of the case: what its next command starts from
>;
export type AuditRow = Selectable<AuditEventsTable>;
export type StepRow = Pick<
  Selectable<StepsTable>,
  | 'id'
  | 'case_id'
  | 'element_id'
  | 'type'
  | 'department'
  | 'status'
  | 'entered_at'
  | 'completed_at'
  | 'due_at'
  | 'working_ms'
  | 'in_person'
  | 'correction'
  | 'pauses_clock'
>;
export type TaskRow = Pick<
  Selectable<TasksTable>,
  | 'id'
  | 'case_id'
  | 'element_id'
  | 'department'
  | 'status'
  | 'created_at'
  | 'due_at'
  | 'completed_at'
  | 'claimed_by'
  | 'handler_id'
  | 'handler_name'
  | 'transfers'
>;
export type TimerRow = Pick<Selectable<TimersTable>, 'id' | 'case_id' | 'element_id' | 'due_at'>;

/** A hash as messages show it: its first 12 characters. */
const short = (hash: string | null | undefined): string => (hash ? `${hash.slice(0, 12)}…` : String(hash));

/** Recomputes the chain from the genesis hash; returns the first broken link, or null when it verifies. */
function checkChain(c: CaseRow, audit: AuditRow[]): Problem | null {
  let prev = GENESIS_HASH;
  for (let i = 0; i < audit.length; i++) {
    const a = audit[i];
    const expected = i + 1;
    if (a.seq !== expected) {
      return {
        seq: expected,
        eventType: null,
        kind: 'chain',
        table: 'audit_events',
        field: 'seq',
        expected,
        actual: a.seq,
        message:
          a.seq > expected
            ? `audit event ${expected}${a.seq - 1 > expected ? `–${a.seq - 1}` : ''} ${a.seq - 1 > expected ? 'are' : 'is'} missing: the chain goes from event ${expected - 1} to event ${a.seq}`
            : `audit event ${a.seq} appears out of order at position ${expected}`,
      };
    }
    if (a.prev_hash !== prev) {
      return {
        seq: a.seq,
        eventType: a.type,
        kind: 'chain',
        table: 'audit_events',
        field: 'prev_hash',
        expected: prev,
        actual: a.prev_hash,
        message: `audit event ${a.seq} (${a.type}) links to ${short(a.prev_hash)}, but the ${a.seq === 1 ? 'genesis hash' : `hash of event ${a.seq - 1}`} is ${short(prev)}`,
      };
    }
    const hash = auditHash(prev, c.id, a.seq, { type: a.type, at: a.at, actor: a.actor, payload: a.payload });
    if (hash !== a.hash) {
      return {
        seq: a.seq,
        eventType: a.type,
        kind: 'chain',
        table: 'audit_events',
        field: 'hash',
        expected: hash,
        actual: a.hash,
        message: `audit event ${a.seq} (${a.type}) was altered: its content hashes to ${short(hash)}, the chain holds ${short(a.hash)}`,
      };
    }
    prev = a.hash;
  }
  const lastSeq = audit.length;
  if (c.audit_seq !== lastSeq || c.audit_hash !== prev) {
    const missing = c.audit_seq > lastSeq;
    return {
      seq: missing ? lastSeq + 1 : lastSeq === 0 ? null : lastSeq,
      eventType: missing || lastSeq === 0 ? null : audit[lastSeq - 1].type,
      kind: 'head',
      table: 'cases',
      field: c.audit_seq !== lastSeq ? 'audit_seq' : 'audit_hash',
      expected: c.audit_seq !== lastSeq ? lastSeq : prev,
      actual: c.audit_seq !== lastSeq ? c.audit_seq : c.audit_hash,
      message:
        lastSeq === 0
          ? `the case has no audit events, but its row says the chain ends at event ${c.audit_seq} (${short(c.audit_hash)})`
          : missing
            ? `audit event ${lastSeq + 1}${c.audit_seq > lastSeq + 1 ? `–${c.audit_seq}` : ''} ${c.audit_seq > lastSeq + 1 ? 'are' : 'is'} missing: the case row says the chain ends at event ${c.audit_seq} (${short(c.audit_hash)}), the log ends at event ${lastSeq}`
            : `the case row's chain head (event ${c.audit_seq}, ${short(c.audit_hash)}) does not match the log's last event ${lastSeq} (${short(prev)})`,
    };
  }
  return null;
}

/** Replays the (verified) audit events and compares every derived row with them. */
function checkDerived(
  c: CaseRow,
  audit: AuditRow[],
  steps: StepRow[],
  tasks: TaskRow[],
  timers: TimerRow[],
  calendar: WorkingCalendar,
): Problem[] {
  const f = findingsOf(audit);
  const r = replay(audit, f.problems);
  checkCaseRow(c, r, calendar, f);
  checkSnapshot(c, r, f);
  checkStepRows(steps, r, calendar, f);
  checkTaskRows(tasks, r, f);
  checkTimerRows(timers, r, f);
  return f.problems;
}

/** Every problem of one case, the first broken link first: the chain, then its head, then the earliest contradicted event. */
export function checkCase(
  c: CaseRow,
  audit: AuditRow[],
  steps: StepRow[],
  tasks: TaskRow[],
  timers: TimerRow[],
  calendar: WorkingCalendar,
): Problem[] {
  const chain = checkChain(c, audit);
  if (chain) return [chain]; // the derived rows cannot be judged against a log that does not verify
  const problems = checkDerived(c, audit, steps, tasks, timers, calendar);
  return problems.sort((a, b) => (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER));
}
