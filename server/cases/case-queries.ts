/** The API's reads that run no command: a page of cases, tasks, a case's audit log, who may see a case. */
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import { oneThingFigures, oneThingWorkingMs } from '../../engine/index.js';
import { Problem } from '../problems.js';
import {
  auditEventsOfCase,
  type CaseFilter,
  type CaseSummaryRow,
  oneThingOf,
  pageOfCases,
  requireCase,
} from '../repositories/case-repository.js';
import type { Executor } from '../repositories/executor.js';
import { caseHasTaskOf, listTasks, type TaskFilter } from '../repositories/task-repository.js';

export interface CaseSummary {
  id: string;
  process: string;
  version: number;
  businessKey: string | null;
  status: string;
  channel: string | null;
  startedAt: string;
  endedAt: string | null;
  trips: number;
  workingDays: number | null;
  calendarEstimated: boolean;
}

/** A case of a 一件事 as a case's view lists it. */
export interface OneThingCase extends CaseSummary {
  firstTime: boolean;
  /** The master (主办件): the case whose messages started the others. */
  master: boolean;
}

/**
 * The 一件事 a case belongs to (engine/metrics/case-figures.ts states the rule): its figures over its cases —
 * trips summed, first time when none was corrected — and its working days end to end, from the earliest start
 * to the latest end among its cases (`oneThingWorkingMs`; null while one of them is open); its cases, the master
 * first.
 */
export interface OneThingView {
  masterCaseId: string;
  trips: number;
  firstTime: boolean;
  workingDays: number | null;
  cases: OneThingCase[];
}

/** What `GET /api/cases/{id}` adds to a case: its master (null: none) and its 一件事 (null: no part of one). */
export interface CaseLinks {
  rootCaseId: string | null;
  oneThing: OneThingView | null;
}

export interface AuditEventView {
  seq: number;
  type: string;
  at: string;
  actor: string | null;
  payload: unknown;
  prevHash: string;
  hash: string;
}

export interface TaskView {
  id: string;
  caseId: string;
  elementId: string;
  name: string | null;
  department: string | null;
  createdAt: string;
  dueAt: string | null;
  completedAt: string | null;
  status: string;
  overdue: boolean;
  calendarEstimated: boolean;
  /** The case's business number (办件编号) and its service (事项). */
  businessKey: string | null;
  process: string;
  processName: string | null;
  /** Who holds it (claimed or assigned), who completed it (经办人), how often it was transferred (转办). */
  claimedBy: { userId: string; name: string } | null;
  handler: { userId: string; name: string } | null;
  transfers: number;
  /** Working days left until its due date (negative: overdue by); null without a due date or once done. */
  remainingWorkingDays: number | null;
}

export class CaseQueries {
  constructor(
    private readonly db: Executor,
    private readonly calendar: WorkingCalendar,
    private readonly now: () => number,
  ) {}

  /** Tasks, oldest first; overdue as of the service's now. */
  async tasks(filter: TaskFilter): Promise<TaskView[]> {
    const rows = await listTasks(this.db, filter);
    const now = this.now();
    return rows.map((r) => ({
      id: r.id,
      caseId: r.case_id,
      elementId: r.element_id,
      name: r.name,
      department: r.department,
      createdAt: r.created_at.toISOString(),
      dueAt: r.due_at?.toISOString() ?? null,
      completedAt: r.completed_at?.toISOString() ?? null,
      status: r.status,
      overdue: r.due_at !== null && (r.completed_at ?? new Date(now)).getTime() > r.due_at.getTime(),
      calendarEstimated: r.due_at !== null && this.calendar.beyondHorizon(r.due_at.getTime()),
      businessKey: r.business_key,
      process: r.process_key,
      processName: r.process_name,
      claimedBy:
        r.claimed_by === null ? null : { userId: r.claimed_by, name: r.claimed_name ?? r.claimed_by },
      handler: r.handler_id === null ? null : { userId: r.handler_id, name: r.handler_name ?? r.handler_id },
      transfers: r.transfers,
      remainingWorkingDays:
        r.due_at === null || r.status !== 'open' ? null : this.remainingWorkingDays(now, r.due_at.getTime()),
    }));
  }

