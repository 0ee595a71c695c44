/**
 * Audit verification (审计校验): recomputes each case's audit hash chain from the genesis hash, checks the chain
 * head kept on the case row, and checks the tables derived from the chain — steps, tasks, timers and the case
 * row's times, status, trips and working time — against what the audit events say, and the engine state kept on
 * the case row (its snapshot: what the next command starts from) too: every case variable against the values
 * the caseStarted and variablesChanged events set, named one by one, and the state's status, times, trips and
 * pending timers, and its yellow and red cards against its warningRaised events (verify-warnings.ts). Cases are
 * read in pages of
 * `pageSize` (each page in one read-only snapshot), so a whole database is checked in bounded memory; only the
 * broken cases are kept, each with its FIRST broken link.
 */
import { getDefaultCalendar, type WorkingCalendar } from '../../engine/calendar/index.js';
import type { Db } from '../db/database.js';
import { type BrokenLink, type CaseRow, checkCase } from './verify-case.js';
import { type PublicationsReport, verifyPublications } from './verify-publications.js';
import { checkWarnings, type WarningRow } from './verify-warnings.js';

export interface VerifyScope {
  caseId?: string;
  process?: string;
  version?: number;
}

export interface VerifyOptions {
  /** Cases read per page (default 200). */
  pageSize?: number;
  /** Broken cases listed in the report (default 100); the rest are only counted. */
  maxReported?: number;
  /** The calendar working times are recomputed with (the server's). */
  calendar?: WorkingCalendar;
  /** Called after each page with the number of cases checked so far. */
  onProgress?: (checkedCases: number) => void;
}

export type { BreakKind, BrokenLink } from './verify-case.js';

export interface VerifyReport {
  ok: boolean;
  scope: VerifyScope;
  checkedCases: number;
  checkedEvents: number;
  /** Imported cases that carry no audit chain (nothing to verify). */
  unchainedCases: number;
  brokenCases: number;
  /** The first `maxReported` broken cases, each with its first broken link. */
  broken: BrokenLink[];
  truncated: boolean;
  /** Publications (发布) against the system audit log: checked unless one case is in scope. */
  publications?: PublicationsReport;
  durationMs: number;
}

/** Reads one page of cases and everything derived from them in one read-only snapshot. */
async function readPage(db: Db, scope: VerifyScope, after: string | null, limit: number) {
  const read = async (trx: Db) => {
    let query = trx
      .selectFrom('cases')
      .select([
        'id',
        'process_key',
        'version',
        'status',
        'started_at',
        'ended_at',
        'working_ms',
        'paused_ms',
        'trips',
        'corrected',
        'imported',
        'audit_seq',
        'audit_hash',
        'snapshot',
      ]);
    if (scope.caseId !== undefined) query = query.where('id', '=', scope.caseId);
    if (scope.process !== undefined) query = query.where('process_key', '=', scope.process);
    if (scope.version !== undefined) query = query.where('version', '=', scope.version);
    if (after !== null) query = query.where('id', '>', after);
    const cases: CaseRow[] = await query.orderBy('id').limit(limit).execute();
    if (cases.length === 0) return { cases, audit: [], steps: [], tasks: [], timers: [], warnings: [] };
    const ids = cases.map((c) => c.id);
    const [audit, steps, tasks, timers, warnings] = [
      await trx
        .selectFrom('audit_events')
        .selectAll()
        .where('case_id', 'in', ids)
        .orderBy('case_id')
        .orderBy('seq')
        .execute(),
      await trx
        .selectFrom('steps')
        .select([
          'id',
          'case_id',
          'element_id',
          'type',
          'department',
          'status',
          'entered_at',
          'completed_at',
          'due_at',
          'working_ms',
          'in_person',
          'correction',
          'pauses_clock',
        ])
        .where('case_id', 'in', ids)
        .execute(),
      await trx
        .selectFrom('tasks')
        .select([
          'id',
          'case_id',
          'element_id',
          'department',
          'status',
          'created_at',
          'due_at',
          'completed_at',
          'claimed_by',
          'handler_id',
          'handler_name',
          'transfers',
        ])
        .where('case_id', 'in', ids)
        .execute(),
      await trx
        .selectFrom('timers')
        .select(['id', 'case_id', 'element_id', 'due_at'])
        .where('case_id', 'in', ids)
        .execute(),
      (await trx
        .selectFrom('warnings')
        .select([
          'id',
          'case_id',
          'subject',
          'level',
          'task_id',
          'element_id',
          'department',
          'raised_at',
          'due_at',
          'limit_days',
          'warn_at',
        ])
        .where('case_id', 'in', ids)
        .execute()) as WarningRow[],
    ];
    return { cases, audit, steps, tasks, timers, warnings };
  };
  // one snapshot per page: a command landing meanwhile cannot make a case look half-written
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((trx) => read(trx as unknown as Db));
}

