/**
 * The event-log formats Reflow writes — IEEE 1849-2016 XES and the CSV `case_id, activity, element_id,
 * department, lifecycle, timestamp, resource` (resource: who did it, XES's org:resource) — piece by piece: a header, one trace at a time, a footer, so a log of any
 * size streams without being held in memory. The API's export and the simulator both write through here.
 */
import { stringify } from 'csv-stringify/sync';

/** One event of a trace, as the export and the import see it. */
export interface LogEvent {
  activity: string;
  elementId: string | null;
  department: string | null;
  lifecycle: string;
  /** Epoch ms. */
  at: number;
  /** Who did it (`org:resource`), when known: a step's handler (经办人), the simulator's staff member. */
  resource?: string | null;
}

export interface LogTrace {
  caseId: string;
  events: LogEvent[];
}

/** XML 1.0 allows neither most control characters nor lone surrogates: they become U+FFFD. */
const INVALID_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters XML forbids are what this finds
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for an XML attribute value. */
export const xmlAttr = (value: string): string =>
  value.replace(INVALID_XML, '\uFFFD').replace(
    /[&<>"\t\n\r]/g,
    (c) =>
      ({
        '&': '&amp;',
        '<': '&lt;',
        '>': '&gt;',
        '"': '&quot;',
        '\t': '&#9;',
        '\n': '&#10;',
        '\r': '&#13;',
      })[c] as string,
  );

/** ISO 8601 with the calendar's offset (Beijing by default): 2026-01-05T09:00:00.000+08:00. */
export function isoWithOffset(ms: number, offsetMinutes = 480): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export function xesHeader(logName: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- IEEE 1849-2016 XES event log, written by Reflow -->
<log xes.version="1849.2016" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
  <global scope="trace">
    <string key="concept:name" value="__INVALID__"/>
  </global>
  <global scope="event">
    <string key="concept:name" value="__INVALID__"/>
    <date key="time:timestamp" value="1970-01-01T00:00:00.000+00:00"/>
    <string key="lifecycle:transition" value="complete"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <classifier name="ActivityLifecycle" keys="concept:name lifecycle:transition"/>
  <classifier name="Element" keys="reflow:elementId"/>
  <string key="concept:name" value="${xmlAttr(logName)}"/>
  <string key="lifecycle:model" value="standard"/>
`;
}

export function xesTrace(trace: LogTrace, offsetMinutes = 480): string {
  const parts = [`  <trace>\n    <string key="concept:name" value="${xmlAttr(trace.caseId)}"/>\n`];
  for (const e of trace.events) {
    parts.push(
      '    <event>\n',
      `      <string key="concept:name" value="${xmlAttr(e.activity)}"/>\n`,
      `      <string key="lifecycle:transition" value="${xmlAttr(e.lifecycle)}"/>\n`,
      `      <date key="time:timestamp" value="${isoWithOffset(e.at, offsetMinutes)}"/>\n`,
      e.department ? `      <string key="org:group" value="${xmlAttr(e.department)}"/>\n` : '',
      e.resource ? `      <string key="org:resource" value="${xmlAttr(e.resource)}"/>\n` : '',
      e.elementId ? `      <string key="reflow:elementId" value="${xmlAttr(e.elementId)}"/>\n` : '',
      '    </event>\n',
    );
  }
  parts.push('  </trace>\n');
  return parts.join('');
}

export const xesFooter = (): string => '</log>\n';

export const CSV_COLUMNS = [
  'case_id',
  'activity',
  'element_id',
  'department',
  'lifecycle',
  'timestamp',
  'resource',
] as const;

export const csvHeader = (): string => stringify([[...CSV_COLUMNS]]);

/**
 * What a spreadsheet would run as a formula (OWASP, CSV injection): a cell starting with = + - @ tab or carriage
 * return, or their full-width forms ＝ ＋ － ＠ (WPS and Excel with a Chinese input method take those too), after
 * any number of single quotes — so that unescaping undoes exactly what escaping did.
 */
const FORMULA_START = /^'*[=+\-@\t\r＝＋－＠]/;
const ESCAPED_FORMULA = /^'+[=+\-@\t\r＝＋－＠]/;

/** A CSV cell a spreadsheet shows as text: a leading `'` before what it would run as a formula. */
export const csvCell = (value: string): string => (FORMULA_START.test(value) ? `'${value}` : value);

/** The value an escaped cell stood for (the import reads back what the export wrote). */
export const csvCellValue = (cell: string): string => (ESCAPED_FORMULA.test(cell) ? cell.slice(1) : cell);

/** Traces as CSV lines (empty for no events), every text cell escaped against formula injection (csvCell). */
export function csvRows(traces: readonly LogTrace[], offsetMinutes = 480): string {
  const rows = traces.flatMap((trace) =>
    trace.events.map((e) => [
      csvCell(trace.caseId),
      csvCell(e.activity),
      csvCell(e.elementId ?? ''),
      csvCell(e.department ?? ''),
      csvCell(e.lifecycle),
      isoWithOffset(e.at, offsetMinutes),
      csvCell(e.resource ?? ''),
    ]),
  );
  return rows.length === 0 ? '' : stringify(rows);
}
