/**
 * The decision of electronic supervision (电子监察): at an instant, which cards an open task or an active case is
 * due (yellow, red: `warningLevels` of engine/metrics/case-figures.ts) and when to look at it again. One
 * definition, used by the warning scheduler (server/scheduler/warning-scheduler.ts) on live work and by the
 * replay over a written history (history-cards.ts, the demo seeding), and the `warningRaised` audit entry a card
 * is recorded with.
 *
 * The working time used is the one of engine/metrics/case-figures.ts: a task's since its step was entered (a
 * `gov:pausesClock` step gets no cards: the applicant holds it), a case's since it started less its paused steps
 * (`caseWorkingMs`). The threshold is the step's `gov:warnAt`, else the process's, else REFLOW_WARN_AT (0.8).
 */
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import {
  type CompiledDefinition,
  caseWorkingMs,
  usedShare,
  type WarningLevel,
  warningLevels,
  warningThresholdMs,
} from '../../engine/index.js';
import type { AuditAppend, NewWarning } from '../repositories/warning-repository.js';
import { auditHash } from '../store/audit-log.js';

/** A card as the audit entry and the webhook event carry it. */
export interface RaisedCard {
  id: string;
  level: WarningLevel;
  subject: 'task' | 'case';
  caseId: string;
  taskId: string | null;
  processKey: string;
  version: number;
  elementId: string;
  department: string | null;
  raisedAt: string;
  dueAt: string | null;
  usedShare: number;
  warnAt: number;
  limitDays: number;
}

/** While a case sits in a paused step its clock stands still: looked at again no sooner than this. */
export const PAUSED_RECHECK_MS = 60_000;
const LEVELS: WarningLevel[] = ['yellow', 'red'];

/** What one check decided: cards to raise, and when to look again (null: never — remove the check). */
export interface Decision {
  cards: Omit<RaisedCard, 'id' | 'raisedAt' | 'department'>[];
  department: string | null;
  nextAt: number | null;
}

/** The case a check looks at. */
export interface CheckedCase {
  id: string;
  processKey: string;
  version: number;
  startedAt: number;
}

/** An open task as a check sees it (its step's limit, entered instant, whether it pauses the clock). */
export interface SupervisedTask {
  id: string;
  elementId: string;
  department: string | null;
  status: string;
  enteredAt: number;
  dueAt: number | null;
  timeLimit: number | null;
  pausesClock: boolean;
}

/** A `gov:pausesClock` step of a case as known at the check (open: `completedAt` null). */
export type Pause = { enteredAt: number; completedAt: number | null; pausesClock: true };

/** The yellow-card share of a step (or of the case: `elementId` null): the step's, the process's, the default. */
export function warnAtOf(
  definition: CompiledDefinition | undefined,
  elementId: string | null,
  defaultWarnAt: number,
): number {
  const graph = definition?.graph;
  const node = elementId ? graph?.nodes[elementId] : undefined;
  return node?.warnAt ?? graph?.warnAt ?? defaultWarnAt;
}

/** A task at `now`: its step's working time since it was entered, against its step's limit. */
export function decideTask(
  calendar: WorkingCalendar,
  c: CheckedCase,
  task: SupervisedTask | undefined,
  warnAt: number,
  already: ReadonlySet<string>,
  now: number,
): Decision | null {
  // open until completed or cancelled (a status a claim may add keeps it open)
  if (!task || task.status === 'completed' || task.status === 'cancelled' || task.pausesClock) return null;
  const limitDays = task.timeLimit;
  if (limitDays === null || !(limitDays > 0)) return null;
  const from = task.enteredAt;
  const used = calendar.workingMsBetween(from, now);
  const reached = warningLevels(used, limitDays, calendar.msPerWorkingDay, warnAt);
  const pending = LEVELS.filter((level) => !already.has(level));
  const next = pending.find((level) => !reached.includes(level));
  return {
    department: task.department,
    cards: pending
      .filter((level) => reached.includes(level))
      .map((level) => ({
        level,
        subject: 'task' as const,
        caseId: c.id,
        taskId: task.id,
        processKey: c.processKey,
        version: c.version,
        elementId: task.elementId,
        dueAt: task.dueAt === null ? null : new Date(task.dueAt).toISOString(),
        usedShare: usedShare(used, limitDays, calendar.msPerWorkingDay),
        warnAt,
        limitDays,
      })),
    nextAt:
      next === undefined
        ? null
        : calendar.addWorkingMs(from, warningThresholdMs(next, limitDays, calendar.msPerWorkingDay, warnAt)),
  };
}

