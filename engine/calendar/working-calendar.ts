/** The working calendar: working time between instants, due instants N working days ahead, pause exclusion. */
import {
  builtinHolidayData,
  dateOfDayNumber,
  dayNumberOfDate,
  type HolidayData,
  type HolidayDataJson,
  loadCalendarData,
  yearsOfData,
} from './holiday-data.js';
import { WorkingDayTable } from './working-day-table.js';
import { DEFAULT_WORKING_HOURS, WorkingHours, type WorkingPeriod } from './working-hours.js';
import { type YearSchedule, yearScheduleData } from './year-schedule.js';

const MS_PER_DAY = 86_400_000;

export interface CalendarOptions {
  /** Extra holidays (`YYYY-MM-DD`), applied last: they override the built-in and `data` sets. */
  holidays?: readonly string[];
  /** Extra adjusted working days, 调休 (`YYYY-MM-DD`), applied last. */
  workdays?: readonly string[];
  /** Further holiday data sets (JSON format: see README.md), applied in order after the built-in data. */
  data?: ReadonlyArray<HolidayData | HolidayDataJson>;
  /**
   * Official schedules of whole years (checked with `checkYearSchedule`), applied after `data`: each replaces
   * what the built-in data and `data` said about its year.
   */
  years?: readonly YearSchedule[];
  /** Use China's holidays shipped by `chinese-days` (2004–2026 in 1.5.7). Default true. */
  builtinData?: boolean;
  /** Offset of the calendar's time zone from UTC in minutes. Default 480 (Asia/Shanghai, UTC+8, no DST). */
  utcOffsetMinutes?: number;
  /** Working periods of a working day. Default 09:00–12:00 and 13:00–17:00 (7 h = 1 working day). */
  workingHours?: readonly WorkingPeriod[];
}

/** A paused interval `[startMs, endMs]` (e.g. time spent in a `gov:pausesClock` node). */
export type PauseInterval = readonly [startMs: number, endMs: number];

/**
 * A working calendar. Every instant is epoch milliseconds (a number, as `Date.getTime()` gives); calendar
 * days and clock times are read in the calendar's time zone. All methods are pure and O(1) or O(log n),
 * except `workingMsBetweenExcluding`, which is O(p log p) in the number of pauses.
 */
export interface WorkingCalendar {
  /** Working ms in one working day (7 h = 25,200,000 by default). */
  readonly msPerWorkingDay: number;
  /** Whether a date (`YYYY-MM-DD`) or the day of an instant (ms) is a working day. */
  isWorkingDay(day: string | number): boolean;
  /** Whether an instant lies inside working hours of a working day. */
  isWorkingTime(ms: number): boolean;
  /** Working ms between two instants (inside working hours of working days only); 0 if to ≤ from. */
  workingMsBetween(fromMs: number, toMs: number): number;
  /** `workingMsBetween / msPerWorkingDay`: a real number (3.5 h = 0.5 day by default). */
  workingDaysBetween(fromMs: number, toMs: number): number;
  /** Working ms between two instants minus the working time inside the pauses (which may overlap). */
  workingMsBetweenExcluding(fromMs: number, toMs: number, pauses: readonly PauseInterval[]): number;
  /** Working days between two instants excluding pauses: `workingMsBetweenExcluding / msPerWorkingDay`. */
  workingDaysBetweenExcluding(fromMs: number, toMs: number, pauses: readonly PauseInterval[]): number;
  /** The earliest instant by which `ms` of working time has elapsed since `fromMs`; `fromMs` itself if ms = 0. */
  addWorkingMs(fromMs: number, ms: number): number;
  /**
   * The due instant `days` working days after `fromMs` (fractional allowed): `addWorkingMs(fromMs,
   * round(days × msPerWorkingDay))`. Examples with the defaults: Friday 10:00 + 1 = Monday 10:00;
   * Friday 17:30 + 1 = Monday 17:00 (counting starts at Monday 09:00, the day has fully elapsed at 17:00);
   * Friday 10:00 + 0.5 = Friday 14:30 (3.5 h, lunch excluded). `workingDaysBetween(from, result)` gives back
   * `days` (within 1 ms).
   */
  addWorkingDays(fromMs: number, days: number): number;
  /**
   * The last date (`YYYY-MM-DD`) with official holiday data: the end of the run of consecutive years with data
   * that starts at the first one (2026-12-31 with chinese-days 1.5.7 alone); null without any data. Past it
   * the calendar counts plain Monday to Friday, which is only an estimate (the year's holidays are unknown).
   */
  readonly horizon: string | null;
  /** The first instant past the horizon (the next day's 00:00 in the calendar's time zone), ms; null without data. */
  readonly horizonEnd: number | null;
  /** The years with official data, ascending (built-in, `data` and `years`). */
  readonly years: readonly number[];
  /**
   * Whether an instant lies after the horizon's day: a due instant or a working time ending there was
   * computed without that year's holidays, so it is an estimate. False for every instant without any data.
   */
  beyondHorizon(ms: number): boolean;
  /** The same calendar (options, working hours, time zone) with these years' official schedules added last. */
  withYears(years: readonly YearSchedule[]): WorkingCalendar;
}

