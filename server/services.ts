/**
 * The one place a node's services are made and wired: the definitions, the case service, the API's reads,
 * 好差评, the holiday calendar, the metrics, audit verification and event logs. Each receives only the database
 * and the narrow part of another service it uses; routes reach them through `app.reflow` and hold no SQL.
 */
import type { CompiledDefinition } from '../engine/index.js';
import { type VerifyReport, type VerifyScope, verifyAudit } from './audit/verify.js';
import { CalendarService, type CalendarServiceOptions } from './calendar/calendar-service.js';
import { CaseQueries } from './cases/case-queries.js';
import { CaseService, type CaseServiceOptions } from './cases/case-service.js';
import type { Db } from './db/database.js';
import { MessageService, type MessageServiceOptions } from './messages/message-service.js';
import { caseBuckets } from './metrics/dynamic-query.js';
import { csvChunks, type ExportOptions, xesChunks } from './metrics/event-log-export.js';
import { type ImportResult, importEventLog } from './metrics/event-log-import.js';
import type { ParsedTrace } from './metrics/event-log-parse.js';
import { MetricsService, syncMetricCalendar } from './metrics/metrics-service.js';
import { type DepartmentWarnings, departmentWarnings } from './metrics/warning-figures.js';
import { type RatingOptions, RatingService } from './ratings/rating-service.js';
import { ping } from './repositories/health-repository.js';
import { DefinitionStore } from './store/definition-store.js';
import { WarningService } from './warnings/warning-service.js';
import { WebhookService } from './webhooks/webhook-service.js';

/** Audit verification and event logs over the node's database, with the node's calendar. */
export interface Records {
  verify(scope: VerifyScope, maxReported: number): Promise<VerifyReport>;
  exportLog(
    format: 'xes' | 'csv',
    key: string,
    version: number,
    options: ExportOptions,
  ): AsyncGenerator<string>;
  importLog(definition: CompiledDefinition, traces: AsyncIterable<ParsedTrace>): Promise<ImportResult>;
  /** The completed cases of a version in duration buckets (the report's histogram). */
  caseBuckets(key: string, version: number): ReturnType<typeof caseBuckets>;
  /** A version's cards by department (the report's 电子监察 table). */
  departmentWarnings(key: string, version: number): Promise<DepartmentWarnings[]>;
}

export interface Services {
  /** Whether the database answers (the health check). */
  ping(): Promise<void>;
  definitions: DefinitionStore;
  cases: CaseService;
  queries: CaseQueries;
  ratings: RatingService;
  calendars: CalendarService;
  metrics: MetricsService;
  records: Records;
  /** Messages and signals between cases (its sweep is started by the node). */
  messages: MessageService;
  /** The cards of electronic supervision and their notes (raised by the node's warning scheduler). */
  warnings: WarningService;
  /** Webhook endpoints and their deliveries (the node's delivery worker sends them). */
  webhooks: WebhookService;
}

export interface ServiceOptions {
  /** Made here when not given (tests give their own, with a virtual clock). */
  definitions?: DefinitionStore;
  cases?: CaseService;
  caseOptions?: CaseServiceOptions;
  ratings?: RatingService;
  ratingOptions?: RatingOptions;
  calendars?: CalendarService;
  calendarOptions?: CalendarServiceOptions;
  messageOptions?: MessageServiceOptions;
}

/**
 * Makes the services on a database. The calendar's stored years are read before anything computes a due
 * date, and the metric rollups are told the calendar's working day (a write: rebuilt when it changed). The
 * calendar service is not started (no polling, no LISTEN): the node does that (server/node.ts).
 */
export async function createServices(db: Db, options: ServiceOptions = {}): Promise<Services> {
  const definitions = options.definitions ?? options.cases?.definitions ?? new DefinitionStore(db);
  const cases = options.cases ?? new CaseService(db, definitions, options.caseOptions);
  const calendars = options.calendars ?? new CalendarService(db, cases, options.calendarOptions);
  await calendars.load();
  const calendar = cases.calendar;
  await syncMetricCalendar(db, calendar);
  const records: Records = {
    verify: (scope, maxReported) => verifyAudit(db, scope, { maxReported, calendar }),
    exportLog: (format, key, version, exportOptions) =>
      (format === 'xes' ? xesChunks : csvChunks)(db, key, version, exportOptions),
    importLog: (definition, traces) => importEventLog(db, definition, traces, { calendar }),
    caseBuckets: (key, version) => caseBuckets(db, key, version),
    departmentWarnings: (key, version) => departmentWarnings(db, key, version),
  };
  return {
    ping: () => ping(db),
    definitions,
    cases,
    queries: new CaseQueries(db, calendar, () => cases.now()),
    ratings: options.ratings ?? new RatingService(db, cases, options.ratingOptions),
    calendars,
    metrics: new MetricsService(db, definitions, calendar),
    records,
    messages: new MessageService(db, cases, definitions, options.messageOptions),
    warnings: new WarningService(db, { clock: () => cases.now() }),
    webhooks: new WebhookService(db),
  };
}
