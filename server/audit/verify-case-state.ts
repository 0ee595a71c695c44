/**
 * The case row and the engine's state kept on it, against the replay of the case's audit events
 * (server/audit/verify-case.ts): start, status, end, trips, correction, working time, variables and the timers
 * the state waits for.
 */
import type { WorkingCalendar } from '../../engine/calendar/index.js';
import { caseWorkingTime } from '../../engine/index.js';
import { canonicalJson } from '../store/audit-log.js';
import type { CaseRow } from './verify-case.js';
import { type Findings, iso, isoOf, num, obj, show } from './verify-findings.js';
import type { Replay } from './verify-replay.js';

/** The case row: its start, status, end, trips, correction and working time. */
export function checkCaseRow(c: CaseRow, r: Replay, calendar: WorkingCalendar, f: Findings): void {
  const { started, ended, status, endedAt, trips, tripsSeq, corrected, correctedSeq, stepEvents } = r;
  const { problems, typeOf, differ } = f;
  // the case row
  const caseWhat = `case ${c.id}`;
  if (!started) {
    problems.push({
      seq: 1,
      eventType: typeOf(1),
      kind: 'case',
      table: 'audit_events',
      message: `the audit log has no caseStarted event`,
    });
  } else if (c.started_at.getTime() !== started.at) {
    differ({
      seq: started.seq,
      kind: 'case',
      table: 'cases',
      field: 'started_at',
      expected: iso(started.at),
      actual: isoOf(c.started_at),
      what: caseWhat,
    });
  }
  if (c.status !== status)
    differ({
      seq: ended?.seq ?? null,
      kind: 'case',
      table: 'cases',
      field: 'status',
      expected: status,
      actual: c.status,
      what: caseWhat,
    });
  if ((c.ended_at?.getTime() ?? null) !== endedAt)
    differ({
      seq: ended?.seq ?? null,
      kind: 'case',
      table: 'cases',
      field: 'ended_at',
      expected: iso(endedAt),
      actual: isoOf(c.ended_at),
      what: caseWhat,
    });
  if (c.trips !== trips)
    differ({
      seq: tripsSeq,
      kind: 'case',
      table: 'cases',
      field: 'trips',
      expected: trips,
      actual: c.trips,
      what: caseWhat,
    });
  if (c.corrected !== corrected)
    differ({
      seq: correctedSeq,
      kind: 'case',
      table: 'cases',
      field: 'corrected',
      expected: corrected,
      actual: c.corrected,
      what: caseWhat,
    });
  if (started && ended) {
    // working time of the case: start to end, minus what it spent in gov:pausesClock steps
    try {
      const { workingMs: working, pausedMs: paused } = caseWorkingTime(
        calendar,
        started.at,
        ended.at,
        [...stepEvents.values()].map((e) => e.step),
      );
      if (num(c.working_ms) !== working)
        differ({
          seq: ended.seq,
          kind: 'case',
          table: 'cases',
          field: 'working_ms',
          expected: working,
          actual: num(c.working_ms),
          what: caseWhat,
        });
      else if (num(c.paused_ms) !== paused)
        differ({
          seq: ended.seq,
          kind: 'case',
          table: 'cases',
          field: 'paused_ms',
          expected: paused,
          actual: num(c.paused_ms),
          what: caseWhat,
        });
    } catch {
      problems.push({
        seq: ended.seq,
        eventType: typeOf(ended.seq),
        kind: 'case',
        table: 'cases',
        field: 'working_ms',
        message: `${caseWhat}: the working time cannot be recomputed from the audit events' times`,
      });
    }
  } else if (c.working_ms !== null) {
    differ({
      seq: null,
      kind: 'case',
      table: 'cases',
      field: 'working_ms',
      expected: null,
      actual: num(c.working_ms),
      what: caseWhat,
    });
  }
}

/** The engine's state kept on the case row: its variables, what the row copies from it, the timers it waits for. */
export function checkSnapshot(c: CaseRow, r: Replay, f: Findings): void {
  const {
    started,
    ended,
    status,
    endedAt,
    trips,
    tripsSeq,
    corrected,
    correctedSeq,
    variables,
    timerEvents,
  } = r;
  const { problems, typeOf, differ } = f;
  const caseWhat = `case ${c.id}`;
  // the engine's state, which its next command starts from: the variables it routes on, named one by one …
  const snapshot = obj(c.snapshot);
  const held = obj(snapshot.variables);
  const variable = (name: string, seq: number | null, message: string, expected?: unknown) =>
    problems.push({
      seq,
      eventType: typeOf(seq),
      kind: 'variable',
      table: 'cases',
      field: `snapshot.variables.${name}`,
      expected,
      actual: held[name],
      message: `${caseWhat}: variable '${name}' ${message}`,
    });
  for (const [name, set] of variables) {
    const said = `the audit log says ${show(set.value)} (event ${set.seq} ${typeOf(set.seq)})`;
    if (!Object.hasOwn(held, name))
      variable(name, set.seq, `is missing from the case's snapshot, but ${said}`, set.value);
    else if (canonicalJson(held[name]) !== canonicalJson(set.value))
      variable(name, set.seq, `is ${show(held[name])} in the case's snapshot, but ${said}`, set.value);
  }
  for (const name of Object.keys(held)) {
    if (!variables.has(name))
      variable(name, null, `is ${show(held[name])} in the case's snapshot, but no audit event set it`);
  }
  // … what the case row copies from it, and the timers it waits for
  const copies: [string, unknown, unknown, number | null][] = [
    ['status', status, snapshot.status, ended?.seq ?? null],
    ['startedAt', started ? iso(started.at) : null, iso(snapshot.startedAt), started?.seq ?? null],
    ['endedAt', iso(endedAt), iso(snapshot.endedAt), ended?.seq ?? null],
    ['trips', trips, snapshot.trips, tripsSeq],
    ['corrected', corrected, snapshot.corrected, correctedSeq],
  ];
  for (const [field, expected, actual, seq] of copies) {
    if (expected !== actual)
      differ({
        seq,
        kind: 'snapshot',
        table: 'cases',
        field: `snapshot.${field}`,
        expected,
        actual,
        what: caseWhat,
      });
  }
  const waits = obj(snapshot.timers);
  for (const [id, e] of timerEvents) {
    const dueAt = iso(e.timer.dueAt);
    const waiting = Object.hasOwn(waits, id) ? iso(obj(waits[id]).dueAt) : null;
    if (waiting !== dueAt)
      differ({
        seq: e.seq,
        kind: 'snapshot',
        table: 'cases',
        rowId: id,
        elementId: e.timer.elementId,
        field: `snapshot.timers.${id}.dueAt`,
        expected: dueAt,
        actual: waiting,
        what: caseWhat,
      });
  }
  for (const id of Object.keys(waits)) {
    if (!timerEvents.has(id))
      problems.push({
        seq: null,
        eventType: null,
        kind: 'snapshot',
        table: 'cases',
        rowId: id,
        field: `snapshot.timers.${id}`,
        message: `${caseWhat}: the case's snapshot waits for timer ${id}, which the audit log never scheduled or already fired or cancelled`,
      });
  }
}
