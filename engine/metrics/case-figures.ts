/**
 * Case figures: what ONE case measures, defined once. The runtime counts trips and marks a correction with
 * these predicates as the case runs; the case service, the bulk writer, the log import and the simulator compute
 * a case's working time with `caseWorkingTime`; audit verification recomputes both from the audit events with
 * the same functions; the version's figures (engine/metrics/dynamic-metrics.ts in memory, the rollups of
 * migration 2026-11-29-002 and server/metrics/dynamic-query.ts in SQL) aggregate them over completed cases.
 *
 * - Trips (跑动次数), a count of visits in person: a case started at a window, each completed `gov:inPerson`
 *   step, and each message (documents) handed in at a window.
 * - Working time (办理时间), in working ms of the calendar (engine/calendar): from the case's start to its end,
 *   minus the working time spent in `gov:pausesClock` steps (the applicant's time, e.g. 补正). Null while the
 *   case is active. Its paused time is the working time of those steps inside the case's span, in working ms.
 * - First-time completion (一次性办结), a yes/no: the case never entered a `gov:correction` step.
 * - On time (按时办结), a yes/no: its working time is at most the committed limit (working days) × the length of
 *   a working day; a step breaches its `gov:timeLimit` when its working time exceeds it.
 * - A 一件事 (one thing) is measured end to end, by one rule (`oneThingFigures`; in SQL the view `case_one_thing`
 *   of migration 2026-12-08-case-links, which the version rollups read):
 *   - Its cases: the master, and every case a message of the master started — or a message of a case so started
 *     (`cases.root_case_id` names the master). A called process (call activity) runs as a scope inside its
 *     caller's case, so its steps and trips are the master's already. A message delivered to a case already
 *     running (an answer) links nothing.
 *   - Working time (一件事用时, `oneThingWorkingMs`), end to end: from the earliest start to the latest end among
 *     its cases (the master and every case linked to it; a called process runs inside its caller's case), in
 *     working ms of the calendar (holidays and 调休 included); null while any of its cases is open. A department
 *     case that ends after its master extends it. It is elapsed working time: the applicant's time in
 *     `gov:pausesClock` steps is not taken out (one case's pause may overlap another case's work), so it is at
 *     least the master's own working time. The case page shows it in working days (÷ the working-day length).
 *   - Trips: the master's plus each linked case's, each case counted once, as they stand when the master's
 *     figures are rolled up (after it completes; a department case that answered has made its trips by then).
 *   - First-time completion: none of its cases entered a correction step.
 *   - On time: the master's working time against the master's committed limit. The version's figures (the
 *     rollups, the simulator's summary) count the master's own working time (`caseWorkingTime`) in their working
 *     days: they are added when the master completes, before a department case that outlives it ends.
 *   - A linked case stays a case of its own process's version (its department's figures count it), but it is not
 *     a case of the master's version: the bundled service's figures count it only through its master. The static
 *     counterpart is countOver in static-metrics.ts.
 */
import type { WorkingCalendar } from '../calendar/working-calendar.js';

/** The channel through which an applicant came in person (a start or a message handed in at a window). */
export const IN_PERSON_CHANNEL = 'window';

/** Whether a start or a message came through a window, i.e. is a trip. */
export const isWindowVisit = (channel: string | null | undefined): boolean => channel === IN_PERSON_CHANNEL;

/** An engine event or an audit event's payload, as far as the case figures read it. */
export interface FigureEvent {
  type: string;
  channel?: string | null;
  step?: { inPerson?: boolean; correction?: boolean };
}

/** Whether an event is one trip (counts 1 to the case's trips): see the definition at the top. */
export function isTrip(event: FigureEvent): boolean {
  switch (event.type) {
    case 'caseStarted':
    case 'messageReceived':
      return isWindowVisit(event.channel);
    case 'stepCompleted':
      return Boolean(event.step?.inPerson);
    default:
      return false;
  }
}

/** A case's trips (a count) over its events, in any order. */
export function countTrips(events: Iterable<FigureEvent>): number {
  let trips = 0;
  for (const event of events) if (isTrip(event)) trips++;
  return trips;
}

/** A case's own trips and correction, as the 一件事 rule reads them. */
export interface CaseTally {
  trips: number;
  corrected: boolean;
}

/**
 * A master's figures over its 一件事 (see the top): its trips plus each linked case's, and corrected when any of
 * them was. Its working time end to end is `oneThingWorkingMs`.
 */
export function oneThingFigures(master: CaseTally, linked: Iterable<CaseTally>): CaseTally {
  let { trips, corrected } = master;
  for (const c of linked) {
    trips += c.trips;
    corrected ||= c.corrected;
  }
  return { trips, corrected };
}

/** A case's span as the 一件事's working time reads it, in ms since the epoch; `endedAt` null while it is open. */
export interface CaseSpan {
  startedAt: number;
  endedAt: number | null;
}

/**
 * A 一件事's working time end to end (see the top): from the earliest start to the latest end among its cases, in
 * working ms; null while any of them is open (or when there is none).
 */
export function oneThingWorkingMs(
  calendar: Pick<WorkingCalendar, 'workingMsBetween'>,
  cases: Iterable<CaseSpan>,
): number | null {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const c of cases) {
    if (c.endedAt === null) return null;
    start = Math.min(start, c.startedAt);
    end = Math.max(end, c.endedAt);
  }
  return start <= end ? calendar.workingMsBetween(start, end) : null;
}

/** Whether an event makes the case not first time: it enters a `gov:correction` step. */
export const isCorrection = (event: FigureEvent): boolean =>
  event.type === 'stepEntered' && Boolean(event.step?.correction);