/** A case at `now`: its working time since it started less its paused steps, against its promised limit. */
export function decideCase(
  calendar: WorkingCalendar,
  c: CheckedCase,
  limitDays: number | null,
  warnAt: number,
  pauses: readonly Pause[],
  department: string | null,
  already: ReadonlySet<string>,
  now: number,
): Decision | null {
  if (limitDays === null || !(limitDays > 0)) return null;
  const started = c.startedAt;
  const used = caseWorkingMs(calendar, started, now, pauses);
  const reached = warningLevels(used, limitDays, calendar.msPerWorkingDay, warnAt);
  const pending = LEVELS.filter((level) => !already.has(level));
  const next = pending.find((level) => !reached.includes(level));
  let nextAt: number | null = null;
  if (next !== undefined) {
    // the earliest instant the level can come due: later pauses only push it back (looked at again then)
    const remaining = warningThresholdMs(next, limitDays, calendar.msPerWorkingDay, warnAt) - used;
    nextAt = calendar.addWorkingMs(now, remaining);
    if (pauses.some((p) => p.completedAt === null)) nextAt = Math.max(nextAt, now + PAUSED_RECHECK_MS);
  }
  return {
    department,
    cards: pending
      .filter((level) => reached.includes(level))
      .map((level) => ({
        level,
        subject: 'case' as const,
        caseId: c.id,
        taskId: null,
        processKey: c.processKey,
        version: c.version,
        elementId: c.processKey,
        // the promised instant: the limit plus the working time paused so far
        dueAt: new Date(
          calendar.addWorkingMs(
            started,
            limitDays * calendar.msPerWorkingDay + calendar.workingMsBetween(started, now) - used,
          ),
        ).toISOString(),
        usedShare: usedShare(used, limitDays, calendar.msPerWorkingDay),
        warnAt,
        limitDays,
      })),
    nextAt,
  };
}

/** The full card of a decision's card raised at `now` under `id`. */
export const raisedCard = (
  card: Decision['cards'][number],
  decision: Decision,
  id: string,
  now: number,
): RaisedCard => ({
  ...card,
  id,
  raisedAt: new Date(now).toISOString(),
  department: decision.department,
});

/** A card's `warningRaised` entry, chained after `head` (the case's last audit entry); returns the new head. */
export function warningAuditEntry(
  card: RaisedCard,
  head: { seq: number; hash: string },
): { entry: AuditAppend; head: { seq: number; hash: string } } {
  const at = Date.parse(card.raisedAt);
  const payload = { type: 'warningRaised', at, warning: card };
  const seq = head.seq + 1;
  const hash = auditHash(head.hash, card.caseId, seq, {
    type: 'warningRaised',
    at: new Date(at),
    actor: null,
    payload,
  });
  return {
    entry: {
      case_id: card.caseId,
      seq,
      type: 'warningRaised',
      at: new Date(at).toISOString(),
      actor: null,
      payload,
      prev_hash: head.hash,
      hash,
    },
    head: { seq, hash },
  };
}

/** A card's row of `warnings`. */
export const warningRow = (card: RaisedCard): NewWarning => ({
  id: card.id,
  subject: card.subject,
  subject_id: card.subject === 'task' ? (card.taskId as string) : card.caseId,
  level: card.level,
  case_id: card.caseId,
  task_id: card.taskId,
  process_key: card.processKey,
  version: card.version,
  element_id: card.elementId,
  department: card.department,
  raised_at: card.raisedAt,
  due_at: card.dueAt,
  used_share: card.usedShare,
  warn_at: card.warnAt,
  limit_days: card.limitDays,
});
