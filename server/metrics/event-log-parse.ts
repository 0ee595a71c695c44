/**
 * Reads event logs for import: XES streamed through saxes (one trace at a time), or CSV through csv-parse in
 * Reflow's columns (case_id, activity, element_id, department, lifecycle, timestamp) or PM4Py's
 * (case:concept:name, concept:name, time:timestamp, org:group, lifecycle:transition). Every problem is a
 * LogFormatError naming where it is: the line, and for XES the trace and event.
 */
import { parse as parseCsv } from 'csv-parse';
import { SaxesParser } from 'saxes';
import { csvCellValue } from '../../engine/index.js';
import { at, type Text } from '../problem-text.js';
import { logPlace, logText } from '../problem-text-files.js';

export interface ParsedEvent {
  activity: string;
  elementId: string | null;
  department: string | null;
  /** Lower-cased; `complete` when the log gives none. */
  lifecycle: string;
  at: number;
  /** Who did it (org:resource, the CSV's resource), when the log says. */
  resource?: string | null;
  /** Where it is, for messages: "line 12, trace 3, event 2". */
  where: Text;
}

export interface ParsedTrace {
  caseId: string;
  events: ParsedEvent[];
  where: Text;
}

/** What is wrong with a log, in both languages (the Error's message is the English). */
export class LogFormatError extends Error {
  constructor(
    readonly text: Text,
    readonly line: number | null,
  ) {
    super(text.en);
  }
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An ISO 8601 date-time, as epoch ms; null when it is not one. Without an offset the time is local to the
 * calendar's zone (Beijing, UTC+8, by default), as historical logs of Chinese offices are written.
 */
export function parseTimestamp(text: string, defaultOffsetMinutes = 480): number | null {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const ms = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  let offset = defaultOffsetMinutes;
  if (m[8] && m[8].toUpperCase() !== 'Z') {
    const digits = m[8].replace(':', '');
    offset = (digits[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  } else if (m[8]) offset = 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000;
}

/** Decodes UTF-8 chunks (a character may straddle two) into strings. */
async function* text(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of source)
      yield typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const rest = decoder.decode();
    if (rest) yield rest;
  } catch (error) {
    if (error instanceof TypeError) throw new LogFormatError(logText.notUtf8(), null);
    throw error;
  }
}

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/** XES traces, one at a time, as the document streams in. */
export async function* parseXes(
  source: AsyncIterable<Buffer | string>,
  offsetMinutes = 480,
): AsyncGenerator<ParsedTrace> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const done: ParsedTrace[] = [];
  let failure: LogFormatError | null = null;
  /** Records the first problem; `at` is a location already written out with its line. */
  const fail = (message: Text, place?: { where: Text; line: number }) => {
    failure ??= place
      ? new LogFormatError(at(place.where, message), place.line)
      : new LogFormatError(at(logPlace.line(parser.line), message), parser.line);
  };
  let traceNo = 0;
  let eventNo = 0;
  let trace: { caseId: string | null; events: ParsedEvent[]; line: number } | null = null;
  let event: { attrs: Map<string, { value: string; line: number }>; line: number } | null = null;
  let depth = 0; // element depth; attributes are read only as direct children of a trace or event
  let holderDepth = -1;
  let sawLog = false;
  parser.on('doctype', () => fail(logText.doctype()));
  // a well-formedness error explains whatever else went wrong around it: it wins
  let malformed: LogFormatError | null = null;
  parser.on('error', (error) => {
    const said = error.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '').replace(/\.$/, '');
    malformed ??= new LogFormatError(at(logPlace.line(parser.line), logText.malformedXml(said)), parser.line);
  });
  parser.on('opentag', (tag) => {
    depth++;
    const name = localName(tag.name);
    const attr = (key: string) => (tag.attributes[key] as string | undefined) ?? undefined;
    if (depth === 1) {
      if (name !== 'log') fail(logText.rootNotLog(tag.name));
      sawLog = true;
    } else if (name === 'trace' && depth === 2) {
      traceNo++;
      eventNo = 0;
      trace = { caseId: null, events: [], line: parser.line };
      holderDepth = depth;
    } else if (name === 'event') {
      if (!trace || depth !== 3) return fail(logText.eventOutsideTrace());
      eventNo++;
      event = { attrs: new Map(), line: parser.line };
      holderDepth = depth;
    } else if (depth === holderDepth + 1 && attr('key') !== undefined) {
      const key = attr('key') as string;
      const value = attr('value');
      if (value === undefined) return fail(logText.attributeWithoutValue(tag.name, key));
      if (event) event.attrs.set(key, { value, line: parser.line });
      else if (trace && key === 'concept:name') trace.caseId = value;
    }
  });
  parser.on('closetag', (tag) => {
    const name = localName(tag.name);
    if (name === 'event' && event && trace) {
      const place = (line: number) => ({
        line,
        where: logPlace.xesEvent(line, traceNo, trace!.caseId, eventNo),
      });
      const where = place(event.line).where;
      const activity = event.attrs.get('concept:name')?.value;
      const stamp = event.attrs.get('time:timestamp');
      if (!activity?.trim()) fail(logText.noActivity(), place(event.line));
      else if (stamp === undefined) fail(logText.noTimestamp(), place(event.line));
      else {
        const when = parseTimestamp(stamp.value, offsetMinutes);
        if (when === null) fail(logText.notATimestamp('time:timestamp', stamp.value), place(stamp.line));
        else {
          trace.events.push({
            activity: activity.trim(),
            elementId: event.attrs.get('reflow:elementId')?.value ?? null,
            department: event.attrs.get('org:group')?.value || null,
            lifecycle: (event.attrs.get('lifecycle:transition')?.value ?? 'complete').trim().toLowerCase(),
            at: when,
            resource: event.attrs.get('org:resource')?.value.trim() || null,
            where,
          });
        }
      }
      event = null;
      holderDepth = 2;
    } else if (name === 'trace' && trace && depth === 2) {
      if (trace.caseId === null)
        fail(logText.traceWithoutCaseId(traceNo), { where: logPlace.line(trace.line), line: trace.line });
      else
        done.push({
          caseId: trace.caseId,
          events: trace.events,
          where: logPlace.xesTrace(traceNo, trace.caseId, trace.line),
        });
      trace = null;
      holderDepth = -1;
    }
    depth--;
  });
  let empty = true;
  for await (const chunk of text(source)) {
    empty &&= chunk.trim() === '';
    parser.write(chunk);
    if (malformed ?? failure) throw malformed ?? failure;
    yield* done.splice(0);
  }
  if (empty) throw new LogFormatError(logText.empty(), null);
  parser.close();
  if (malformed ?? failure) throw malformed ?? failure;
  if (!sawLog) throw new LogFormatError(logText.noXesLog(), null);
  yield* done.splice(0);
}

