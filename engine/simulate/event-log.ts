/**
 * Event logs of simulated cases, written through the same formats as the API's log export
 * (engine/metrics/event-log-format.ts), so a simulated log reads like an exported one and imports back
 * (POST …/log); simulated events also name the staff member (`org:resource`) on `assign` and `complete`.
 */
import { csvRows as formatCsv, xesTrace as formatTrace, type LogTrace } from '../metrics/event-log-format.js';
import type { LogEntry } from './types.js';

export { CSV_COLUMNS, csvHeader, xesFooter, xesHeader } from '../metrics/event-log-format.js';

const traceOf = (caseId: string, entries: readonly LogEntry[]): LogTrace => ({
  caseId,
  events: entries.map((e) => ({
    activity: e.activity,
    elementId: e.elementId,
    department: e.department,
    lifecycle: e.lifecycle,
    at: e.timestamp,
    resource: e.resource,
  })),
});

/** One case's entries as CSV lines. */
export const csvRows = (entries: readonly LogEntry[], offsetMinutes = 480): string =>
  entries.length === 0 ? '' : formatCsv([traceOf(entries[0].caseId, entries)], offsetMinutes);

/** One trace: the case's entries in time order. */
export const xesTrace = (caseId: string, entries: readonly LogEntry[], offsetMinutes = 480): string =>
  formatTrace(traceOf(caseId, entries), offsetMinutes);