function groupBy<T extends { case_id: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(row.case_id);
    if (list) list.push(row);
    else out.set(row.case_id, [row]);
  }
  return out;
}

/** Verifies the cases in scope (one case, a process, a version, or everything), page by page. */
export async function verifyAudit(
  db: Db,
  scope: VerifyScope = {},
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const began = performance.now();
  const pageSize = Math.max(1, options.pageSize ?? 200);
  const maxReported = Math.max(0, options.maxReported ?? 100);
  const calendar = options.calendar ?? getDefaultCalendar();
  const report: VerifyReport = {
    ok: true,
    scope,
    checkedCases: 0,
    checkedEvents: 0,
    unchainedCases: 0,
    brokenCases: 0,
    broken: [],
    truncated: false,
    durationMs: 0,
  };
  let after: string | null = null;
  for (;;) {
    const page = await readPage(db, scope, after, pageSize);
    if (page.cases.length === 0) break;
    const audit = groupBy(page.audit);
    const steps = groupBy(page.steps);
    const tasks = groupBy(page.tasks);
    const timers = groupBy(page.timers);
    const warnings = groupBy(page.warnings);
    for (const c of page.cases) {
      const chain = audit.get(c.id) ?? [];
      report.checkedCases++;
      report.checkedEvents += chain.length;
      if (chain.length === 0 && c.imported && c.audit_seq === 0) {
        report.unchainedCases++;
        continue;
      }
      const problems = checkCase(
        c,
        chain,
        steps.get(c.id) ?? [],
        tasks.get(c.id) ?? [],
        timers.get(c.id) ?? [],
        calendar,
      );
      // the cards against their warningRaised events, once the chain itself holds
      if (problems.every((p) => p.kind !== 'chain' && p.kind !== 'head'))
        problems.push(...checkWarnings(chain, warnings.get(c.id) ?? []));
      if (problems.length === 0) continue;
      report.ok = false;
      report.brokenCases++;
      if (report.broken.length < maxReported) {
        report.broken.push({
          caseId: c.id,
          process: c.process_key,
          version: c.version,
          ...problems[0],
          more: problems.length - 1,
        });
      } else {
        report.truncated = true;
      }
    }
    after = page.cases[page.cases.length - 1].id;
    options.onProgress?.(report.checkedCases);
    if (page.cases.length < pageSize) break;
  }
  if (scope.caseId === undefined) {
    const publications = await verifyPublications(db, scope.process);
    if (publications) {
      report.publications = publications;
      if (publications.broken.length > 0) report.ok = false;
    }
  }
  report.durationMs = Math.round(performance.now() - began);
  return report;
}

/** One line per broken case, for the CLI and logs. */
export function describeBreak(b: BrokenLink): string {
  const at =
    b.seq === null
      ? 'a row no audit event accounts for'
      : `seq ${b.seq}${b.eventType ? ` (${b.eventType})` : ''}`;
  return `case ${b.caseId} (${b.process} v${b.version}): first broken link at ${at}: ${b.message}${b.more > 0 ? ` [+${b.more} more in this case]` : ''}`;
}
