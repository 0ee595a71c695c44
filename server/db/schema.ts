/** The tables as kysely sees them. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string | T, string | T>;
/** bigint columns: PostgreSQL hands them back as strings (pg) or numbers (PGlite); read with Number(). */
type BigIntColumn = ColumnType<string | number | bigint, number | string, number | string>;

export interface DefinitionVersionsTable {
  id: string;
  key: string;
  version: number;
  name: string | null;
  xml: string;
  hash: string;
  /** Hash of the meaning (engine/model/semantic-form.ts); null until computed for rows stored before it. */
  semantic_hash: ColumnType<string | null, string | null | undefined, string | null>;
  /** The file as deployed, when the stored `xml` is it laid out at deploy (migration 2026-12-10-original-xml). */
  original_xml: ColumnType<string | null, string | null | undefined, string | null>;
  static_metrics: Json<Record<string, unknown>>;
  warnings: Json<unknown[]>;
  deployed_at: Timestamp;
}

/** One act of publishing a version (migration 2026-12-08-publishing). */
export interface DefinitionPublicationsTable {
  seq: Generated<number>;
  key: string;
  version: number;
  /** From when new cases start on it (生效时间). */
  effective_at: Timestamp;
  published_at: Timestamp;
  published_by: string | null;
  /** The version in force when it was published (null: none). */
  from_version: number | null;
  /** The system audit entry that records it (null only for the rows the migration wrote). */
  system_seq: number | null;
}

export interface CasesTable {
  id: string;
  definition_id: string;
  process_key: string;
  version: number;
  business_key: string | null;
  status: string;
  channel: string | null;
  materials: ColumnType<string[], string | undefined, string>;
  snapshot: Json<unknown>;
  revision: Generated<number>;
  trips: Generated<number>;
  corrected: Generated<boolean>;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  paused_ms: ColumnType<string | number | bigint, number | string | undefined, number | string>;
  working_ms: BigIntColumn | null;
  imported: Generated<boolean>;
  /** The head of the case's audit hash chain. */
  audit_seq: Generated<number>;
  audit_hash: Generated<string>;
  /** The 一件事 (master case) whose message started this case, directly or through another (2026-12-08-case-links). */
  root_case_id: Generated<string | null>;
}

