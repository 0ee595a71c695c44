/** SQL on calendar_years (the holiday schedules an administrator loaded) and the system_events log. */
import { sql } from 'kysely';
import type { Executor, RowOf } from './executor.js';

/** The PostgreSQL channel that wakes every node's calendar service at a load's commit. */
export const CALENDAR_CHANNEL = 'reflow_calendar';

export type CalendarYearRow = RowOf<'calendar_years'>;
export type SystemEventRow = RowOf<'system_events'>;

/** Every stored year, in order. */
export async function calendarYearRows(db: Executor): Promise<CalendarYearRow[]> {
  return db.selectFrom('calendar_years').selectAll().orderBy('year').execute();
}

/** The highest system entry among the stored years (0: none): one index read, to see whether they changed. */
export async function calendarYearsHead(db: Executor): Promise<number> {
  const head = await db
    .selectFrom('calendar_years')
    .select((eb) => eb.fn.max('system_seq').as('seq'))
    .executeTakeFirst();
  return head?.seq === null || head?.seq === undefined ? 0 : Number(head.seq);
}

/** Stores a year's schedule (replacing one stored before) and tells every listening node at commit. */
export async function storeCalendarYear(
  db: Executor,
  year: number,
  row: {
    holidays: readonly string[];
    workdays: readonly string[];
    loadedAt: Date;
    loadedBy: string | null;
    systemSeq: number;
  },
): Promise<void> {
  const values = {
    holidays: JSON.stringify(row.holidays),
    workdays: JSON.stringify(row.workdays),
    loaded_at: row.loadedAt,
    loaded_by: row.loadedBy,
    system_seq: row.systemSeq,
  };
  await db
    .insertInto('calendar_years')
    .values({ year, ...values })
    .onConflict((oc) => oc.column('year').doUpdateSet(values))
    .execute();
  await sql`SELECT pg_notify(${CALENDAR_CHANNEL}, ${String(year)})`.execute(db);
}

/**
 * Locks the system log against other writers until the caller's transaction ends (readers are not blocked).
 */
export async function lockSystemEvents(trx: Executor): Promise<void> {
  await sql`LOCK TABLE system_events IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
}

/** The last entry's sequence number and hash. */
export async function lastSystemEvent(
  db: Executor,
): Promise<Pick<SystemEventRow, 'seq' | 'hash'> | undefined> {
  return db
    .selectFrom('system_events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function insertSystemEvent(
  db: Executor,
  row: Omit<SystemEventRow, 'payload'> & { payload: unknown },
) {
  await db
    .insertInto('system_events')
    .values({ ...row, payload: JSON.stringify(row.payload) })
    .execute();
}

/** The whole system log, oldest first. */
export async function systemEventRows(db: Executor): Promise<SystemEventRow[]> {
  return db.selectFrom('system_events').selectAll().orderBy('seq').execute();
}
