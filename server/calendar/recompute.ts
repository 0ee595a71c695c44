/**
 * What a change of the holiday calendar changes in stored cases, for the years it changed:
 *
 * - due dates of open work: each active step with a time limit is due `gov:timeLimit` working days after it was
 *   entered, and each waiting `gov:workingDays` timer that many working days after it was scheduled. Moved dates
 *   are written to the step, its task, the timer and the case's snapshot, and recorded in the case's audit chain
 *   as a `dueDatesMoved` event (actor, time, each date before and after) that audit verification replays;
 * - working times already measured: steps and ended cases whose span touches those years get their working ms
 *   recomputed (as a command would have written them), and the metric rollups of their versions are rebuilt.
 *
 * Every figure is recomputed from what the engine kept (entered instant and time limit; scheduled instant and
 * working days), so running it twice changes nothing the second time. Each case's due dates move in one short
 * transaction holding that case's row: a command on it meanwhile waits, finds the revision moved, and re-reads.
 */
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import type { CaseSnapshot, TimerInstance } from '../../engine/index.js';
import type { CaseService } from '../cases/case-service.js';
import type { Db } from '../db/database.js';
import {
  activeStepsDue,
  casesWithDueDates,
  completedStepsPage,
  endedCasesPage,
  insertAuditEvent,
  lockCaseForDueDates,
  pausingStepsOf,
  rebuildRollups,
  rewriteWorkingTimes,
  saveMovedCase,
  setStepDueAt,
  timerScheduledAt,
} from '../repositories/recompute-repository.js';
import { openTaskIdsOfCase, setTaskDueAt } from '../repositories/task-repository.js';
import { notifyTimerSchedulers, setTimerDueAt, timersOfCase } from '../repositories/timer-repository.js';
import { auditHash } from '../store/audit-log.js';

const DAY = 86_400_000;
/** Steps or cases read at a time when working times are re-measured. */
const PAGE = 5000;

/** A due date a calendar change moved. */
export interface MovedDueDate {
  caseId: string;
  kind: 'task' | 'step' | 'timer';
  /** The step's (and its task's) id, or the timer's. */
  id: string;
  elementId: string;
  previousDueAt: string;
  dueAt: string;
}

export interface RecomputeResult {
  moved: MovedDueDate[];
  /** Steps and ended cases whose working time changed. */
  workingTimes: { steps: number; cases: number };
  /** Versions whose metric rollups were rebuilt (`key:version`). */
  rebuiltVersions: string[];
}

export interface RecomputeOptions {
  /** The years whose holidays changed. */
  years: readonly number[];
  /** The calendar before the change (only for timers scheduled before timers kept their working days). */
  before: WorkingCalendar;
  /** The calendar after the change. */
  after: WorkingCalendar;
  /** Only what was entered, scheduled or completed at or after this instant (a node catching up). */
  since?: number;
  actor: string | null;
  now: number;
}

