/**
 * The holiday calendar's years: the stored ones read and checked, the built-in ones, a schedule given to load
 * checked, and the warning when the horizon is near. Pure or read-only: CalendarService (./calendar-service.ts)
 * keeps them in step and loads years.
 */
import {
  builtinHolidayData,
  checkYearSchedule,
  parseHolidayNotice,
  ScheduleError,
  type WorkingCalendar,
  type YearSchedule,
} from '../../engine/calendar/index.js';
import { sayScheduleError, sayScheduleProblem } from '../problem-text-files.js';
import { Problem } from '../problems.js';
import { calendarYearRows } from '../repositories/calendar-repository.js';
import type { Executor } from '../repositories/executor.js';

/** The horizon closer than this many days is a warning (README: 工作日历 / Holiday calendar horizon). */
export const HORIZON_WARNING_DAYS = 60;
const DAY = 86_400_000;

export interface CalendarWarning {
  code: 'calendar-horizon';
  message: string;
  horizon: string | null;
  /** Days from today to the horizon (negative: it has passed). */
  daysLeft: number;
}

export interface StoredYear extends YearSchedule {
  loadedAt: string;
  loadedBy: string | null;
  /** The system audit entry that loaded it. */
  systemSeq: number;
}

/** The stored years, checked again as they are read (a row edited by hand is refused here, naming it). */
export async function readStoredYears(db: Executor): Promise<StoredYear[]> {
  const rows = await calendarYearRows(db);
  return rows.map((r) => {
    let schedule: YearSchedule;
    try {
      schedule = checkYearSchedule(r.year, { holidays: r.holidays, workdays: r.workdays });
    } catch (error) {
      throw new Error(
        `the stored holiday schedule of ${r.year} (table calendar_years) is not valid: ${(error as Error).message}; load it again (PUT /api/calendar/years/${r.year})`,
      );
    }
    return {
      ...schedule,
      loadedAt: r.loaded_at.toISOString(),
      loadedBy: r.loaded_by,
      systemSeq: r.system_seq,
    };
  });
}

/**
 * A calendar with the stored years (for tools working on a database without a node: audit verification). A
 * database not migrated this far has none: `base` as it is.
 */
export async function storedCalendar(db: Executor, base: WorkingCalendar): Promise<WorkingCalendar> {
  try {
    return base.withYears(await readStoredYears(db));
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') return base; // no calendar_years table
    throw error;
  }
}

/** The built-in (chinese-days) dates of a year. */
export function builtinYear(year: number): { holidays: string[]; workdays: string[] } {
  const data = builtinHolidayData();
  const prefix = `${year}-`;
  return {
    holidays: data.holidays.filter((d) => d.startsWith(prefix)),
    workdays: data.workdays.filter((d) => d.startsWith(prefix)),
  };
}

/** The warning when the horizon is less than HORIZON_WARNING_DAYS days from `now`, in Chinese then English. */
export function horizonWarnings(calendar: WorkingCalendar, now: number): CalendarWarning[] {
  if (calendar.horizon === null || calendar.horizonEnd === null) return [];
  const daysLeft = Math.floor((calendar.horizonEnd - now) / DAY);
  if (daysLeft >= HORIZON_WARNING_DAYS) return [];
  const next = Number(calendar.horizon.slice(0, 4)) + 1;
  const how = `PUT /api/calendar/years/${next}, npm run calendar -- load ${next}.json`;
  const message =
    daysLeft >= 0
      ? `工作日历的节假日数据只到 ${calendar.horizon}（还有 ${daysLeft} 天）：之后的期限与工作日按普通周一至周五估算，请加载 ${next} 年的节假日安排（${how}） / The holiday calendar ends on ${calendar.horizon} (${daysLeft} days from now): due dates and working days after it are estimated as plain Monday to Friday; load ${next}'s official schedule (${how})`
      : `工作日历的节假日数据已于 ${calendar.horizon} 结束（${-daysLeft} 天前）：此后的期限、工作日与按时办结率均为估算，请加载 ${next} 年的节假日安排（${how}） / The holiday calendar ended on ${calendar.horizon} (${-daysLeft} days ago): due dates, working days and on-time rates after it are estimates; load ${next}'s official schedule (${how})`;
  return [{ code: 'calendar-horizon', message, horizon: calendar.horizon, daysLeft }];
}

/**
 * A year's schedule from JSON `{ holidays, workdays }` or the notice's text (a string), checked; otherwise a 422
 * naming every wrong field (prefixed: `body.` for the API).
 */
export function checkScheduleInput(year: number, input: unknown, fieldPrefix = ''): YearSchedule {
  try {
    if (typeof input === 'string') {
      const dates = parseHolidayNotice(input, year);
      return checkYearSchedule(year, { holidays: dates.holidays, workdays: dates.workdays });
    }
    return checkYearSchedule(year, input);
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    throw new Problem(
      422,
      'invalid-calendar-year',
      `${year}'s holiday schedule is not valid`,
      sayScheduleError(year, error),
      error.errors.map((e) => ({
        // the schedule as a whole: `body` for the API
        field: e.field === '(body)' ? fieldPrefix.replace(/\.$/, '') || e.field : `${fieldPrefix}${e.field}`,
        message: sayScheduleProblem(year, e),
      })),
    );
  }
}
