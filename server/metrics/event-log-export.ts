/**
 * A version's event log, streamed: cases are read a page at a time by id (index cases_process_version_id) with
 * their steps, and each page is turned into XES or CSV text before the next is read, so memory stays constant
 * however many cases there are. Each step gives a `start` event when it was entered and a `complete` event
 * when it completed (`ate_abort` when it was cancelled or failed), naming its handler (org:resource) when known
 * and asked for (`handlers`: personal data, not exported by default);
 * events of a trace are in time order.
 */

import {
  csvHeader,
  csvRows,
  type LogEvent,
  type LogTrace,
  xesFooter,
  xesHeader,
  xesTrace,
} from '../../engine/index.js';
import type { Db } from '../db/database.js';

export interface ExportOptions {
  /** `completed` (default): the completed cases, the population of the dynamic metrics; `all`: every case. */
  status?: 'completed' | 'all';
  pageSize?: number;
  /** The calendar's UTC offset for timestamps (Beijing, 480, by default). */
  utcOffsetMinutes?: number;
  /**
   * Name each step's handler (经办人: XES org:resource, the CSV's resource column). Personal data: left out
   * unless asked (the CSV keeps the column, empty).
   */
  handlers?: boolean;
}

export { CSV_COLUMNS } from '../../engine/index.js';

/** The traces of a version, one page of cases at a time. */
export async function* tracePages(
  db: Db,
  key: string,
  version: number,
  options: ExportOptions = {},
): AsyncGenerator<LogTrace[]> {
  const pageSize = options.pageSize ?? 500;
  let after = '';
  for (;;) {
    let query = db
      .selectFrom('cases')
      .select('id')
      .where('process_key', '=', key)
      .where('version', '=', version)
      .where('id', '>', after);
    if ((options.status ?? 'completed') === 'completed') query = query.where('status', '=', 'completed');
    const ids = (await query.orderBy('id').limit(pageSize).execute()).map((r) => r.id);
    if (ids.length === 0) return;
    after = ids[ids.length - 1];
    // a step's handler (经办人): its task's, or an imported step's own (org:resource of the log it came from)
    const steps = await db
      .selectFrom('steps')
      .leftJoin('tasks', 'tasks.id', 'steps.id')
      .select([
        'steps.case_id',
        'steps.element_id',
        'steps.name',
        'steps.department',
        'steps.status',
        'steps.entered_at',
        'steps.completed_at',
        (eb) => eb.fn.coalesce('tasks.handler_id', 'steps.handler_id').as('handler'),
      ])
      .where('steps.case_id', 'in', ids)
      .orderBy('steps.case_id')
      .orderBy('steps.entered_at')
      .orderBy('steps.seq')
      .execute();
    const byCase = new Map<string, LogEvent[]>(ids.map((id) => [id, []]));
    for (const s of steps) {
      const events = byCase.get(s.case_id)!;
      const base = { activity: s.name ?? s.element_id, elementId: s.element_id, department: s.department };
      events.push({ ...base, lifecycle: 'start', at: s.entered_at.getTime() });
      if (s.completed_at)
        events.push({
          ...base,
          lifecycle: s.status === 'completed' ? 'complete' : 'ate_abort',
          at: s.completed_at.getTime(),
          resource: options.handlers ? s.handler : null,
        });
    }
    // a stable sort: equal instants keep step order, a step's start before its completion
    yield ids.map((id) => ({ caseId: id, events: byCase.get(id)!.sort((a, b) => a.at - b.at) }));
    if (ids.length < pageSize) return;
  }
}

/** The XES document in chunks (header, one chunk per page of traces, footer). */
export async function* xesChunks(
  db: Db,
  key: string,
  version: number,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  yield xesHeader(`${key} v${version}`);
  for await (const page of tracePages(db, key, version, options)) {
    for (let i = 0; i < page.length; i += 50)
      yield page
        .slice(i, i + 50)
        .map((trace) => xesTrace(trace, options.utcOffsetMinutes))
        .join('');
  }
  yield xesFooter();
}

/** The CSV log in chunks: `case_id, activity, element_id, department, lifecycle, timestamp, resource`, header first. */
export async function* csvChunks(
  db: Db,
  key: string,
  version: number,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  yield csvHeader();
  for await (const page of tracePages(db, key, version, options)) {
    const rows = csvRows(page, options.utcOffsetMinutes);
    if (rows !== '') yield rows;
  }
}