  /** Working days from now to a due date (negative once past it), to a tenth of a day. */
  private remainingWorkingDays(now: number, dueAt: number): number {
    const days =
      dueAt >= now
        ? this.calendar.workingDaysBetween(now, dueAt)
        : -this.calendar.workingDaysBetween(dueAt, now);
    return Math.round(days * 10) / 10;
  }

  /** 404 when the case does not exist. */
  requireCase(caseId: string): Promise<void> {
    return requireCase(this.db, caseId);
  }

  /**
   * A department may read a case only when one of its tasks is the department's: otherwise 403, or 404 when
   * the case does not exist. Every other role reads every case.
   */
  async assertVisible(
    principal: { role: string; department?: string | null },
    caseId: string,
  ): Promise<void> {
    if (principal.role !== 'department') return;
    if (await caseHasTaskOf(this.db, caseId, principal.department ?? '')) return;
    await this.requireCase(caseId);
    throw new Problem(403, 'forbidden', 'Forbidden', {
      zh: `办件“${caseId}”没有“${principal.department}”的待办：部门只能查看经手的办件`,
      en: `case '${caseId}' has no task of department '${principal.department}'`,
    });
  }

  /** A page of cases, newest first, and the cursor of the next page (null: the last page). */
  async page(filter: CaseFilter): Promise<{ items: CaseSummary[]; next: string | null }> {
    const rows = await pageOfCases(this.db, filter);
    if (rows === null)
      throw new Problem(
        400,
        'invalid-request',
        'The request is not valid',
        {
          zh: `after：没有办件“${filter.after}”可从其后接着列出`,
          en: `after: no case '${filter.after}' to continue from`,
        },
        [{ field: 'querystring.after', message: { zh: '未知的游标', en: 'unknown cursor' } }],
      );
    const page = rows.slice(0, filter.limit);
    return {
      items: page.map((r) => this.summary(r)),
      next: rows.length > filter.limit ? page[page.length - 1].id : null,
    };
  }

  /** The master of a case and the 一件事 it belongs to: see `CaseLinks`. */
  async links(caseId: string): Promise<CaseLinks> {
    const rows = await oneThingOf(this.db, caseId);
    const self = rows.find((r) => r.id === caseId);
    if (!self) return { rootCaseId: null, oneThing: null };
    const [master, ...linked] = rows;
    if (linked.length === 0) return { rootCaseId: self.root_case_id, oneThing: null };
    const figures = oneThingFigures(master, linked);
    const spans = rows.map((r) => ({
      startedAt: r.started_at.getTime(),
      endedAt: r.ended_at?.getTime() ?? null,
    }));
    const workingMs = oneThingWorkingMs(this.calendar, spans);
    return {
      rootCaseId: self.root_case_id,
      oneThing: {
        masterCaseId: master.id,
        trips: figures.trips,
        firstTime: !figures.corrected,
        workingDays: workingMs === null ? null : workingMs / this.calendar.msPerWorkingDay,
        cases: rows.map((r) => ({ ...this.summary(r), firstTime: !r.corrected, master: r === master })),
      },
    };
  }

  /** A case's row as a list shows it. */
  private summary(r: CaseSummaryRow): CaseSummary {
    return {
      id: r.id,
      process: r.process_key,
      version: r.version,
      businessKey: r.business_key,
      status: r.status,
      channel: r.channel,
      startedAt: r.started_at.toISOString(),
      endedAt: r.ended_at?.toISOString() ?? null,
      trips: r.trips,
      workingDays: r.working_ms === null ? null : Number(r.working_ms) / this.calendar.msPerWorkingDay,
      calendarEstimated:
        r.working_ms !== null && r.ended_at !== null && this.calendar.beyondHorizon(r.ended_at.getTime()),
    };
  }

  /** A case's hash-chained audit log (404 when the case does not exist). */
  async auditEvents(caseId: string): Promise<AuditEventView[]> {
    const rows = await auditEventsOfCase(this.db, caseId);
    if (rows.length === 0) await this.requireCase(caseId);
    return rows.map((r) => ({
      seq: r.seq,
      type: r.type,
      at: r.at.toISOString(),
      actor: r.actor,
      payload: r.payload,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }
}
