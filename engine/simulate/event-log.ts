/**
 * Event logs of simulated cases: CSV with the columns of the API's log export (`case_id, activity, element_id,
 * department, lifecycle, timestamp`) and IEEE 1849 XES (trace `concept:name` = case id; events with
 * `concept:name`, `lifecycle:transition`, `time:timestamp`, `org:resource` — the staff member — and `org:group`
 * — the department). Built as text chunks; the caller writes them where it wants.
 */
import { stringify } from 'csv-stringify/sync';
import type { LogEntry } from './simulator.js';

export const CSV_COLUMNS = ['case_id', 'activity', 'element_id', 'department', 'lifecycle', 'timestamp'] as const;

export const csvHeader = (): string => stringify([[...CSV_COLUMNS]]);

/** One case's entries as CSV lines (timestamps ISO 8601 UTC, ms). */
export const csvRows = (entries: readonly LogEntry[]): string =>
  entries.length === 0
    ? ''
    : stringify(entries.map((e) => [e.caseId, e.activity, e.elementId, e.department ?? '', e.lifecycle, new Date(e.timestamp).toISOString()]));

const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch] as string);

const attr = (type: 'string' | 'date', key: string, value: string): string => `<${type} key="${key}" value="${escapeXml(value)}"/>`;

export function xesHeader(processName: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">',
    '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>',
    '  <extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>',
    '  <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>',
    '  <extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>',
    '  <global scope="trace">',
    `    ${attr('string', 'concept:name', '')}`,
    '  </global>',
    '  <global scope="event">',
    `    ${attr('string', 'concept:name', '')}`,
    `    ${attr('string', 'lifecycle:transition', 'complete')}`,
    `    ${attr('date', 'time:timestamp', '1970-01-01T00:00:00.000Z')}`,
    '  </global>',
    '  <classifier name="Activity" keys="concept:name"/>',
    '  <classifier name="Activity and lifecycle" keys="concept:name lifecycle:transition"/>',
    `  ${attr('string', 'concept:name', processName)}`,
    '',
  ].join('\n');
}

/** One trace: the case's entries in time order. */
export function xesTrace(caseId: string, entries: readonly LogEntry[]): string {
  const lines = ['  <trace>', `    ${attr('string', 'concept:name', caseId)}`];
  for (const e of entries) {
    lines.push('    <event>');
    lines.push(`      ${attr('string', 'concept:name', e.activity)}`);
    lines.push(`      ${attr('string', 'lifecycle:transition', e.lifecycle)}`);
    lines.push(`      ${attr('date', 'time:timestamp', new Date(e.timestamp).toISOString())}`);
    lines.push(`      ${attr('string', 'element_id', e.elementId)}`);
    if (e.resource) lines.push(`      ${attr('string', 'org:resource', e.resource)}`);
    if (e.department) lines.push(`      ${attr('string', 'org:group', e.department)}`);
    lines.push('    </event>');
  }
  lines.push('  </trace>', '');
  return lines.join('\n');
}

export const xesFooter = (): string => '</log>\n';
