/**
 * A year's official schedule (国务院办公厅关于某年部分节假日安排的通知): its holidays and 调休 workdays, checked
 * strictly before it reaches a calendar, and read from the notice's own text.
 */
import { dateOfDayNumber, dayNumberOfDate, type HolidayData } from './holiday-data.js';

/** One year's official schedule: every day off (放假) and every adjusted working day (调休上班) of that year. */
export interface YearSchedule {
  readonly year: number;
  /** Days off, sorted: the notice's holiday periods (weekend days inside a period may be listed or not). */
  readonly holidays: readonly string[];
  /** Adjusted working days, sorted: each a Saturday or a Sunday. */
  readonly workdays: readonly string[];
}

/**
 * Why a schedule or a notice's text is refused, with the values a message names: the English message is
 * written here, other languages are written from the reason (server/problem-text-files.ts, in Chinese).
 */
export type ScheduleReason =
  | { code: 'yearOutOfRange'; min: number; max: number }
  | { code: 'notAnObject' }
  | { code: 'unknownKey'; key: string }
  | { code: 'notAList'; key: string }
  | { code: 'noHolidays' }
  | { code: 'notADate'; value: string }
  | { code: 'noSuchDate'; date: string }
  | { code: 'otherYear'; date: string }
  | { code: 'listedTwice'; date: string; first: string }
  | { code: 'alsoHoliday'; date: string }
  | { code: 'weekdayWorkday'; date: string; weekday: number }
  | { code: 'allOnWeekends' }
  | { code: 'noticeOfOtherYear'; noticeYear: number }
  | { code: 'noMonth'; sentence: string; text: string }
  | { code: 'noticeNoSuchDate'; sentence: string; text: string }
  | { code: 'weekdayMismatch'; sentence: string; date: string; weekday: number; said: string }
  | { code: 'periodBackwards'; sentence: string; start: string; end: string }
  | { code: 'dayCountMismatch'; sentence: string; said: number; first: string; last: string; count: number }
  | { code: 'noDaysOff' };

/** One offending field (`holidays[2]`, `workdays`, `year`, `notice`…): its English message and why. */
export interface ScheduleProblem {
  field: string;
  message: string;
  reason: ScheduleReason;
}

/** What is wrong with a schedule, one entry per offending field. */
export class ScheduleError extends Error {
  constructor(
    message: string,
    readonly errors: ScheduleProblem[],
  ) {
    super(message);
  }
}

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** 0 = Sunday … 6 = Saturday. */
const dayOfWeek = (day: number): number => (((day + 4) % 7) + 7) % 7;
const isWeekend = (day: number): boolean => dayOfWeek(day) === 0 || dayOfWeek(day) === 6;

/** Years a schedule may be given for. */
export const MIN_SCHEDULE_YEAR = 1970;
export const MAX_SCHEDULE_YEAR = 9999;

/** A date of a schedule's list, with its day number and the field that gave it. */
interface ListedDate {
  date: string;
  day: number;
  field: string;
}

/** The valid dates of one list (`holidays` or `workdays`): each a YYYY-MM-DD date of `year`, listed once. */
function listedDates(
  year: number,
  key: 'holidays' | 'workdays',
  list: unknown[],
  fail: (field: string, message: string, reason: ScheduleReason) => void,
): ListedDate[] {
  const dates: ListedDate[] = [];
  const seen = new Map<string, number>();
  list.forEach((date, i) => {
    const field = `${key}[${i}]`;
    if (typeof date !== 'string' || !DATE_PATTERN.test(date)) {
      fail(field, `${field} is ${JSON.stringify(date)}, not a date as YYYY-MM-DD (e.g. "${year}-10-01")`, {
        code: 'notADate',
        value: JSON.stringify(date) ?? String(date),
      });
      return;
    }
    let day: number;
    try {
      day = dayNumberOfDate(date);
    } catch {
      fail(field, `${field} is ${date}, which is not a date of the calendar`, { code: 'noSuchDate', date });
      return;
    }
    if (date.slice(0, 4) !== String(year).padStart(4, '0')) {
      fail(field, `${field} is ${date}, not in ${year}: each year's schedule holds only that year's dates`, {
        code: 'otherYear',
        date,
      });
      return;
    }
    const first = seen.get(date);
    if (first !== undefined) {
      fail(field, `${field} is ${date}, listed already as ${key}[${first}]`, {
        code: 'listedTwice',
        date,
        first: `${key}[${first}]`,
      });
      return;
    }
    seen.set(date, i);
    dates.push({ date, day, field });
  });
  return dates;
}

/**
 * Checks a year's schedule given as `{ "holidays": [dates], "workdays": [dates] }` and returns it sorted.
 * Refused, each naming its field: a key other than those two, a missing or empty `holidays` (every year has
 * 元旦 and 春节), a value that is not an array of `YYYY-MM-DD` strings, a date that does not exist or lies in
 * another year, a date listed twice, a date both a holiday and a workday, a workday on Monday to Friday (it
 * is a working day already: a 调休 workday is a Saturday or a Sunday), and holidays that all fall on weekends
 * (they would change nothing: the dates are most likely shifted). A holiday on a weekend is allowed: notices
 * list whole periods, weekends included. Every problem is reported, not just the first.
 */
