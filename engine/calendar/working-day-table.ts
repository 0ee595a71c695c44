/** Which calendar days are working days, with a cumulative count so that counting working days is O(1). */
import { type HolidayData, mergeHolidayData } from './holiday-data.js';

// Day numbers count days since 1970-01-01 (a Thursday) in the calendar's time zone.
const YEAR_START = (year: number): number => Date.UTC(year, 0, 1) / 86_400_000;

/** Mon–Fri days among day numbers [0, d), for any integer d (negative gives a negative count). */
const weekdaysBefore = (d: number): number => {
  const weeks = Math.floor(d / 7);
  // Days 0..6 of a week starting on a Thursday: Thu Fri Sat Sun Mon Tue Wed.
  const WEEKDAYS_IN_FIRST = [0, 1, 2, 2, 2, 3, 4, 5];
  return weeks * 5 + WEEKDAYS_IN_FIRST[d - weeks * 7];
};

/** Whether a day number falls on Monday to Friday. */
const isWeekday = (d: number): boolean => {
  const dow = (((d + 4) % 7) + 7) % 7; // 0 = Sunday
  return dow >= 1 && dow <= 5;
};

/**
 * The working days of the calendar. Inside the years covered by the holiday data (whole years, from the
 * first to the last year any data set mentions — 2004–2026 with chinese-days 1.5.7) a table records each
 * day and a prefix sum of the difference from the plain Mon–Fri rule. Beyond those years there is no data:
 * the calendar falls back to plain Mon–Fri (statutory holidays of later years are unknown until added).
 */
export class WorkingDayTable {
  private readonly first: number;
  private readonly working: Uint8Array;
  /** adjust[i]: (working days − Mon–Fri days) among table days [0, i). */
  private readonly adjust: Int32Array;

  constructor(sets: readonly HolidayData[]) {
    const kinds = mergeHolidayData(sets);
    const days = [...kinds.keys()];
    if (days.length === 0) {
      this.first = 0;
      this.working = new Uint8Array(0);
      this.adjust = new Int32Array(1);
      return;
    }
    const firstYear = new Date(Math.min(...days) * 86_400_000).getUTCFullYear();
    const lastYear = new Date(Math.max(...days) * 86_400_000).getUTCFullYear();
    this.first = YEAR_START(firstYear);
    const length = YEAR_START(lastYear + 1) - this.first;
    this.working = new Uint8Array(length);
    this.adjust = new Int32Array(length + 1);
    for (let i = 0; i < length; i++) {
      const d = this.first + i;
      const kind = kinds.get(d);
      const work = kind === 'workday' || (kind === undefined && isWeekday(d));
      this.working[i] = work ? 1 : 0;
      this.adjust[i + 1] = this.adjust[i] + (work ? 1 : 0) - (isWeekday(d) ? 1 : 0);
    }
  }

  /** Whether day number `d` is a working day. */
  isWorkingDay(d: number): boolean {
    const i = d - this.first;
    return i >= 0 && i < this.working.length ? this.working[i] === 1 : isWeekday(d);
  }

  /** Working days among day numbers [0, d) (negative for d < 0); O(1). */
  workingDaysBefore(d: number): number {
    const i = d - this.first;
    const clamped = i <= 0 ? 0 : Math.min(i, this.working.length);
    return weekdaysBefore(d) + this.adjust[clamped];
  }

  /** The working day `d` with exactly `n` working days before it (`workingDaysBefore(d) === n`); O(log). */
  nthWorkingDay(n: number, near: number): number {
    // Smallest d with workingDaysBefore(d + 1) > n; that d is a working day preceded by n working days.
    const past = (d: number): boolean => this.workingDaysBefore(d + 1) > n;
    let lo = near;
    let step = 16;
    while (past(lo)) {
      lo -= step;
      step *= 2;
    }
    let hi = lo + 16;
    step = 32;
    while (!past(hi)) {
      hi += step;
      step *= 2;
    }
    // Invariant: past(lo) is false, past(hi) is true.
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (past(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}