const CSV_NAMES = {
  caseId: ['case_id', 'case:concept:name'],
  activity: ['activity', 'concept:name'],
  timestamp: ['timestamp', 'time:timestamp'],
  elementId: ['element_id', 'reflow:elementid'],
  department: ['department', 'org:group'],
  lifecycle: ['lifecycle', 'lifecycle:transition'],
  resource: ['resource', 'org:resource'],
};

/** CSV traces: rows grouped by case id, cases in the order they first appear. */
export async function* parseCsvLog(
  source: AsyncIterable<Buffer | string>,
  offsetMinutes = 480,
): AsyncGenerator<ParsedTrace> {
  const parser = parseCsv({ bom: true, skip_empty_lines: true, info: true, relax_quotes: false });
  const traces = new Map<string, ParsedTrace>();
  // until the parser has room again, or is gone (the records loop stopped at a bad line)
  const room = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        parser.off('drain', done).off('close', done);
        resolve();
      };
      parser.on('drain', done).on('close', done);
    });
  const feed = (async () => {
    for await (const chunk of text(source)) {
      if (parser.destroyed) return; // lets go of the upload: the route discards the rest
      if (!parser.write(chunk)) await room();
    }
    if (!parser.destroyed) parser.end();
  })().catch((error) => parser.destroy(error)); // surfaced through the records loop
  type Columns = Record<keyof typeof CSV_NAMES, number>;
  let columns: Columns | null = null;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number };
    }>) {
      const line = info.lines;
      if (!columns) {
        const header = record.map((h) => h.trim().toLowerCase());
        const find = (names: string[]) => header.findIndex((h) => names.includes(h));
        columns = Object.fromEntries(
          Object.entries(CSV_NAMES).map(([k, names]) => [k, find(names)]),
        ) as Columns;
        const missing = (['caseId', 'activity', 'timestamp'] as const)
          .filter((k) => columns![k] < 0)
          .map((k) => CSV_NAMES[k]);
        if (missing.length > 0)
          throw new LogFormatError(at(logPlace.line(line), logText.headerLacks(missing, record)), line);
        continue;
      }
      // a cell the export escaped against formula injection ('=…) reads back as it was
      const cell = (k: keyof typeof CSV_NAMES) =>
        columns![k] >= 0 ? csvCellValue((record[columns![k]] ?? '').trim()) : '';
      const where = logPlace.line(line);
      const caseId = cell('caseId');
      if (!caseId) throw new LogFormatError(at(where, logText.emptyCaseId()), line);
      if (!cell('activity')) throw new LogFormatError(at(where, logText.emptyActivity()), line);
      const when = parseTimestamp(cell('timestamp'), offsetMinutes);
      if (when === null)
        throw new LogFormatError(at(where, logText.notATimestamp('timestamp', cell('timestamp'))), line);
      const trace = traces.get(caseId) ?? { caseId, events: [], where: logPlace.csvCase(caseId, line) };
      trace.events.push({
        activity: cell('activity'),
        elementId: cell('elementId') || null,
        department: cell('department') || null,
        lifecycle: (cell('lifecycle') || 'complete').toLowerCase(),
        at: when,
        resource: cell('resource') || null,
        where,
      });
      traces.set(caseId, trace);
    }
  } catch (error) {
    if (error instanceof LogFormatError) throw error;
    const e = error as Error & { lines?: number };
    if (e.lines !== undefined)
      throw new LogFormatError(
        at(logPlace.line(e.lines), logText.malformedCsv(e.message.replace(/^Invalid Record Length: /, ''))),
        e.lines,
      );
    throw error;
  }
  await feed;
  if (!columns) throw new LogFormatError(logText.empty(), null);
  yield* traces.values();
}