export function checkYearSchedule(year: number, value: unknown): YearSchedule {
  const errors: ScheduleProblem[] = [];
  const fail = (field: string, message: string, reason: ScheduleReason) =>
    errors.push({ field, message, reason });
  if (!Number.isInteger(year) || year < MIN_SCHEDULE_YEAR || year > MAX_SCHEDULE_YEAR) {
    fail('year', `year ${year} is not a year from ${MIN_SCHEDULE_YEAR} to ${MAX_SCHEDULE_YEAR}`, {
      code: 'yearOutOfRange',
      min: MIN_SCHEDULE_YEAR,
      max: MAX_SCHEDULE_YEAR,
    });
    throw new ScheduleError(errors[0].message, errors);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const message = `a year's schedule is an object { "holidays": ["${year}-01-01", …], "workdays": [… ] }`;
    throw new ScheduleError(message, [{ field: '(body)', message, reason: { code: 'notAnObject' } }]);
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'holidays' && key !== 'workdays')
      fail(key, `'${key}' is not part of a year's schedule: give only "holidays" and "workdays"`, {
        code: 'unknownKey',
        key,
      });
  }
  const lists: Record<'holidays' | 'workdays', ListedDate[]> = { holidays: [], workdays: [] };
  for (const key of ['holidays', 'workdays'] as const) {
    const list = record[key];
    if (list === undefined && key === 'workdays') continue;
    if (!Array.isArray(list)) {
      fail(key, `${key} must be an array of ${year}'s dates as YYYY-MM-DD strings`, {
        code: 'notAList',
        key,
      });
      continue;
    }
    if (key === 'holidays' && list.length === 0)
      fail(key, `holidays is empty: every year's schedule has days off (元旦, 春节…); list them`, {
        code: 'noHolidays',
      });
    lists[key] = listedDates(year, key, list, fail);
  }
  const holidays = new Set(lists.holidays.map((h) => h.date));
  for (const w of lists.workdays) {
    if (holidays.has(w.date))
      fail(w.field, `${w.field} is ${w.date}, which is listed as a holiday too`, {
        code: 'alsoHoliday',
        date: w.date,
      });
    else if (!isWeekend(w.day))
      fail(
        w.field,
        `${w.field} is ${w.date}, a ${WEEKDAY_NAMES[dayOfWeek(w.day)]}: a working day already; a 调休 workday is a Saturday or a Sunday`,
        { code: 'weekdayWorkday', date: w.date, weekday: dayOfWeek(w.day) },
      );
  }
  if (lists.holidays.length > 0 && lists.holidays.every((h) => isWeekend(h.day)))
    fail(
      'holidays',
      `every holiday of ${year} falls on a Saturday or a Sunday, so the schedule would change nothing: are the dates shifted, or of another year?`,
      { code: 'allOnWeekends' },
    );
  if (errors.length > 0) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new ScheduleError(`${year}'s schedule is not valid: ${errors[0].message}${more}`, errors);
  }
  const sorted = (key: 'holidays' | 'workdays') => lists[key].map((d) => d.date).sort();
  return { year, holidays: sorted('holidays'), workdays: sorted('workdays') };
}

/** A year's schedule as calendar data: it replaces whatever earlier data said about its year. */
export const yearScheduleData = (schedule: YearSchedule): HolidayData => ({
  holidays: schedule.holidays,
  workdays: schedule.workdays,
  years: [schedule.year],
});

// ── the notice's text ──────────────────────────────────────────────────────────────────────────────────

/** What a notice's text gave: the dates, and the sentences with dates that were not read as days off or workdays. */
export interface NoticeDates {
  holidays: string[];
  workdays: string[];
  /** Sentences naming dates that neither give days off (放假) nor working days (上班), e.g. 鼓励…除夕休息. */
  ignored: string[];
}

const CHINESE_WEEKDAYS: Record<string, number> = { 日: 0, 天: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6 };
/** A date as notices write it: [YYYY年][M月]D日, then maybe a parenthesis naming its weekday (（周四）, （农历除夕、星期二）). */
const NOTICE_DATE = /(?:(\d{4})\s*年\s*)?(?:(\d{1,2})\s*月\s*)?(\d{1,2})\s*日(?:\s*[（(]([^）)]*)[）)])?/g;
const RANGE_WORD = /至|到|—|–|－|~|～/;

interface NoticeDate {
  date: string;
  day: number;
  /** Where the date starts and ends in its sentence. */
  start: number;
  end: number;
}