export interface StepsTable {
  id: string;
  case_id: string;
  process_key: string;
  version: number;
  element_id: string;
  name: string | null;
  type: string;
  department: string | null;
  status: string;
  entered_at: Timestamp;
  completed_at: Timestamp | null;
  due_at: Timestamp | null;
  time_limit: number | null;
  in_person: Generated<boolean>;
  correction: Generated<boolean>;
  pauses_clock: Generated<boolean>;
  working_ms: BigIntColumn | null;
  variables_changed: Json<string[]>;
  parent_step_id: string | null;
  seq: Generated<number>;
  /** An imported step's handler (the log's org:resource); a step of a case run here has its task's. */
  handler_id: ColumnType<string | null, string | null | undefined, string | null>;
  handler_name: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TasksTable {
  id: string;
  case_id: string;
  element_id: string;
  name: string | null;
  department: string | null;
  status: string;
  created_at: Timestamp;
  due_at: Timestamp | null;
  completed_at: Timestamp | null;
  /** Who holds the open task (claimed or assigned), and since when. */
  claimed_by: string | null;
  claimed_name: string | null;
  claimed_at: Timestamp | null;
  /** Who completed it (经办人): its step's handler. */
  handler_id: string | null;
  handler_name: string | null;
  transfers: Generated<number>;
}

export interface TaskTransfersTable {
  id: Generated<string>;
  task_id: string;
  case_id: string;
  from_department: string | null;
  to_department: string | null;
  from_user: string | null;
  to_user: string | null;
  reason: string;
  actor: string;
  at: Timestamp;
}

export interface TimersTable {
  id: string;
  case_id: string;
  element_id: string;
  due_at: Timestamp;
  claimed_by: string | null;
  claimed_until: Timestamp | null;
  attempts: Generated<number>;
  /** Not claimed again before this, after a failed firing (null: as soon as due). */
  retry_at: Timestamp | null;
  /** Why the last firing failed. */
  last_error: string | null;
}

export interface AuditEventsTable {
  case_id: string;
  seq: number;
  type: string;
  at: Timestamp;
  actor: string | null;
  payload: Json<unknown>;
  prev_hash: string;
  hash: string;
}

export interface IdempotencyKeysTable {
  /** A client's key scoped by its principal: a SHA-256 over the whole token and the key (no token text). */
  key: string;
  case_id: string;
  created_at: Timestamp;
}

export interface RatingsTable {
  id: string;
  case_id: string;
  channel: string;
  level: number;
  comment: string | null;
  element_id: string | null;
  department: string | null;
  defaulted: Generated<boolean>;
  rated_at: Timestamp;
  deadline_days: number | null;
  rectification_case_id: string | null;
  /** The rated step's handler (评价到人); null for a step nobody is named for. */
  handler_id: ColumnType<string | null, string | null | undefined, string | null>;
  handler_name: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A year's official holiday schedule loaded by an administrator (migration 2026-12-06-calendar-years). */
export interface CalendarYearsTable {
  year: number;
  holidays: Json<string[]>;
  workdays: Json<string[]>;
  loaded_at: Timestamp;
  loaded_by: string | null;
  /** The system audit entry that wrote this row. */
  system_seq: number;
}

/** Changes that belong to no case, hash-chained (a year's schedule loaded). */
export interface SystemEventsTable {
  seq: number;
  type: string;
  at: Timestamp;
  actor: string | null;
  payload: Json<unknown>;
  prev_hash: string;
  hash: string;
}

/** A message or signal a case waits for, found by name and key (migration 2026-12-07-messages-between-cases). */
export interface CaseSubscriptionsTable {
  case_id: string;
  id: string;
  kind: string;
  name: string;
  correlation_key: string | null;
  element_id: string;
  created_at: Timestamp;
  /** The message being delivered to this wait. */
  claimed_by: string | null;
}

/** A message or signal sent between cases, and what became of it (server/repositories/message-repository.ts). */
export interface MessagesTable {
  id: string;
  kind: string;
  name: string;
  correlation_key: string | null;
  variables: Json<Record<string, unknown>>;
  source_case_id: string | null;
  source_element_id: string | null;
  status: string;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  target_case_id: string | null;
  subscription_id: string | null;
  claimed_at: Timestamp | null;
  done_at: Timestamp | null;
  reason: string | null;
}

/** A yellow or red card (电子监察) on a task or a case (migration 2026-12-08-warnings). */
export interface WarningsTable {
  id: string;
  subject: 'task' | 'case';
  subject_id: string;
  level: 'yellow' | 'red';
  case_id: string;
  task_id: string | null;
  process_key: string;
  version: number;
  element_id: string;
  department: string | null;
  raised_at: Timestamp;
  due_at: Timestamp | null;
  used_share: number;
  warn_at: number;
  limit_days: number;
  cleared_at: Timestamp | null;
}

/** A follow-up note (督办意见) on a card. */
export interface WarningNotesTable {
  id: string;
  warning_id: string;
  case_id: string;
  author: string;
  text: string;
  created_at: Timestamp;
}

/** When an open task or case is next looked at for its cards. */
export interface WarningChecksTable {
  subject: 'task' | 'case';
  subject_id: string;
  case_id: string;
  next_at: Timestamp;
  claimed_by: string | null;
  claimed_until: Timestamp | null;
}

/** An HTTP endpoint events are pushed to (migration 2026-12-08-webhooks). */
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  events: Json<string[]>;
  secret: string;
  enabled: Generated<boolean>;
  description: string | null;
  created_at: Timestamp;
  created_by: string | null;
  /** Failed attempts in a row (migration 2026-12-12-webhook-endpoint-backoff): above 0, the endpoint is paused. */
  failures: Generated<number>;
  /** When a paused endpoint's next probe is due. */
  retry_at: Timestamp | null;
  /** Events may be held for it (`webhook_events.owed`) since a pause (migration 2026-12-15-webhook-held-events). */
  held: Generated<boolean>;
}

/** An event in the outbox: its id is every delivery's `webhook-id`. */
export interface WebhookEventsTable {
  id: string;
  type: string;
  data: Json<unknown>;
  created_at: Timestamp;
  /** The paused endpoints it is held for: they get its delivery rows when their pause ends. */
  owed: string[] | null;
}

/** One event to one endpoint: pending, delivered or failed (attempts used up). */
export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  endpoint_id: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  next_at: Timestamp;
  claimed_by: string | null;
  claimed_until: Timestamp | null;
  last_attempt_at: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Timestamp | null;
  created_at: Timestamp;
}

export interface Database {
  definition_versions: DefinitionVersionsTable;
  definition_publications: DefinitionPublicationsTable;
  cases: CasesTable;
  steps: StepsTable;
  tasks: TasksTable;
  task_transfers: TaskTransfersTable;
  timers: TimersTable;
  audit_events: AuditEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  ratings: RatingsTable;
  calendar_years: CalendarYearsTable;
  system_events: SystemEventsTable;
  case_subscriptions: CaseSubscriptionsTable;
  messages: MessagesTable;
  warnings: WarningsTable;
  warning_notes: WarningNotesTable;
  warning_checks: WarningChecksTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
