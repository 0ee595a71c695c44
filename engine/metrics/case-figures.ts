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
 * - A 一件事 (a master calling department processes by call activities) is ONE case: a called process runs as a
 *   scope inside its caller's case, so its steps and in-person trips are the master's, and the master's working
 *   time spans the departments' work it waits for. Department cases reached by messages between cases are cases
 *   of their own (their trips count on them). The static counterpart is countOver in static-metrics.ts.
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

/** A good rating (满意, counted in satisfaction): level 4 or 5. */
export const isGoodRating = (level: number): boolean => level >= 4;

/** A bad rating (差评, starts a rectification): level 1 or 2. */
export const isBadRating = (level: number): boolean => level <= 2;
