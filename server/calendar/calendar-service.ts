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
  isLiveCalendar,
  type LiveCalendar,
  type WorkingCalendar,
  type YearSchedule,
} from '../../engine/calendar/index.js';
import type { CaseService } from '../cases/case-service.js';
import type { Db } from '../db/database.js';
import { Listener } from '../db/listener.js';
import { sayCalendarFixed } from '../problem-text-files.js';
import { Problem } from '../problems.js';
import {
  CALENDAR_CHANNEL,
  calendarYearsHead,
  storeCalendarYear,
} from '../repositories/calendar-repository.js';
import {
  builtinYear,
  type CalendarWarning,
  checkScheduleInput,
  horizonWarnings,
  readStoredYears,
  type StoredYear,
} from './calendar-years.js';
import { type MovedDueDate, type RecomputeResult, recomputeForCalendar } from './recompute.js';
import { appendSystemEvent, lockSystemLog, readSystemEvents, type SystemEvent } from './system-log.js';

export { CALENDAR_CHANNEL } from '../repositories/calendar-repository.js';
export {
  type CalendarWarning,
  checkScheduleInput,
  HORIZON_WARNING_DAYS,
  horizonWarnings,
  readStoredYears,
  type StoredYear,
  storedCalendar,
} from './calendar-years.js';

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
      throw new Problem(409, 'calendar-fixed', 'This node’s calendar cannot change', sayCalendarFixed());
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
