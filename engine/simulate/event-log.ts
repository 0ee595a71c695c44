/**
 * Event logs of simulated cases, in the formats of the API's log export (server/metrics/event-log-export.ts), so
 * a simulated log reads like an exported one and imports back (POST …/log): CSV with the columns `case_id,
 * activity, element_id, department, lifecycle, timestamp` and IEEE 1849 XES (trace `concept:name` = case id;
 * events with `concept:name`, `lifecycle:transition`, `time:timestamp`, `org:group` — the department —,
 * `reflow:elementId`, and `org:resource` — the staff member — on `assign` and `complete`). Timestamps carry the
 * calendar's offset (Beijing by default). Built as text chunks; the caller writes them where it wants.
 */
import { stringify } from 'csv-stringify/sync';
import type { LogEntry } from './simulator.js';

export const CSV_COLUMNS = [
  'case_id',
  'activity',
  'element_id',
  'department',
  'lifecycle',
  'timestamp',
] as const;

/** ISO 8601 with the offset: 2026-03-02T09:00:00.000+08:00. */
export function isoWithOffset(ms: number, offsetMinutes = 480): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const abs = Math.abs(offsetMinutes);
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

export const csvHeader = (): string => stringify([[...CSV_COLUMNS]]);

/** One case's entries as CSV lines. */
export const csvRows = (entries: readonly LogEntry[], offsetMinutes = 480): string =>
  entries.length === 0
    ? ''
    : stringify(
        entries.map((e) => [
          e.caseId,
          e.activity,
          e.elementId,
          e.department ?? '',
          e.lifecycle,
          isoWithOffset(e.timestamp, offsetMinutes),
        ]),
      );

// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters XML forbids are what this finds
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const xmlAttr = (text: string): string =>
  text.replace(INVALID_XML, '\uFFFD').replace(
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

export function xesHeader(logName: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- IEEE 1849-2016 XES event log, simulated by Reflow (engine/simulate) -->
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

/** One trace: the case's entries in time order. */
export function xesTrace(caseId: string, entries: readonly LogEntry[], offsetMinutes = 480): string {
  const parts = [`  <trace>\n    <string key="concept:name" value="${xmlAttr(caseId)}"/>\n`];
  for (const e of entries) {
    parts.push(
      '    <event>\n',
      `      <string key="concept:name" value="${xmlAttr(e.activity)}"/>\n`,
      `      <string key="lifecycle:transition" value="${e.lifecycle}"/>\n`,
      `      <date key="time:timestamp" value="${isoWithOffset(e.timestamp, offsetMinutes)}"/>\n`,
      e.department ? `      <string key="org:group" value="${xmlAttr(e.department)}"/>\n` : '',
      e.resource ? `      <string key="org:resource" value="${xmlAttr(e.resource)}"/>\n` : '',
      `      <string key="reflow:elementId" value="${xmlAttr(e.elementId)}"/>\n`,
      '    </event>\n',
    );
  }
  parts.push('  </trace>\n');
  return parts.join('');
}

export const xesFooter = (): string => '</log>\n';
