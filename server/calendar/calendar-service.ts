/**
 * The node's holiday calendar: the built-in data (chinese-days) plus the years an administrator loaded
 * (`calendar_years`), its horizon and the warning when the horizon is near, and loading a year.
 *
 * Every node builds its calendar from the same rows, at start and whenever they change: on PostgreSQL a
 * NOTIFY on `reflow_calendar` wakes every node at the load's commit, and each node also polls
 * `max(system_seq)` (one index read) every `pollMs`, so a node that missed the notification catches up within
 * that interval. The case service's calendar is live (engine/calendar createLiveCalendar): due dates, working
 * times, metrics and audit verification all read it, so they switch together.
 *
 * Loading a year: the schedule is checked strictly (engine/calendar checkYearSchedule), stored with a system
 * audit entry holding who, when, the new dates and the old ones (a year loaded before, or the built-in data),
 * then this node switches, and the due dates of open work and the working times that touch the year are
 * recomputed (./recompute.ts), each moved date in its case's audit chain and all of them in a second system
 * entry. A node that switches (this one included) checks once more a few seconds later, for work another node
 * or a command in flight created with the old calendar meanwhile.
 */
import type pg from 'pg';
import {
  builtinHolidayData,
  checkYearSchedule,
  isLiveCalendar,
  type LiveCalendar,
  parseHolidayNotice,
  ScheduleError,
  type WorkingCalendar,
  type YearSchedule,
} from '../../engine/calendar/index.js';
import type { CaseService } from '../cases/case-service.js';
import type { Db } from '../db/database.js';
import { Listener } from '../db/listener.js';
import { Problem } from '../problems.js';
import {
  CALENDAR_CHANNEL,
  calendarYearRows,
  calendarYearsHead,
  storeCalendarYear,
} from '../repositories/calendar-repository.js';
import type { Executor } from '../repositories/executor.js';
import { type MovedDueDate, type RecomputeResult, recomputeForCalendar } from './recompute.js';
import { appendSystemEvent, lockSystemLog, readSystemEvents, type SystemEvent } from './system-log.js';

export { CALENDAR_CHANNEL } from '../repositories/calendar-repository.js';
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

export interface CalendarStatus {
  horizon: string | null;
  years: number[];
  warnings: CalendarWarning[];
  /** The years loaded by an administrator (each replaces the built-in data of its year). */
  stored: { year: number; loadedAt: string; loadedBy: string | null; holidays: number; workdays: number }[];
}

export interface LoadYearResult {
  year: number;
  /** What the year was before: loaded earlier, the built-in data, or nothing (plain Monday to Friday). */
  replaced: 'stored' | 'built-in' | 'none';
  horizon: string | null;
  years: number[];
  systemSeq: number;
  moved: MovedDueDate[];
  workingTimes: RecomputeResult['workingTimes'];
  rebuiltVersions: string[];
  warnings: CalendarWarning[];
}

/** What the calendar service needs of the case service: its live calendar, clock, definitions and memory. */
export type CalendarCases = Pick<CaseService, 'calendar' | 'now' | 'definitions' | 'forget'>;