/** What a recomputation needs of the case service: the definitions, and forgetting the cases it moved. */
export type RecomputeCases = Pick<CaseService, 'definitions' | 'forget'>;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The instants bounding the changed years, a day wider on each side (any time zone's days fall inside). */
function span(years: readonly number[]): { lo: Date; hi: Date } {
  const first = Math.min(...years);
  const last = Math.max(...years);
  return { lo: new Date(Date.UTC(first, 0, 1) - DAY), hi: new Date(Date.UTC(last + 1, 0, 1) + DAY) };
}

/** Moves the due dates of one case under its row lock; returns what moved. */
async function moveCase(
  db: Db,
  service: RecomputeCases,
  caseId: string,
  options: RecomputeOptions,
  hi: Date,
): Promise<MovedDueDate[]> {
  const { after, before, since } = options;
  return db.transaction().execute(async (trx) => {
    const row = await lockCaseForDueDates(trx, caseId);
    if (row?.status !== 'active' || row.imported) return [];
    const snapshot = structuredClone(row.snapshot) as CaseSnapshot;
    const moved: MovedDueDate[] = [];
    const stepMoves: { id: string; elementId: string; previousDueAt: number; dueAt: number }[] = [];
    const timerMoves: typeof stepMoves = [];

    const steps = await activeStepsDue(trx, caseId, hi, since);
    const tasks = await openTaskIdsOfCase(trx, caseId);
    for (const s of steps) {
      const dueAt = after.addWorkingDays(s.entered_at.getTime(), s.time_limit);
      const previous = s.due_at.getTime();
      if (dueAt === previous) continue;
      stepMoves.push({ id: s.id, elementId: s.element_id, previousDueAt: previous, dueAt });
      const instance = snapshot.activities?.[s.id];
      if (instance) instance.dueAt = dueAt;
      moved.push({
        caseId,
        kind: tasks.has(s.id) ? 'task' : 'step',
        id: s.id,
        elementId: s.element_id,
        previousDueAt: iso(previous),
        dueAt: iso(dueAt),
      });
    }

    const timerRows = await timersOfCase(trx, caseId);
    for (const t of timerRows) {
      const timer: TimerInstance | undefined = snapshot.timers?.[t.id];
      if (!timer) continue;
      const previous = t.due_at.getTime();
      let dueAt: number;
      if (timer.workingDays !== undefined && timer.scheduledAt !== undefined) {
        if (timer.scheduledAt >= hi.getTime() || (since !== undefined && timer.scheduledAt < since)) continue;
        dueAt = after.addWorkingDays(timer.scheduledAt, timer.workingDays);
      } else {
        // scheduled before timers kept their working days: a gov:workingDays timer is found by its element, its
        // working time read back with the calendar that set it (exact: the due instant is the earliest one)
        if (since !== undefined) continue;
        const scope = snapshot.scopes?.[timer.scopeId];
        const definition = scope ? await service.definitions.load(scope.definitionId) : undefined;
        const event = definition?.graph.nodes[timer.elementId]?.event;
        if (event?.kind !== 'timer' || event.timer !== 'workingDays') continue;
        const from = await timerScheduledAt(trx, caseId, t.id);
        if (from === null || from >= hi.getTime()) continue;
        const workingMs = before.workingMsBetween(from, previous);
        dueAt = after.addWorkingMs(from, workingMs);
        // kept from now on, so the next change computes it as for any timer
        timer.workingDays = workingMs / after.msPerWorkingDay;
        timer.scheduledAt = from;
      }
      if (dueAt === previous) continue;
      timer.dueAt = dueAt;
      timerMoves.push({ id: t.id, elementId: t.element_id, previousDueAt: previous, dueAt });
      moved.push({
        caseId,
        kind: 'timer',
        id: t.id,
        elementId: t.element_id,
        previousDueAt: iso(previous),
        dueAt: iso(dueAt),
      });
    }
    if (moved.length === 0) return [];

    const seq = row.audit_seq + 1;
    const payload = {
      type: 'dueDatesMoved',
      at: options.now,
      reason: 'calendar',
      years: [...options.years],
      steps: stepMoves,
      timers: timerMoves,
    };
    const entry = { type: 'dueDatesMoved', at: new Date(options.now), actor: options.actor, payload };
    const hash = auditHash(row.audit_hash, caseId, seq, entry);
    for (const m of stepMoves) {
      await setStepDueAt(trx, m.id, new Date(m.dueAt));
      if (tasks.has(m.id)) await setTaskDueAt(trx, m.id, new Date(m.dueAt));
    }
    for (const m of timerMoves) await setTimerDueAt(trx, m.id, new Date(m.dueAt));
    await saveMovedCase(trx, caseId, { snapshot, auditSeq: seq, auditHash: hash });
    await insertAuditEvent(trx, {
      case_id: caseId,
      seq,
      type: entry.type,
      at: entry.at,
      actor: entry.actor,
      payload,
      prev_hash: row.audit_hash,
      hash,
    });
    // a timer due earlier than before may be due now: wake the schedulers (PostgreSQL; PGlite polls)
    if (timerMoves.length > 0) await notifyTimerSchedulers(trx, caseId);
    return moved;
  });
}

/** Applies a calendar change to the stored cases (see the file's comment). */
export async function recomputeForCalendar(
  db: Db,
  service: RecomputeCases,
  options: RecomputeOptions,
): Promise<RecomputeResult> {
  const result: RecomputeResult = { moved: [], workingTimes: { steps: 0, cases: 0 }, rebuiltVersions: [] };
  if (options.years.length === 0) return result;
  const { lo, hi } = span(options.years);
  const since = options.since === undefined ? null : new Date(options.since);
  const { after } = options;

  // due dates: the cases with an active step due in or after the years, or a timer waiting till then
  const candidates = await casesWithDueDates(db, { lo, hi, since });
  const touched: string[] = [];
  for (const case_id of candidates) {
    const moved = await moveCase(db, service, case_id, options, hi);
    if (moved.length > 0) {
      touched.push(case_id);
      result.moved.push(...moved);
    }
  }
  service.forget(touched);

  const versions = new Set<string>();
  // working times of steps that ran in the years, a page at a time (a past year may hold millions)
  let changedSteps = 0;
  for (let afterId = ''; ; ) {
    const steps = await completedStepsPage(db, { lo, hi, since, afterId, limit: PAGE });
    const changed: { id: string; working_ms: number }[] = [];
    for (const s of steps) {
      const working = after.workingMsBetween(s.entered_at.getTime(), s.completed_at.getTime());
      if (s.working_ms !== null && Number(s.working_ms) === working) continue;
      changed.push({ id: s.id, working_ms: working });
      versions.add(`${s.process_key}:${s.version}`);
    }
    await rewriteWorkingTimes(db, 'steps', changed);
    changedSteps += changed.length;
    if (steps.length < PAGE) break;
    afterId = steps[steps.length - 1].id;
  }
  result.workingTimes.steps = changedSteps;

  // working times of cases that ended, spanning the years: start to end minus gov:pausesClock steps
  let changedCases = 0;
  for (let afterId = ''; ; ) {
    const ended = await endedCasesPage(db, { lo, hi, since, afterId, limit: PAGE });
    const pausing = await pausingStepsOf(
      db,
      ended.map((c) => c.id),
    );
    const pauses = new Map<string, { entered_at: Date; completed_at: Date | null }[]>();
    for (const p of pausing) pauses.set(p.case_id, [...(pauses.get(p.case_id) ?? []), p]);
    const changed: { id: string; working_ms: number; paused_ms: number }[] = [];
    for (const c of ended) {
      const start = c.started_at.getTime();
      const end = c.ended_at.getTime();
      const intervals = (pauses.get(c.id) ?? []).map(
        (p) => [p.entered_at.getTime(), p.completed_at?.getTime() ?? end] as [number, number],
      );
      const working = after.workingMsBetweenExcluding(start, end, intervals);
      const paused = after.workingMsBetween(start, end) - working;
      if (Number(c.working_ms) === working && Number(c.paused_ms) === paused) continue;
      changed.push({ id: c.id, working_ms: working, paused_ms: paused });
      versions.add(`${c.process_key}:${c.version}`);
    }
    await rewriteWorkingTimes(db, 'cases', changed);
    changedCases += changed.length;
    if (ended.length < PAGE) break;
    afterId = ended[ended.length - 1].id;
  }
  result.workingTimes.cases = changedCases;

  // the rollups count on-time cases and breaches from working times: rebuilt for the versions touched
  for (const v of [...versions].sort()) {
    const at = v.lastIndexOf(':');
    await rebuildRollups(db, v.slice(0, at), Number(v.slice(at + 1)));
  }
  result.rebuiltVersions = [...versions].sort();
  return result;
}
