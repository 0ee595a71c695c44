/** The simulation's public shapes: its options, the cases it returns, their log lines, ratings and statistics. */

import type { WorkingCalendar } from '../calendar/index.js';
import type { ServiceHandler } from '../elements/context.js';
import type { CaseCommand, CaseEvent, CaseSnapshot, Variables } from '../elements/state.js';
import type { CaseOutcome } from '../metrics/dynamic-metrics.js';
import type { CompiledDefinition, DefinitionSource } from '../runtime/definition.js';
import type { CompiledParams } from './params.js';

/** The default virtual clock start: Monday 2026-03-02, 09:00 in Beijing (after the Spring Festival holidays). */
export const DEFAULT_START = Date.parse('2026-03-02T09:00:00+08:00');

export interface SimulateOptions {
  definition: CompiledDefinition;
  /** Other definitions a case may need (called processes). */
  definitions?: DefinitionSource;
  /**
   * The other processes of the simulated one's file (a collaboration): a message a case sends that no case waits
   * for starts a case of each of these whose message start event waits for it (a department case of the
   * 一件事, returned in `linked`). Without it, messages still go from case to case.
   */
  collaboration?: CompiledDefinition[];
  params: CompiledParams;
  seed: number | string;
  calendar: WorkingCalendar;
  /** Virtual clock start (epoch ms); default `arrivals.start` of the parameters, else DEFAULT_START. */
  start?: number;
  /** Cases to start; default `arrivals.count`, else 1000 (unless `until` bounds the run). */
  cases?: number;
  /**
   * With a case count: spread exactly that many arrivals over the working time from `start` to here, as a
   * Poisson process conditioned on its number of arrivals (uniform order statistics in working time).
   */
  arrivalsEnd?: number;
  /**
   * Instead of drawn arrivals: these cases, at these instants (ascending), each with its own id and start
   * variables (merged over the drawn `case.variables`) — e.g. the rectification cases of given bad ratings.
   */
  arrivals?: ExplicitArrival[];
  /** Stop the clock here: later events are not processed and cases still open stay active. */
  until?: number;
  /** Keep each case's commands with the ids they generated, to replay them through CaseService. */
  record?: boolean;
  /** Receives each case's event-log entries when the case ends (or, for open cases, when the run ends). */
  onCaseLog?: (entries: LogEntry[]) => void;
  /** Called every 1,000 arrivals and at the end. */
  onProgress?: (arrived: number, total: number | null) => void;
  handlers?: Record<string, ServiceHandler>;
  /** Names the id sequence: two scenarios written into one database need different namespaces. */
  namespace?: string;
}

export interface ExplicitArrival {
  at: number;
  id: string;
  variables?: Variables;
  businessKey?: string | null;
  channel?: string | null;
  /** Written with the case like CaseService's Idempotency-Key. */
  idempotencyKey?: string;
}

/** One command of a case as it ran: when, what, by whom, and the ids the engine drew for it, in order. */
export interface RecordedCommand {
  at: number;
  command: CaseCommand;
  /** For `start`: the case id first, then the engine's. */
  ids: string[];
  actor: string;
  /** What the command produced (a copy), for writers that build the rows themselves. */
  events: CaseEvent[];
}

export interface SimulatedCase {
  id: string;
  /** 1-based arrival number. */
  number: number;
  arrivedAt: number;
  channel: string | null;
  businessKey: string | null;
  idempotencyKey: string | null;
  variables: Variables;
  status: CaseSnapshot['status'];
  endedAt: number | null;
  /** As the metrics measure it (README: 各项指标如何计算 / Figures); steps only for ended cases. */
  outcome: CaseOutcome;
  incidents: { elementId: string; message: string }[];
  commands: RecordedCommand[] | null;
  /** With `record`: the case's snapshot when it ended, or when the run ended. */
  snapshot: CaseSnapshot | null;
  /**
   * A case started by a message (in `linked`): its process's key and version (`definitionId`), the case whose
   * message started it (`startedByCase`), and the master (一件事) it belongs to (`rootCaseId`).
   */
  process?: string;
  definitionId?: string;
  version?: number;
  startedByCase?: string;
  rootCaseId?: string;
}

/**
 * A message a simulated case sent, as the server's `messages` table keeps it once delivered
 * (server/messages/message-service.ts); returned with `record`.
 */
export interface SentMessageRecord {
  /** Its outbox id as the server numbers it: `<sending case>:<the sender's revision>:<event index>`. */
  id: string;
  name: string;
  correlationKey: string | null;
  sourceCaseId: string;
  sentAt: number;
  /** Taken by a waiting case (`delivered`), started cases (`started`), or still kept when the run ended. */
  status: 'delivered' | 'started' | 'buffered';
  /** The case it reached (`started`: the first case it started); null while kept. */
  targetCaseId: string | null;
  /** The wait it reached (`delivered`). */
  subscriptionId: string | null;
  /** When it was delivered or started its cases; null while kept. */
  doneAt: number | null;
  /** Nothing took it when it was sent: the server kept it (buffered) until a wait began. */
  kept: boolean;
}

/**
 * An event-log line (XES / CSV), as the API's log export writes a case's steps — `start` when a step was entered,
 * `complete` when it completed, `ate_abort` when it was cancelled or failed — plus `assign` when a staff member
 * took up a task (the XES lifecycle transition for it; `resource` names the staff member): the time between a
 * task's `start` and its `assign` is its waiting, between `assign` and `complete` its processing.
 */
export interface LogEntry {
  caseId: string;
  activity: string;
  elementId: string;
  department: string | null;
  lifecycle: 'start' | 'assign' | 'complete' | 'ate_abort';
  timestamp: number;
  resource: string | null;
  seq: number;
}

export interface Rating {
  caseId: string;
  /** 5 very satisfied … 1 very dissatisfied (国办发〔2019〕51号). */
  level: number;
  at: number;
  /** The step rated (一次一评): a completed step of the case that a department did; absent for the whole case. */
  elementId?: string;
}

export interface StepStats {
  elementId: string;
  name: string | null;
  departments: string[];
  /** Work items completed by staff, with their waiting (enabled → start) and processing (start → complete), working ms. */
  worked: number;
  waitingMs: number;
  processingMs: number;
}

export interface DepartmentStats {
  name: string;
  /** null: unlimited (not listed in `departments`). */
  staff: number | null;
  tasks: number;
  busyMs: number;
  waitingMs: number;
  maxQueue: number;
}

export interface SimulationResult {
  process: { id: string; key: string; version: number; name: string | null };
  seed: number | string;
  start: number;
  /** The last instant simulated (the stop time, or the last event). */
  end: number;
  /**
   * The simulated process's cases. A master's `outcome` is its 一件事's (engine/metrics/case-figures.ts
   * `oneThingFigures`): its trips and correction include those of the cases its messages started, as they stand
   * when the run ends; its working time is its own.
   */
  cases: SimulatedCase[];
  /** Cases started by messages of the simulated cases (department cases of a 一件事), each naming its master. */
  linked: SimulatedCase[];
  /** With `record`: every message a case sent, where it went (what the server's messages table would hold). */
  messages: SentMessageRecord[];
  ratings: Rating[];
  steps: StepStats[];
  departments: DepartmentStats[];
  /** What open cases were left waiting for when the run ended with nothing more to happen. */
  waiting: { elementId: string; cases: number }[];
  warnings: string[];
  commands: number;
}

export class SimulationError extends Error {}