const checkInstant = (name: string, value: number): void => {
  if (!Number.isFinite(value))
    throw new RangeError(`calendar: ${name} must be a finite number of ms, got ${value}`);
};

/** Merges pauses clipped to [from, to] into disjoint ascending intervals. */
const mergedPauses = (
  fromMs: number,
  toMs: number,
  pauses: readonly PauseInterval[],
): Array<[number, number]> => {
  const clipped: Array<[number, number]> = [];
  for (const [start, end] of pauses) {
    const s = Math.max(start, fromMs);
    const e = Math.min(end, toMs);
    if (e > s) clipped.push([s, e]);
  }
  clipped.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const interval of clipped) {
    const last = merged[merged.length - 1];
    if (last && interval[0] <= last[1]) last[1] = Math.max(last[1], interval[1]);
    else merged.push(interval);
  }
  return merged;
};

/**
 * The holiday data of a calendar's options, the years it covers and its horizon: the last day of the run of
 * consecutive covered years starting at the first (null with no data).
 */
function calendarData(options: CalendarOptions): {
  sets: HolidayData[];
  covered: number[];
  horizonDay: number | null;
} {
  const sets: HolidayData[] = [];
  if (options.builtinData !== false) sets.push(builtinHolidayData());
  for (const set of options.data ?? []) {
    const data = loadCalendarData(set as HolidayDataJson);
    const years = (set as HolidayData).years;
    sets.push(Array.isArray(years) ? { ...data, years: [...years] } : data);
  }
  for (const schedule of options.years ?? []) sets.push(yearScheduleData(schedule));
  // the years with data: individual `holidays` / `workdays` below adjust days, they do not cover years
  const covered = [...new Set(sets.flatMap(yearsOfData))].sort((a, b) => a - b);
  let last = covered.length > 0 ? covered[0] : null;
  while (last !== null && covered.includes(last + 1)) last += 1;
  const horizonDay = last === null ? null : Date.UTC(last + 1, 0, 1) / MS_PER_DAY - 1;
  if (options.holidays || options.workdays) {
    sets.push(
      loadCalendarData({ holidays: [...(options.holidays ?? [])], workdays: [...(options.workdays ?? [])] }),
    );
  }
  return { sets, covered, horizonDay };
}

