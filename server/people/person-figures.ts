/**
 * Figures per person (评价到人, accountability by name): for each person who holds or handled tasks — open tasks
 * held, steps completed, working days per step (mean, P90), the share of steps done within their time limit,
 * the share of those steps whose task got a yellow or red card (电子监察), satisfaction, bad ratings and their
 * rectification, tasks transferred away — by the definitions of
 * engine/metrics (isOnTime, percentileCont, isGoodRating, isBadRating; labels in PERSON_FIGURES). No national ID
 * or phone number is read: a person is their user id, display name and department.
 */
import { sql } from 'kysely';
import {
  isBadRating,
  isGoodRating,
  isOnTime,
  isRedCarded,
  isWarned,
  PERSON_FIGURES,
  percentileCont,
  type WarningLevel,
} from '../../engine/index.js';
import type { Executor } from '../repositories/executor.js';

export interface PersonFigures {
  userId: string;
  name: string;
  /** The department of the person's latest task. */
  department: string | null;
  openTasks: number;
  completedTasks: number;
  meanStepWorkingDays: number | null;
  p90StepWorkingDays: number | null;
  stepOnTimeRate: number | null;
  stepsWithLimit: number;
  /** 电子监察: of the steps with a limit, those whose task got a card (any level), a red card; the shares. */
  warnedSteps: number;
  redCardSteps: number;
  stepWarningRate: number | null;
  stepRedCardRate: number | null;
  satisfaction: number | null;
  ratings: number;
  badRatings: number;
  rectified: number;
  rectifiedOnTime: number;
  transfers: number;
}

export const PERSON_FIGURE_KEYS = PERSON_FIGURES.map((f) => f.key);

interface Scope {
  /** Only people of this department (by the department of their tasks). */
  department?: string;
  /** Only this person. */
  userId?: string;
}