/** First-time completion of a case: it never reached a correction (`corrected` false). */
export const isFirstTime = (c: { corrected: boolean }): boolean => !c.corrected;

/** A step as its working time needs it: times in ms since the epoch; `completedAt` null while it is open. */
export interface TimedStep {
  enteredAt: number;
  completedAt: number | null;
  pausesClock: boolean;
}

/** The intervals a case's clock is paused: its `gov:pausesClock` steps, an open one until `end`. */
export function pausesOf(steps: Iterable<TimedStep>, end: number): [number, number][] {
  const pauses: [number, number][] = [];
  for (const s of steps) if (s.pausesClock) pauses.push([s.enteredAt, s.completedAt ?? end]);
  return pauses;
}

/** A case's working time from `startedAt` to `end` less its paused steps, in working ms. */
export const caseWorkingMs = (
  calendar: Pick<WorkingCalendar, 'workingMsBetweenExcluding'>,
  startedAt: number,
  end: number,
  steps: Iterable<TimedStep>,
): number => calendar.workingMsBetweenExcluding(startedAt, end, pausesOf(steps, end));

/**
 * A case's working time (`workingMs`) and paused time (`pausedMs`, the working time its paused steps took
 * inside its span), both in working ms, from `startedAt` to `end`.
 */
export function caseWorkingTime(
  calendar: Pick<WorkingCalendar, 'workingMsBetween' | 'workingMsBetweenExcluding'>,
  startedAt: number,
  end: number,
  steps: Iterable<TimedStep>,
): { workingMs: number; pausedMs: number } {
  const workingMs = caseWorkingMs(calendar, startedAt, end, steps);
  return { workingMs, pausedMs: calendar.workingMsBetween(startedAt, end) - workingMs };
}

/** A step's own working time, in working ms; null while it is open. */
export const stepWorkingMs = (
  calendar: Pick<WorkingCalendar, 'workingMsBetween'>,
  enteredAt: number,
  completedAt: number | null,
): number | null => (completedAt === null ? null : calendar.workingMsBetween(enteredAt, completedAt));

/** Done within the committed limit: working time ≤ limit × working-day length (a case exactly on it is on time). */
export const isOnTime = (workingMs: number, limitDays: number, msPerWorkingDay: number): boolean =>
  workingMs <= limitDays * msPerWorkingDay;

/** A step breaches its `gov:timeLimit` when its working time exceeds limit × working-day length. */
export const isBreach = (workingMs: number, limitDays: number | null, msPerWorkingDay: number): boolean =>
  limitDays !== null && workingMs > limitDays * msPerWorkingDay;

/**
 * Electronic supervision (电子监察): a card on a time limit. A step's (task's) limit is its `gov:timeLimit`, a
 * case's its process's promised `gov:timeLimit`; the working time used is `stepWorkingMs`-like for a task (its
 * own span) and `caseWorkingMs` for a case (paused steps excluded). Yellow (黄牌预警) once the share used reaches
 * `warnAt` (default DEFAULT_WARN_AT), red (红牌) once the limit is exceeded — `isBreach`, the same test as an
 * overdue step. A limit of 0 working days (即办件) gets no cards.
 */
export type WarningLevel = 'yellow' | 'red';

/** The share of a limit at which a yellow card is raised when neither the model nor REFLOW_WARN_AT says. */
export const DEFAULT_WARN_AT = 0.8;

/** The working ms of a limit at which a level is reached: yellow at ⌈warnAt × limit⌉, red 1 ms past the limit. */
export function warningThresholdMs(
  level: WarningLevel,
  limitDays: number,
  msPerWorkingDay: number,
  warnAt: number,
): number {
  const limitMs = limitDays * msPerWorkingDay;
  // rounded to µs first: 0.8 × 3 × 25,200,000 is 60,480,000.00000001 in floating point, not a ms more
  return level === 'red' ? Math.floor(limitMs) + 1 : Math.ceil(Math.round(warnAt * limitMs * 1000) / 1000);
}

/** The levels reached after `usedMs` working ms of a limit, lowest first. */
export function warningLevels(
  usedMs: number,
  limitDays: number,
  msPerWorkingDay: number,
  warnAt: number,
): WarningLevel[] {
  if (!(limitDays > 0)) return [];
  const levels: WarningLevel[] = [];
  if (usedMs >= warningThresholdMs('yellow', limitDays, msPerWorkingDay, warnAt)) levels.push('yellow');
  if (isBreach(usedMs, limitDays, msPerWorkingDay)) levels.push('red');
  return levels;
}

/**
 * A case's cards (电子监察 figures `warningRate`, `redCardRate`): a case is warned (亮牌) when it or one of its tasks
 * got a card of any level, red-carded (红牌) when one of them was red. `levels`: every card raised on the case and
 * on its tasks, cleared or not.
 */
export const isWarned = (levels: readonly WarningLevel[]): boolean => levels.length > 0;
export const isRedCarded = (levels: readonly WarningLevel[]): boolean => levels.includes('red');

/** The share of a limit used (1 = all of it), rounded to 4 decimals: what a card shows. */
export const usedShare = (usedMs: number, limitDays: number, msPerWorkingDay: number): number =>
  limitDays > 0 ? Math.round((usedMs / (limitDays * msPerWorkingDay)) * 10_000) / 10_000 : 0;
/** A good rating (满意, counted in satisfaction): level 4 or 5. */
export const isGoodRating = (level: number): boolean => level >= 4;

/** A bad rating (差评, starts a rectification): level 1 or 2. */
export const isBadRating = (level: number): boolean => level <= 2;