export interface CalendarServiceOptions {
  /** How often the node re-reads the stored years (default 30 s; PostgreSQL also wakes it at each load). */
  pollMs?: number;
  /** Pause before a node that switched looks once more for work created with the old calendar (default 5 s). */
  settleMs?: number;
  /** PostgreSQL pool, to LISTEN for loads. */
  pool?: pg.Pool;
  onError?: (error: unknown) => void;
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
export async function storedCalendar(db: Db, base: WorkingCalendar): Promise<WorkingCalendar> {
  try {
    return base.withYears(await readStoredYears(db));
  } catch (error) {
    if ((error as { code?: unknown }).code === '42P01') return base; // no calendar_years table
    throw error;
  }
}

/** The built-in (chinese-days) dates of a year. */
function builtinYear(year: number): { holidays: string[]; workdays: string[] } {
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

export class CalendarService {
  /** The node's calendar (the case service's): live when the service's is. */
  readonly calendar: WorkingCalendar;
  private readonly live: LiveCalendar | null;
  /** The calendar without stored years: what each reload adds them to. */
  private readonly base: WorkingCalendar;
  private stored: StoredYear[] = [];
  /** The highest system audit entry among the stored years applied (−1: none read yet). */
  private applied = -1;
  private loading: Promise<number[]> | null = null;
  private poll: NodeJS.Timeout | null = null;
  private listener: Listener | null = null;
  private readonly catchUps = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly service: CalendarCases,
    private readonly options: CalendarServiceOptions = {},
  ) {
    this.calendar = service.calendar;
    this.live = isLiveCalendar(service.calendar) ? service.calendar : null;
    this.base = this.live ? this.live.current : service.calendar;
  }

  /**
   * Reads the stored years and switches the calendar when they changed since the last read; returns the years
   * that changed. Concurrent calls share one read.
   */
  load(): Promise<number[]> {
    this.loading ??= this.read().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async read(): Promise<number[]> {
    const seq = await calendarYearsHead(this.db);
    if (seq === this.applied) return [];
    const stored = await readStoredYears(this.db);
    const first = this.applied < 0;
    const before = new Map(this.stored.map((y) => [y.year, y.systemSeq]));
    const changed = stored.filter((y) => before.get(y.year) !== y.systemSeq);
    if (this.live) this.live.replace(this.base.withYears(stored));
    this.stored = stored;
    this.applied = seq;
    if (!first && changed.length > 0) this.scheduleCatchUp(changed);
    return changed.map((y) => y.year);
  }

  /** A few seconds after a switch: work created meanwhile with the old calendar (another node, a command in flight). */
  private scheduleCatchUp(changed: StoredYear[]): void {
    if (this.stopped || !this.live) return;
    // since a while before the load: nodes' clocks differ a little
    const since = Math.min(...changed.map((y) => Date.parse(y.loadedAt))) - 10 * 60_000;
    const years = changed.map((y) => y.year);
    const timer = setTimeout(() => {
      this.catchUps.delete(timer);
      this.track(this.catchUp(years, since)).catch((error) => this.options.onError?.(error));
    }, this.options.settleMs ?? 5000);
    timer.unref();
    this.catchUps.add(timer);
  }

  /** Moves what a node created with the old calendar since `since`; recorded in the system log when anything moved. */
  async catchUp(years: number[], since: number): Promise<RecomputeResult> {
    const now = this.service.now();
    const result = await recomputeForCalendar(this.db, this.service, {
      years,
      before: this.calendar,
      after: this.calendar,
      since,
      actor: 'calendar',
      now,
    });
    if (result.moved.length > 0 || result.workingTimes.steps > 0 || result.workingTimes.cases > 0) {
      await this.db.transaction().execute((trx) =>
        appendSystemEvent(trx, {
          type: 'calendarDueDatesMoved',
          at: new Date(now),
          actor: 'calendar',
          payload: { years, catchUp: true, since: new Date(since).toISOString(), ...result },
        }),
      );
    }
    return result;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.running.add(work);
    void work.finally(() => this.running.delete(work)).catch(() => {});
    return work;
  }

  /** Loads the stored years, then keeps the calendar in step with them (poll, and LISTEN on PostgreSQL). */
  async start(): Promise<void> {
    await this.load();
    this.poll = setInterval(() => {
      this.load().catch((error) => this.options.onError?.(error));
    }, this.options.pollMs ?? 30_000);
    this.poll.unref();
    if (this.options.pool) {
      this.listener = new Listener(
        this.options.pool,
        CALENDAR_CHANNEL,
        () => this.load(),
        this.options.onError,
      );
      await this.listener.start();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    for (const timer of this.catchUps) clearTimeout(timer);
    this.catchUps.clear();
    this.listener?.stop();
    this.listener = null;
    await Promise.allSettled([this.loading, ...this.running]);
  }

  /** The warnings about the calendar now (the injected clock's now). */
  warnings(now = this.service.now()): CalendarWarning[] {
    return horizonWarnings(this.calendar, now);
  }

  /** GET /api/calendar. */
  status(now = this.service.now()): CalendarStatus {
    return {
      horizon: this.calendar.horizon,
      years: [...this.calendar.years],
      warnings: this.warnings(now),
      stored: this.stored.map((y) => ({
        year: y.year,
        loadedAt: y.loadedAt,
        loadedBy: y.loadedBy,
        holidays: y.holidays.length,
        workdays: y.workdays.length,
      })),
    };
  }

  /** The calendar's entries of the system log (years loaded, due dates moved) and whether the chain verifies. */
  auditLog(): Promise<{ events: SystemEvent[]; verified: boolean; brokenAt: number | null }> {
    return readSystemEvents(this.db, ['calendarYearLoaded', 'calendarDueDatesMoved']);
  }

  /** A stored year's dates, or null. */
  storedYear(year: number): StoredYear | null {
    return this.stored.find((y) => y.year === year) ?? null;
  }

  /**
   * Loads a year's official schedule: `{ holidays, workdays }`, or the notice's text (a string). Refused with a
   * 422 naming each wrong field. The API and `npm run calendar` both come here.
   */
  async loadYear(
    year: number,
    input: unknown,
    actor: string | null,
    fieldPrefix = '',
  ): Promise<LoadYearResult> {
    if (!this.live) {
      throw new Problem(
        409,
        'calendar-fixed',
        'This node’s calendar cannot change',
        'the case service of this node was given a fixed calendar: give it a live one (createLiveCalendar) to load years',
      );
    }
    const schedule = this.check(year, input, fieldPrefix);
    const now = this.service.now();
    // serialized with other loads by the system log's lock, taken first: the years read are the ones replaced
    const { loaded, replaced, before, seq } = await this.db.transaction().execute(async (t) => {
      await lockSystemLog(t);
      const stored = await readStoredYears(t);
      const previous = stored.find((y) => y.year === year) ?? null;
      const builtin = builtinYear(year);
      const replaced: LoadYearResult['replaced'] = previous
        ? 'stored'
        : builtin.holidays.length + builtin.workdays.length > 0
          ? 'built-in'
          : 'none';
      const before = this.base.withYears(stored);
      const after = this.base.withYears([...stored.filter((y) => y.year !== year), schedule]);
      const event = await appendSystemEvent(t, {
        type: 'calendarYearLoaded',
        at: new Date(now),
        actor,
        payload: {
          year,
          holidays: schedule.holidays,
          workdays: schedule.workdays,
          replaced,
          previous: previous
            ? {
                holidays: previous.holidays,
                workdays: previous.workdays,
                loadedAt: previous.loadedAt,
                loadedBy: previous.loadedBy,
              }
            : replaced === 'built-in'
              ? builtin
              : null,
          horizon: { before: before.horizon, after: after.horizon },
        },
      });
      // the notification is delivered at commit: every listening node reloads
      await storeCalendarYear(t, year, {
        holidays: schedule.holidays,
        workdays: schedule.workdays,
        loadedAt: new Date(now),
        loadedBy: actor,
        systemSeq: event.seq,
      });
      return { loaded: schedule, replaced, before, seq: event.seq };
    });
    // this node first: from here its commands use the new year (a read begun before the commit does not count)
    await this.loading?.catch(() => {});
    await this.load();
    const result = await recomputeForCalendar(this.db, this.service, {
      years: [year],
      before,
      after: this.calendar,
      actor,
      now,
    });
    if (result.moved.length > 0 || result.workingTimes.steps > 0 || result.workingTimes.cases > 0) {
      await this.db.transaction().execute((trx) =>
        appendSystemEvent(trx, {
          type: 'calendarDueDatesMoved',
          at: new Date(now),
          actor,
          payload: { years: [year], loadedBy: seq, ...result },
        }),
      );
    }
    return {
      year: loaded.year,
      replaced,
      horizon: this.calendar.horizon,
      years: [...this.calendar.years],
      systemSeq: seq,
      moved: result.moved,
      workingTimes: result.workingTimes,
      rebuiltVersions: result.rebuiltVersions,
      warnings: this.warnings(now),
    };
  }

  /** The schedule from JSON or the notice's text, checked (see checkScheduleInput). */
  check(year: number, input: unknown, fieldPrefix = ''): YearSchedule {
    return checkScheduleInput(year, input, fieldPrefix);
  }
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
      error.message,
      error.errors.map((e) => ({
        // the schedule as a whole: `body` for the API
        field: e.field === '(body)' ? fieldPrefix.replace(/\.$/, '') || e.field : `${fieldPrefix}${e.field}`,
        message: e.message,
      })),
    );
  }
}