/** Creates a working calendar; with no options: China's working days, 09:00–12:00 and 13:00–17:00 UTC+8. */
export const createCalendar = (options: CalendarOptions = {}): WorkingCalendar => {
  const { sets, covered, horizonDay } = calendarData(options);
  const table = new WorkingDayTable(sets);
  const hours = new WorkingHours(options.workingHours ?? DEFAULT_WORKING_HOURS);
  const offsetMinutes = options.utcOffsetMinutes ?? 480;
  checkInstant('utcOffsetMinutes', offsetMinutes);
  const offsetMs = offsetMinutes * 60_000;
  const perDay = hours.msPerDay;

  const dayOf = (ms: number): number => Math.floor((ms + offsetMs) / MS_PER_DAY);

  /** Working ms from 1970-01-01 00:00 local time up to the instant (negative before); a non-decreasing function. */
  const workedSinceEpoch = (ms: number): number => {
    const day = dayOf(ms);
    const clock = ms + offsetMs - day * MS_PER_DAY;
    const today = table.isWorkingDay(day) ? hours.workedBy(clock) : 0;
    return table.workingDaysBefore(day) * perDay + today;
  };

  const workingMsBetween = (fromMs: number, toMs: number): number => {
    checkInstant('fromMs', fromMs);
    checkInstant('toMs', toMs);
    return toMs <= fromMs ? 0 : workedSinceEpoch(toMs) - workedSinceEpoch(fromMs);
  };

  const workingMsBetweenExcluding = (
    fromMs: number,
    toMs: number,
    pauses: readonly PauseInterval[],
  ): number => {
    let total = workingMsBetween(fromMs, toMs);
    if (total === 0) return 0;
    for (const [s, e] of mergedPauses(fromMs, toMs, pauses))
      total -= workedSinceEpoch(e) - workedSinceEpoch(s);
    return total;
  };

  const addWorkingMs = (fromMs: number, ms: number): number => {
    checkInstant('fromMs', fromMs);
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError(`calendar: working time to add must be ≥ 0, got ${ms}`);
    if (ms === 0) return fromMs;
    const target = workedSinceEpoch(fromMs) + ms;
    // The working day in which the target is reached: the one preceded by n working days.
    const n = Math.ceil(target / perDay) - 1;
    const day = table.nthWorkingDay(n, dayOf(fromMs));
    return day * MS_PER_DAY + hours.clockAfter(target - n * perDay) - offsetMs;
  };

  return {
    msPerWorkingDay: perDay,
    horizon: horizonDay === null ? null : dateOfDayNumber(horizonDay),
    years: covered,
    horizonEnd: horizonDay === null ? null : (horizonDay + 1) * MS_PER_DAY - offsetMs,
    beyondHorizon: (ms) => horizonDay !== null && dayOf(ms) > horizonDay,
    withYears: (years) => createCalendar({ ...options, years: [...(options.years ?? []), ...years] }),
    isWorkingDay: (day) => table.isWorkingDay(typeof day === 'string' ? dayNumberOfDate(day) : dayOf(day)),
    isWorkingTime: (ms) => {
      const day = dayOf(ms);
      return table.isWorkingDay(day) && hours.isWorkingClock(ms + offsetMs - day * MS_PER_DAY);
    },
    workingMsBetween,
    workingDaysBetween: (fromMs, toMs) => workingMsBetween(fromMs, toMs) / perDay,
    workingMsBetweenExcluding,
    workingDaysBetweenExcluding: (fromMs, toMs, pauses) =>
      workingMsBetweenExcluding(fromMs, toMs, pauses) / perDay,
    addWorkingMs,
    addWorkingDays: (fromMs, days) => {
      if (!(days >= 0) || !Number.isFinite(days))
        throw new RangeError(`calendar: days must be ≥ 0, got ${days}`);
      return addWorkingMs(fromMs, Math.round(days * perDay));
    },
  };
};

/** A calendar whose answers can be switched to another one while in use: a node's calendar when a year is loaded. */
export interface LiveCalendar extends WorkingCalendar {
  /** The calendar answering now. */
  readonly current: WorkingCalendar;
  /** Answers with `next` from now on (same working hours: msPerWorkingDay must not change). */
  replace(next: WorkingCalendar): void;
}

/** Wraps a calendar so that its holder can switch it; everyone holding the wrapper sees the switch at once. */
export const createLiveCalendar = (initial: WorkingCalendar): LiveCalendar => {
  let current = initial;
  return {
    get current() {
      return current;
    },
    replace(next) {
      if (next.msPerWorkingDay !== current.msPerWorkingDay)
        throw new Error(
          `calendar: a live calendar keeps its working-day length (${current.msPerWorkingDay} ms), got ${next.msPerWorkingDay} ms`,
        );
      current = next;
    },
    get msPerWorkingDay() {
      return current.msPerWorkingDay;
    },
    get horizon() {
      return current.horizon;
    },
    get horizonEnd() {
      return current.horizonEnd;
    },
    get years() {
      return current.years;
    },
    beyondHorizon: (ms) => current.beyondHorizon(ms),
    withYears: (years) => current.withYears(years),
    isWorkingDay: (day) => current.isWorkingDay(day),
    isWorkingTime: (ms) => current.isWorkingTime(ms),
    workingMsBetween: (fromMs, toMs) => current.workingMsBetween(fromMs, toMs),
    workingDaysBetween: (fromMs, toMs) => current.workingDaysBetween(fromMs, toMs),
    workingMsBetweenExcluding: (fromMs, toMs, pauses) =>
      current.workingMsBetweenExcluding(fromMs, toMs, pauses),
    workingDaysBetweenExcluding: (fromMs, toMs, pauses) =>
      current.workingDaysBetweenExcluding(fromMs, toMs, pauses),
    addWorkingMs: (fromMs, ms) => current.addWorkingMs(fromMs, ms),
    addWorkingDays: (fromMs, days) => current.addWorkingDays(fromMs, days),
  };
};

/** Whether a calendar is a live one (its holder can switch it). */
export const isLiveCalendar = (calendar: WorkingCalendar): calendar is LiveCalendar =>
  typeof (calendar as Partial<LiveCalendar>).replace === 'function';

let defaultCalendar: WorkingCalendar | undefined;

/** The shared calendar with the default options (built once, on first use). */
export const getDefaultCalendar = (): WorkingCalendar => {
  defaultCalendar ??= createCalendar();
  return defaultCalendar;
};
