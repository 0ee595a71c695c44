/** Holiday data for the working calendar: the JSON format, its validation, the built-in chinese-days data and merging. */
import { createRequire } from 'node:module';

/**
 * Holiday data, as JSON. Dates are `YYYY-MM-DD` (calendar dates in the calendar's time zone):
 *
 * ```json
 * { "holidays": ["2027-01-01", "2027-02-06"], "workdays": ["2027-02-07"] }
 * ```
 *
 * - `holidays`: days off that would otherwise be working days (statutory holidays, 法定节假日);
 * - `workdays`: adjusted working days (调休) that would otherwise be days off (a Saturday or Sunday).
 *
 * Both keys are optional. Any date not listed follows the plain rule: Monday to Friday work, weekends off.
 * Each key may also be an object keyed by date (values ignored), which is how `chinese-days` ships its
 * per-year files (`node_modules/chinese-days/dist/years/2025.json`), so those files load as they are.
 */
export interface HolidayDataJson {
  holidays?: string[] | Record<string, unknown>;
  workdays?: string[] | Record<string, unknown>;
}

/** Validated holiday data: sorted, de-duplicated `YYYY-MM-DD` dates. */
export interface HolidayData {
  readonly holidays: readonly string[];
  readonly workdays: readonly string[];
  /**
   * Whole years this set describes (a year's official schedule): merging drops what earlier sets said about
   * those years first, so a date the set leaves out follows the plain Mon–Fri rule. Without it the set only
   * overrides the dates it lists, and covers the years its dates fall in.
   */
  readonly years?: readonly number[];
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** Day number of a `YYYY-MM-DD` date: days since 1970-01-01; throws if the date is not a real date. */
export const dayNumberOfDate = (date: string): number => {
  const m = DATE_PATTERN.exec(date);
  if (m) {
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const ms = Date.UTC(year, month - 1, day);
    const back = new Date(ms);
    if (back.getUTCFullYear() === year && back.getUTCMonth() === month - 1 && back.getUTCDate() === day) {
      return ms / MS_PER_DAY;
    }
  }
  throw new Error(`calendar: invalid date "${date}", expected YYYY-MM-DD`);
};

/** The `YYYY-MM-DD` date of a day number (days since 1970-01-01). */
export const dateOfDayNumber = (day: number): string => new Date(day * MS_PER_DAY).toISOString().slice(0, 10);

/** The years a data set covers: the ones it declares, else the years its dates fall in. */
export const yearsOfData = (set: HolidayData): number[] =>
  set.years
    ? [...set.years]
    : [...new Set([...set.holidays, ...set.workdays].map((d) => Number(d.slice(0, 4))))].sort(
        (a, b) => a - b,
      );

const dateList = (value: unknown, key: string): string[] => {
  if (value === undefined || value === null) return [];
  const dates = Array.isArray(value) ? value : typeof value === 'object' ? Object.keys(value) : null;
  if (dates === null) throw new Error(`calendar: "${key}" must be an array of YYYY-MM-DD dates`);
  for (const d of dates) {
    if (typeof d !== 'string') throw new Error(`calendar: "${key}" must contain YYYY-MM-DD strings`);
    dayNumberOfDate(d);
  }
  return [...new Set(dates as string[])].sort();
};

/**
 * Validates holiday data given as a JSON object or a JSON string (format: see {@link HolidayDataJson}).
 * Throws an Error naming the offending value if the data is malformed.
 */
export const loadCalendarData = (json: HolidayDataJson | string): HolidayData => {
  const value: unknown = typeof json === 'string' ? JSON.parse(json) : json;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('calendar: holiday data must be an object { "holidays": [...], "workdays": [...] }');
  }
  const record = value as Record<string, unknown>;
  const holidays = dateList(record.holidays, 'holidays');
  const workdays = dateList(record.workdays, 'workdays');
  const clash = holidays.find((d) => workdays.includes(d));
  if (clash) throw new Error(`calendar: ${clash} is listed both as a holiday and as a workday`);
  return { holidays, workdays };
};

let builtin: HolidayData | undefined;

/** China's statutory holidays and 调休 workdays shipped by `chinese-days` (2004–2026 in 1.5.7), read once. */
export const builtinHolidayData = (): HolidayData => {
  if (!builtin) {
    const require = createRequire(import.meta.url);
    builtin = loadCalendarData(require('chinese-days/dist/chinese-days.json') as HolidayDataJson);
  }
  return builtin;
};

/**
 * Merges data sets in order: a later set overrides an earlier one for the dates it lists (a date listed as
 * a holiday later stops being a workday, and the reverse), and a set declaring whole `years` replaces what
 * earlier sets said about those years. Returns the kind of each listed day number.
 */
export const mergeHolidayData = (sets: readonly HolidayData[]): Map<number, 'holiday' | 'workday'> => {
  const kinds = new Map<number, 'holiday' | 'workday'>();
  for (const set of sets) {
    for (const year of set.years ?? []) {
      const first = Date.UTC(year, 0, 1) / MS_PER_DAY;
      const end = Date.UTC(year + 1, 0, 1) / MS_PER_DAY;
      for (const day of [...kinds.keys()]) if (day >= first && day < end) kinds.delete(day);
    }
    for (const d of set.holidays) kinds.set(dayNumberOfDate(d), 'holiday');
    for (const d of set.workdays) kinds.set(dayNumberOfDate(d), 'workday');
  }
  return kinds;
};