/** The figures of every person in scope, by user id. */
export async function personFigures(
  db: Executor,
  scope: Scope,
  msPerWorkingDay: number,
): Promise<PersonFigures[]> {
  const department = scope.department ?? null;
  const userId = scope.userId ?? null;
  // the tasks people hold or handled (a step's handler is its task's, or an imported step's own)
  const { rows: tasks } = await sql<{
    person: string;
    name: string | null;
    department: string | null;
    status: string;
    working_ms: string | number | null;
    time_limit: number | null;
    at: Date;
    levels: string[] | null;
  }>`
    SELECT coalesce(t.handler_id, t.claimed_by) AS person,
           coalesce(t.handler_name, t.claimed_name) AS name, t.department, t.status,
           s.working_ms, s.time_limit, coalesce(t.completed_at, t.created_at) AS at,
           (SELECT array_agg(w.level) FROM warnings w WHERE w.subject_id = t.id AND w.subject = 'task') AS levels
      FROM tasks t LEFT JOIN steps s ON s.id = t.id
     WHERE ((t.status = 'open' AND t.claimed_by IS NOT NULL) OR (t.status = 'completed' AND t.handler_id IS NOT NULL))
       AND (${department}::text IS NULL OR t.department = ${department})
       AND (${userId}::text IS NULL OR coalesce(t.handler_id, t.claimed_by) = ${userId})
    UNION ALL
    SELECT s.handler_id, s.handler_name, s.department, 'completed', s.working_ms, s.time_limit, s.completed_at,
           NULL
      FROM steps s
     WHERE s.handler_id IS NOT NULL AND s.status = 'completed'
       AND (${department}::text IS NULL OR s.department = ${department})
       AND (${userId}::text IS NULL OR s.handler_id = ${userId})`.execute(db);
  const { rows: ratings } = await sql<{
    person: string;
    name: string | null;
    level: number;
    deadline_days: number | null;
    rectify_ms: string | number | null;
  }>`
    SELECT r.handler_id AS person, r.handler_name AS name, r.level, r.deadline_days,
           (SELECT s.working_ms FROM steps s WHERE s.case_id = r.rectification_case_id AND s.element_id = 'rectify'
               AND s.status = 'completed' ORDER BY s.completed_at DESC LIMIT 1) AS rectify_ms
      FROM ratings r
     WHERE r.handler_id IS NOT NULL AND NOT r.defaulted
       AND (${department}::text IS NULL OR r.department = ${department})
       AND (${userId}::text IS NULL OR r.handler_id = ${userId})`.execute(db);
  const { rows: transfers } = await sql<{ person: string; n: string | number }>`
    SELECT from_user AS person, count(*) AS n FROM task_transfers
     WHERE from_user IS NOT NULL
       AND (${department}::text IS NULL OR from_department = ${department})
       AND (${userId}::text IS NULL OR from_user = ${userId})
     GROUP BY from_user`.execute(db);

  const people = new Map<
    string,
    { figures: PersonFigures; days: number[]; onTime: number; latest: number }
  >();
  const of = (person: string, name: string | null) => {
    let p = people.get(person);
    if (!p) {
      p = {
        figures: {
          userId: person,
          name: name ?? person,
          department: null,
          openTasks: 0,
          completedTasks: 0,
          meanStepWorkingDays: null,
          p90StepWorkingDays: null,
          stepOnTimeRate: null,
          stepsWithLimit: 0,
          warnedSteps: 0,
          redCardSteps: 0,
          stepWarningRate: null,
          stepRedCardRate: null,
          satisfaction: null,
          ratings: 0,
          badRatings: 0,
          rectified: 0,
          rectifiedOnTime: 0,
          transfers: 0,
        },
        days: [],
        onTime: 0,
        latest: -Infinity,
      };
      people.set(person, p);
    }
    return p;
  };
  for (const t of tasks) {
    const p = of(t.person, t.name);
    const at = new Date(t.at).getTime();
    if (at >= p.latest) {
      p.latest = at;
      p.figures.department = t.department;
      if (t.name) p.figures.name = t.name;
    }
    if (t.status === 'open') {
      p.figures.openTasks++;
      continue;
    }
    p.figures.completedTasks++;
    if (t.working_ms === null) continue;
    const ms = Number(t.working_ms);
    p.days.push(ms / msPerWorkingDay);
    if (t.time_limit !== null) {
      p.figures.stepsWithLimit++;
      if (isOnTime(ms, t.time_limit, msPerWorkingDay)) p.onTime++;
      const levels = (t.levels ?? []) as WarningLevel[];
      if (isWarned(levels)) p.figures.warnedSteps++;
      if (isRedCarded(levels)) p.figures.redCardSteps++;
    }
  }
  const good = new Map<string, number>();
  for (const r of ratings) {
    const p = of(r.person, r.name);
    p.figures.ratings++;
    if (isGoodRating(r.level)) good.set(r.person, (good.get(r.person) ?? 0) + 1);
    if (!isBadRating(r.level)) continue;
    p.figures.badRatings++;
    if (r.rectify_ms === null) continue;
    p.figures.rectified++;
    if (r.deadline_days !== null && isOnTime(Number(r.rectify_ms), r.deadline_days, msPerWorkingDay))
      p.figures.rectifiedOnTime++;
  }
  for (const t of transfers) of(t.person, null).figures.transfers = Number(t.n);
  return [...people.values()]
    .map(({ figures, days, onTime }) => {
      const sorted = days.sort((a, b) => a - b);
      return {
        ...figures,
        meanStepWorkingDays: sorted.length === 0 ? null : sorted.reduce((a, b) => a + b, 0) / sorted.length,
        p90StepWorkingDays: percentileCont(sorted, 0.9),
        stepOnTimeRate: figures.stepsWithLimit === 0 ? null : onTime / figures.stepsWithLimit,
        stepWarningRate: figures.stepsWithLimit === 0 ? null : figures.warnedSteps / figures.stepsWithLimit,
        stepRedCardRate: figures.stepsWithLimit === 0 ? null : figures.redCardSteps / figures.stepsWithLimit,
        satisfaction: figures.ratings === 0 ? null : (good.get(figures.userId) ?? 0) / figures.ratings,
      };
    })
    .sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
}
