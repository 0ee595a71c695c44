/**
 * What a case's end gives: its outcome as the metrics measure it, and perhaps a rating drawn for it; and, for a
 * case still open when the run ends, where it waits.
 */
import type { WorkingCalendar } from '../calendar/index.js';
import type { CaseSnapshot } from '../elements/state.js';
import { caseWorkingMs, oneThingFigures, stepWorkingMs } from '../metrics/case-figures.js';
import type { CaseOutcome } from '../metrics/dynamic-metrics.js';
import type { CompiledParams } from './params.js';
import type { Random } from './random.js';
import type { SimCase } from './sim-case.js';
import type { Rating, SimulatedCase } from './types.js';

const MS_PER_HOUR = 3_600_000;

/** Writes the ended case's status, end, incidents and outcome into what the run returns for it. */
export function recordEnd(c: SimCase, snapshot: CaseSnapshot, end: number, calendar: WorkingCalendar): void {
  const data = c.data;
  data.status = snapshot.status;
  data.endedAt = end;
  if (snapshot.incidents.length > 0)
    data.incidents = snapshot.incidents.map((i) => ({ elementId: i.elementId, message: i.message }));
  data.outcome = caseOutcome(c, snapshot, end, calendar);
}

/**
 * The ended case's outcome, with the case figures' definitions (engine/metrics/case-figures.ts): its working
 * time less paused steps and each step's working time; trips and correction as the engine counted them.
 */
function caseOutcome(
  c: SimCase,
  snapshot: CaseSnapshot,
  end: number,
  calendar: WorkingCalendar,
): CaseOutcome {
  const steps: CaseOutcome['steps'] = [];
  for (const s of c.steps.values()) {
    steps.push({
      elementId: s.record.elementId,
      name: s.record.name,
      status: s.status,
      workingMs: stepWorkingMs(calendar, s.enteredAt, s.completedAt),
      timeLimit: s.record.timeLimit,
    });
  }
  return {
    status: snapshot.status,
    workingMs: caseWorkingMs(calendar, snapshot.startedAt, end, c.steps.values()),
    trips: snapshot.trips,
    corrected: snapshot.corrected,
    steps,
  };
}

/**
 * Whether the completed case is rated and how: the share rated, the level, the delay after its end, and for a
 * share of ratings one step a department did. Draws from `ratings`, and from `ratingSteps` for the step, so
 * the other draws stay the same whatever `stepShare` is.
 */
export function drawRating(
  c: SimCase,
  end: number,
  r: NonNullable<CompiledParams['ratings']>,
  random: { ratings: Random; ratingSteps: Random },
  calendar: WorkingCalendar,
): Rating | null {
  if (random.ratings.next() >= r.share) return null;
  const u = random.ratings.next() * r.cumulative[r.cumulative.length - 1];
  let index = r.cumulative.findIndex((cum) => u < cum);
  if (index < 0) index = r.levels.length - 1;
  const delay = Math.max(0, Math.round(r.delay(random.ratings) * MS_PER_HOUR));
  let elementId: string | undefined;
  if (r.stepShare > 0 && random.ratingSteps.next() < r.stepShare) {
    const rateable = [...c.steps.values()].filter(
      (s) => s.status === 'completed' && s.record.department !== null && !s.pausesClock,
    );
    if (rateable.length > 0)
      elementId = rateable[Math.floor(random.ratingSteps.next() * rateable.length)].record.elementId;
  }
  return {
    caseId: c.data.id,
    level: r.levels[index],
    at: delay === 0 ? end : calendar.addWorkingMs(end, delay),
    ...(elementId === undefined ? {} : { elementId }),
  };
}

/** Counts into `into` the elements an open case waits at: a task, a message, a timer, a signal or a condition. */
export function countWaits(snapshot: CaseSnapshot | null, into: Map<string, number>): void {
  for (const instance of Object.values(snapshot?.activities ?? {})) {
    if (
      instance.wait === 'task' ||
      instance.wait === 'message' ||
      instance.wait === 'timer' ||
      instance.wait === 'signal' ||
      instance.wait === 'conditional'
    ) {
      into.set(instance.elementId, (into.get(instance.elementId) ?? 0) + 1);
    }
  }
}

/**
 * Each master's outcome made its 一件事's (engine/metrics/case-figures.ts `oneThingFigures`): its trips and
 * correction with those of the cases its messages started (`linked`, naming it as root), as they stand now (an
 * open case's from its snapshot). Its working time stays its own.
 */
export function includeLinked(
  cases: SimulatedCase[],
  linked: { data: SimulatedCase; snapshot: CaseSnapshot | null }[],
): void {
  const byRoot = new Map<string, { trips: number; corrected: boolean }[]>();
  for (const { data, snapshot } of linked) {
    if (!data.rootCaseId) continue;
    const tally = snapshot
      ? { trips: snapshot.trips, corrected: snapshot.corrected }
      : { trips: data.outcome.trips, corrected: data.outcome.corrected };
    byRoot.set(data.rootCaseId, [...(byRoot.get(data.rootCaseId) ?? []), tally]);
  }
  for (const master of cases) {
    const tallies = byRoot.get(master.id);
    if (tallies) Object.assign(master.outcome, oneThingFigures(master.outcome, tallies));
  }
}
