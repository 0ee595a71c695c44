/**
 * The cards a written history would have raised (the demo history, server/simulate/bulk-write.ts): the warning
 * scheduler's checks replayed over one case's final rows with the scheduler's own decision
 * (warning-decision.ts) — each task with a due date looked at from its creation, the case from its start, and
 * again at the instant the decision names, with what the rows say held at that instant (the task still open,
 * the paused steps entered and ended by then, the department of the oldest open task). A card is raised at the
 * check that decides it, cleared when its task or case ended (as the triggers of migration 2026-12-08-warnings
 * clear it), and left open when its subject is still open at `until`. Nothing is looked at after `until`: the
 * live scheduler takes over from there (each open subject's check is added by the triggers on insert, and the
 * levels raised here are not raised again).
 *
 * One approximation, on the side of the ideal: while the case sits in a paused step nothing can come due, so the
 * replay looks again when that step ends instead of every PAUSED_RECHECK_MS as the live scheduler does.
 */
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import type { CompiledDefinition, StepRow, TaskRow } from '../../engine/index.js';
import {
  type CheckedCase,
  type Decision,
  decideCase,
  decideTask,
  type Pause,
  type RaisedCard,
  raisedCard,
  warnAtOf,
} from './warning-decision.js';

/** A card of the history, with the instant its subject's end cleared it (null: still open at `until`). */
export type HistoryCard = RaisedCard & { clearedAt: string | null };

export interface HistoryOptions {
  calendar: WorkingCalendar;
  /** The case's definition (its limit, its steps' `gov:warnAt`). */
  definition: CompiledDefinition;
  /** REFLOW_WARN_AT. */
  defaultWarnAt: number;
  /** The end of the history: no check after it. */
  until: number;
  newId: () => string;
}

/** The case as its history ends: when it started and ended (null: still active). */
export interface HistoryCase extends CheckedCase {
  endedAt: number | null;
}

const time = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const CLOSED = new Set(['completed', 'cancelled']);

/** The instant a task stopped being open (null: open at the end of the history). */
const closedAt = (t: TaskRow, c: HistoryCase): number | null =>
  CLOSED.has(t.status) ? (time(t.completed_at) ?? c.endedAt ?? null) : null;

/** Runs a subject's checks from `first`, each at the instant the previous one named; collects the cards. */
function replay(
  first: number,
  openAt: (t: number) => boolean,
  decide: (t: number, already: ReadonlySet<string>) => Decision | null,
  nextLook: (t: number, decision: Decision) => number | null,
  options: HistoryOptions,
  clearedAt: string | null,
): HistoryCard[] {
  const cards: HistoryCard[] = [];
  const already = new Set<string>();
  let t: number | null = first;
  while (t !== null && t <= options.until && openAt(t)) {
    const decision = decide(t, already);
    if (decision === null) break;
    for (const card of decision.cards) {
      cards.push({ ...raisedCard(card, decision, options.newId(), t), clearedAt });
      already.add(card.level);
    }
    const next: number | null = decision.nextAt === null ? null : nextLook(t, decision);
    t = next !== null && next > t ? next : null;
  }
  return cards;
}

/** The cards the case and its tasks would have got, in the order they were raised. */
export function historyCards(
  c: HistoryCase,
  rows: { steps: Iterable<StepRow>; tasks: Iterable<TaskRow> },
  options: HistoryOptions,
): HistoryCard[] {
  const { calendar, definition, defaultWarnAt } = options;
  const steps = new Map([...rows.steps].map((s) => [s.id, s]));
  const tasks = [...rows.tasks];
  const active = (t: number) => c.endedAt === null || t < c.endedAt;
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  const cards: HistoryCard[] = [];

  // each task with a due date: looked at from its creation until it closes (a task's id is its step's)
  for (const task of tasks) {
    const step = steps.get(task.id);
    if (task.due_at === null || !step) continue;
    const closed = closedAt(task, c);
    const supervised = {
      id: task.id,
      elementId: task.element_id,
      department: task.department,
      status: 'created',
      enteredAt: Date.parse(step.entered_at),
      dueAt: time(task.due_at),
      timeLimit: step.time_limit,
      pausesClock: step.pauses_clock,
    };
    const warnAt = warnAtOf(definition, task.element_id, defaultWarnAt);
    cards.push(
      ...replay(
        Date.parse(task.created_at),
        (t) => active(t) && (closed === null || t < closed),
        (t, already) => decideTask(calendar, c, supervised, warnAt, already, t),
        (_t, d) => d.nextAt,
        options,
        iso(closed),
      ),
    );
  }

  // the case: looked at from its start until it ends, with the paused steps and the holder of that instant
  const limitDays = definition.graph.timeLimit ?? null;
  if (limitDays !== null && limitDays > 0) {
    const pausing = [...steps.values()]
      .filter((s) => s.pauses_clock)
      .map((s) => ({ enteredAt: Date.parse(s.entered_at), completedAt: time(s.completed_at) }));
    const pausesAt = (t: number): Pause[] =>
      pausing
        .filter((p) => p.enteredAt <= t)
        .map((p) => ({
          enteredAt: p.enteredAt,
          completedAt: p.completedAt !== null && p.completedAt <= t ? p.completedAt : null,
          pausesClock: true,
        }));
    const byCreation = tasks
      .filter((task) => task.department !== null)
      .sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
    const holderAt = (t: number): string | null => {
      for (const task of byCreation) {
        const closed = closedAt(task, c);
        if (Date.parse(task.created_at) <= t && (closed === null || closed > t)) return task.department;
      }
      return null;
    };
    const warnAt = warnAtOf(definition, null, defaultWarnAt);
    cards.push(
      ...replay(
        c.startedAt,
        active,
        (t, already) => decideCase(calendar, c, limitDays, warnAt, pausesAt(t), holderAt(t), already, t),
        (t, d) => {
          // a paused step open now holds the clock until it ends: nothing comes due before
          let next = d.nextAt as number;
          for (const p of pausing)
            if (p.enteredAt <= t && (p.completedAt === null || p.completedAt > t)) {
              if (p.completedAt === null) return null;
              next = Math.max(next, p.completedAt);
            }
          return next;
        },
        options,
        c.endedAt === null ? null : iso(c.endedAt),
      ),
    );
  }
  return cards.sort((a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt));
}
