// Runs the element specs: deploys processes of a spec's fixture into an in-memory engine in virtual time
// and reads back what happened as plain, comparable traces.
import { readFileSync } from 'node:fs';
import type { ServiceHandler } from '../../../engine/elements/context.js';
import {
  type CaseEvent,
  type CaseSnapshot,
  CommandRejected,
  type TaskRecord,
  type TimerInstance,
  type Variables,
} from '../../../engine/elements/state.js';
import { LocalEngine, type LocalEngineOptions } from '../../../engine/runtime/local-engine.js';

/** Monday 2026-01-05 09:00 in Beijing: the virtual clock's start in every spec. */
export const T0 = Date.parse('2026-01-05T09:00:00+08:00');
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** An instant given as Beijing local time 'YYYY-MM-DD HH:MM'. */
export const beijing = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);

/** The Beijing local time of an instant, 'YYYY-MM-DD HH:MM'. */
export const local = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');

/**
 * The XML of one process of a fixture: a fixture holds several processes, all marked executable; the one
 * deployed keeps the mark, the others lose it, so each spec deploys exactly the processes it names (a whole
 * file deploys as a collaboration: test/engine/elements/call-activity-mappings.test.ts).
 */
export function processXml(fixture: string, key: string): string {
  let found = false;
  const xml = fixture.replace(
    /<bpmn:process id="([^"]+)"([^>]*?)isExecutable="true"/g,
    (all, id: string, rest: string) => {
      if (id === key) {
        found = true;
        return all;
      }
      return `<bpmn:process id="${id}"${rest}isExecutable="false"`;
    },
  );
  if (!found) throw new Error(`the fixture has no executable process '${key}'`);
  return xml;
}

export interface Harness {
  engine: LocalEngine;
  /** Every event of every case, in order. */
  events: CaseEvent[];
  /** Starts a case of `key`; returns its snapshot. */
  start(key: string, variables?: Variables): CaseSnapshot;
  /** The current snapshot of a case. */
  case(id: string): CaseSnapshot;
  /** The open task of `elementId` (exactly one must be open). */
  task(elementId: string): TaskRecord;
  /** The open tasks of `elementId`, in creation order. */
  tasks(elementId: string): TaskRecord[];
  complete(elementId: string, variables?: Variables): CaseSnapshot;
  /** The pending timers of a case, in scheduling order. */
  timers(caseId: string): TimerInstance[];
  /** Advances virtual time by `ms`, firing every timer due on the way. */
  advance(ms: number): number;
  /** Events recorded since the last call to `take()`. */
  take(): CaseEvent[];
}

/** Deploys the processes `keys` of the fixture, in order (called processes first), into a LocalEngine. */
export async function deploy(
  fixture: URL,
  keys: string[],
  options: {
    handlers?: Record<string, ServiceHandler>;
    calendar?: LocalEngineOptions['calendar'];
    now?: number;
  } = {},
): Promise<Harness> {
  const xml = readFileSync(fixture, 'utf8');
  const events: CaseEvent[] = [];
  let taken = 0;
  const engine = new LocalEngine({
    now: options.now ?? T0,
    handlers: options.handlers,
    calendar: options.calendar,
    roundTrip: true,
    onEvents: (_id, batch) => events.push(...batch),
  });
  for (const key of keys) await engine.deploy(processXml(xml, key));
  const tasks = (elementId: string): TaskRecord[] =>
    engine.openTasks().filter((t) => t.elementId === elementId);
  const harness: Harness = {
    engine,
    events,
    start: (key, variables = {}) => engine.start(key, variables),
    case: (id) => {
      const snapshot = engine.cases.get(id);
      if (!snapshot) throw new Error(`no case '${id}'`);
      return snapshot;
    },
    tasks,
    task(elementId) {
      const open = tasks(elementId);
      if (open.length !== 1) throw new Error(`${open.length} open tasks of '${elementId}'`);
      return open[0];
    },
    complete: (elementId, variables = {}) => engine.completeTask(harness.task(elementId).id, variables),
    timers: (caseId) => Object.values(harness.case(caseId).timers),
    advance: (ms) => engine.advanceTo(engine.now + ms),
    take() {
      const batch = events.slice(taken);
      taken = events.length;
      return batch;
    },
  };
  return harness;
}

/** The steps of a trace: `entered x`, `completed x`, `cancelled x`, `failed x`, in order. */
export function steps(events: CaseEvent[]): string[] {
  const out: string[] = [];
  for (const event of events) {
    if (event.type === 'stepEntered') out.push(`entered ${event.step.elementId}`);
    else if (event.type === 'stepCompleted') out.push(`completed ${event.step.elementId}`);
    else if (event.type === 'stepCancelled') out.push(`cancelled ${event.step.elementId}`);
    else if (event.type === 'stepFailed') out.push(`failed ${event.step.elementId}`);
  }
  return out;
}

/** The tasks created in a trace: element, department and due instant (Beijing time). */
export function createdTasks(
  events: CaseEvent[],
): { elementId: string; department: string | null; dueAt: string | null }[] {
  return events
    .filter((e): e is Extract<CaseEvent, { type: 'taskCreated' }> => e.type === 'taskCreated')
    .map((e) => ({ elementId: e.task.elementId, department: e.task.department, dueAt: local(e.task.dueAt) }));
}

/** The timers scheduled in a trace: element and due instant (Beijing time). */
export function scheduledTimers(events: CaseEvent[]): { elementId: string; dueAt: string | null }[] {
  return events
    .filter((e): e is Extract<CaseEvent, { type: 'timerScheduled' }> => e.type === 'timerScheduled')
    .map((e) => ({ elementId: e.timer.elementId, dueAt: local(e.timer.dueAt) }));
}

/** The types of the events in a trace, in order, without the step and variable noise. */
export function eventTypes(events: CaseEvent[], ...types: CaseEvent['type'][]): string[] {
  return events.filter((e) => types.includes(e.type)).map((e) => e.type);
}

/** The CommandRejected a command is refused with (null when it is not refused). */
export function rejection(command: () => unknown): { code: string; message: string } | null {
  try {
    command();
  } catch (error) {
    if (error instanceof CommandRejected) return { code: error.code, message: error.message };
    throw error;
  }
  return null;
}
