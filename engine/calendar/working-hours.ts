/** The working periods of a working day (09:00–12:00 and 13:00–17:00 by default) and time worked within a day. */

/** A working period as clock times `["HH:MM", "HH:MM"]`, start before end; `"24:00"` allowed as an end. */
export type WorkingPeriod = readonly [start: string, end: string];

/** 09:00–12:00 and 13:00–17:00: 7 working hours. */
export const DEFAULT_WORKING_HOURS: readonly WorkingPeriod[] = [
  ['09:00', '12:00'],
  ['13:00', '17:00'],
];

const CLOCK_PATTERN = /^(\d{2}):(\d{2})$/;

const msOfClock = (clock: string): number => {
  const m = CLOCK_PATTERN.exec(clock);
  const hours = m ? Number(m[1]) : Number.NaN;
  const minutes = m ? Number(m[2]) : Number.NaN;
  if (!(minutes < 60 && (hours < 24 || (hours === 24 && minutes === 0)))) {
    throw new Error(`calendar: invalid clock time "${clock}", expected HH:MM`);
  }
  return (hours * 60 + minutes) * 60_000;
};

/** Working periods of a day as milliseconds since local midnight, with the time worked up to a clock time. */
export class WorkingHours {
  /** Flat [start0, end0, start1, end1, …] in ms since midnight, ascending, non-overlapping. */
  private readonly bounds: number[];
  /** Working ms in a whole working day. */
  readonly msPerDay: number;

  constructor(periods: readonly WorkingPeriod[]) {
    this.bounds = [];
    let previousEnd = -1;
    for (const [start, end] of periods) {
      const s = msOfClock(start);
      const e = msOfClock(end);
      if (s >= e || s < previousEnd) {
        throw new Error(`calendar: working periods must be ascending and non-overlapping (${start}–${end})`);
      }
      this.bounds.push(s, e);
      previousEnd = e;
    }
    let total = 0;
    for (let i = 0; i < this.bounds.length; i += 2) total += this.bounds[i + 1] - this.bounds[i];
    if (total === 0) throw new Error('calendar: a working day needs at least one working period');
    this.msPerDay = total;
  }

  /** Working ms of a working day from midnight up to `clockMs` (ms since midnight, 0 ≤ clockMs ≤ 24 h). */
  workedBy(clockMs: number): number {
    let worked = 0;
    const b = this.bounds;
    for (let i = 0; i < b.length; i += 2) {
      if (clockMs <= b[i]) break;
      worked += Math.min(clockMs, b[i + 1]) - b[i];
    }
    return worked;
  }

  /** The earliest clock time (ms since midnight) by which `worked` ms have been worked, 0 < worked ≤ msPerDay. */
  clockAfter(worked: number): number {
    const b = this.bounds;
    let left = worked;
    for (let i = 0; i < b.length; i += 2) {
      const length = b[i + 1] - b[i];
      if (left <= length) return b[i] + left;
      left -= length;
    }
    return b[b.length - 1];
  }

  /** Whether a clock time (ms since midnight) lies inside a working period (start included, end excluded). */
  isWorkingClock(clockMs: number): boolean {
    const b = this.bounds;
    for (let i = 0; i < b.length; i += 2) if (clockMs >= b[i] && clockMs < b[i + 1]) return true;
    return false;
  }
}