/** The dates a sentence of a notice names, each checked (a month given, a real date, the weekday it says). */
function sentenceDates(
  sentence: string,
  year: number,
  fail: (message: string, reason: ScheduleReason) => void,
): NoticeDate[] {
  const dates: NoticeDate[] = [];
  let month: number | null = null;
  let dateYear = year;
  for (const m of sentence.matchAll(NOTICE_DATE)) {
    if (m[1]) dateYear = Number(m[1]);
    if (m[2]) month = Number(m[2]);
    if (month === null) {
      fail(`「${sentence}」: "${m[0]}" has no month`, { code: 'noMonth', sentence, text: m[0] });
      continue;
    }
    const date = `${String(dateYear).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Number(m[3])).padStart(2, '0')}`;
    let day: number;
    try {
      day = dayNumberOfDate(date);
    } catch {
      const text = `${dateYear}年${month}月${m[3]}日`;
      fail(`「${sentence}」: ${text} is not a date`, { code: 'noticeNoSuchDate', sentence, text });
      continue;
    }
    const said = m[4] ? /(?:周|星期|礼拜)([日天一二三四五六])/.exec(m[4]) : null;
    if (said && CHINESE_WEEKDAYS[said[1]] !== dayOfWeek(day))
      fail(
        `「${sentence}」: ${date} is a ${WEEKDAY_NAMES[dayOfWeek(day)]}, but the notice says ${said[0]}: is the notice of another year than ${year}?`,
        { code: 'weekdayMismatch', sentence, date, weekday: dayOfWeek(day), said: said[0] },
      );
    dates.push({ date, day, start: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
  }
  return dates;
}

/**
 * Reads a year's days off and 调休 workdays from the text of the State Council notice (国务院办公厅关于某年部分节假日
 * 安排的通知), as published: sentences like `春节：2月15日（周日）至23日（周一）放假调休，共9天。2月14日（周六）、
 * 2月28日（周六）上班。`. A sentence with 放假 gives days off (a range `A至B`, or single dates), one with 上班
 * gives workdays; other sentences are only reported (`ignored`). Checked as it reads: a weekday in parentheses
 * must be that date's weekday in `year` (a notice of another year fails here), `共N天` / `放假N天` must match the
 * range, and a notice title naming another year is refused. Dates without a year are of `year`. The result is
 * not yet checked as a schedule: pass it to `checkYearSchedule`.
 */
export function parseHolidayNotice(text: string, year: number): NoticeDates {
  const normalized = text.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xff10 + 48));
  const errors: ScheduleProblem[] = [];
  const fail = (message: string, reason: ScheduleReason) => errors.push({ field: 'notice', message, reason });
  const title = /关于\s*(\d{4})\s*年\s*部分节假日安排/.exec(normalized);
  if (title && Number(title[1]) !== year)
    throw new ScheduleError(`the notice is for ${title[1]}, not ${year}`, [
      {
        field: 'notice',
        message: `the notice's title names ${title[1]}, not ${year}: load it as ${title[1]}`,
        reason: { code: 'noticeOfOtherYear', noticeYear: Number(title[1]) },
      },
    ]);
  const holidays = new Set<string>();
  const workdays = new Set<string>();
  const ignored: string[] = [];
  const sentences = normalized
    .split(/[。\n\r]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const sentence of sentences) {
    const dates = sentenceDates(sentence, year, fail);
    if (dates.length === 0) continue;
    const offAt = sentence.indexOf('放假');
    const workAt = sentence.lastIndexOf('上班');
    if (offAt < 0 && workAt < 0) {
      ignored.push(sentence);
      continue;
    }
    // 上班: the dates before it (and after the days off, when the sentence gives both)
    if (workAt >= 0)
      for (const d of dates) if (d.end <= workAt && (offAt < 0 || d.start > offAt)) workdays.add(d.date);
    if (offAt < 0) continue;
    const stated = dates.filter((d) => d.end <= offAt);
    if (stated.length === 0) {
      if (workAt < 0) ignored.push(sentence);
      continue;
    }
    const days: string[] = [];
    if (stated.length === 2 && RANGE_WORD.test(sentence.slice(stated[0].end, stated[1].start))) {
      if (stated[1].day < stated[0].day) {
        fail(`「${sentence}」: the period ends (${stated[1].date}) before it starts (${stated[0].date})`, {
          code: 'periodBackwards',
          sentence,
          start: stated[0].date,
          end: stated[1].date,
        });
        continue;
      }
      for (let day = stated[0].day; day <= stated[1].day; day++) days.push(dateOfDayNumber(day));
    } else {
      for (const d of stated) days.push(d.date);
    }
    const count = /共\s*(\d+)\s*天|放假\s*(\d+)\s*天/.exec(sentence.slice(offAt));
    const n = count ? Number(count[1] ?? count[2]) : null;
    if (n !== null && n !== days.length)
      fail(
        `「${sentence}」: the notice says ${n} days, but ${days[0]} to ${days[days.length - 1]} is ${days.length}`,
        {
          code: 'dayCountMismatch',
          sentence,
          said: n,
          first: days[0],
          last: days[days.length - 1],
          count: days.length,
        },
      );
    for (const d of days) holidays.add(d);
  }
  if (holidays.size === 0 && errors.length === 0)
    fail(`no days off (放假) found: give the notice's text, e.g. "元旦：1月1日（周五）放假1天。"`, {
      code: 'noDaysOff',
    });
  if (errors.length > 0) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new ScheduleError(`the notice's text cannot be read: ${errors[0].message}${more}`, errors);
  }
  return { holidays: [...holidays].sort(), workdays: [...workdays].sort(), ignored };
}
