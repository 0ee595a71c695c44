/** SQL on the cases table and a case's audit events: reads for the API and the case service. */
import { sql } from 'kysely';
import { NotFound } from '../cases/errors.js';
import { sayCaseMissing } from '../problem-text.js';
import type { Executor, RowOf } from './executor.js';

/** What the case service reads off a cases row. */
export type CaseRow = Pick<
  RowOf<'cases'>,
  | 'id'
  | 'definition_id'
  | 'process_key'
  | 'version'
  | 'business_key'
  | 'channel'
  | 'materials'
  | 'snapshot'
  | 'revision'
  | 'audit_seq'
  | 'audit_hash'
  | 'started_at'
  | 'status'
  | 'ended_at'
  | 'trips'
  | 'corrected'
  | 'working_ms'
>;

/**
 * The 一件事 a case started by `caseId`'s message belongs to: `caseId`'s own root, else `caseId` itself (the
 * master). engine/metrics/case-figures.ts states what a master's figures include.
 */
export async function rootCaseOf(db: Executor, caseId: string): Promise<string> {
  const row = await db.selectFrom('cases').select('root_case_id').where('id', '=', caseId).executeTakeFirst();
  return row?.root_case_id ?? caseId;
}

/** A step or a task of a case as the database returns it inside the case's JSON (times as ISO strings). */
export type StoredStep = Pick<
  RowOf<'steps'>,
  | 'id'
  | 'element_id'
  | 'name'
  | 'type'
  | 'department'
  | 'status'
  | 'pauses_clock'
  | 'seq'
  | 'handler_id'
  | 'handler_name'
> & {
  entered_at: string | null;
  completed_at: string | null;
  due_at: string | null;
  working_ms: number | null;
};
export type StoredTask = Pick<
  RowOf<'tasks'>,
  | 'id'
  | 'element_id'
  | 'name'
  | 'department'
  | 'status'
  | 'claimed_by'
  | 'claimed_name'
  | 'handler_id'
  | 'handler_name'
> & {
  created_at: string | null;
  due_at: string | null;
};

export async function caseExists(db: Executor, caseId: string): Promise<boolean> {
  const row = await db.selectFrom('cases').select('id').where('id', '=', caseId).executeTakeFirst();
  return row !== undefined;
}

/** The one "case exists or 404": a NotFound (404 not-found) naming the case when it does not. */
export async function requireCase(db: Executor, caseId: string): Promise<void> {
  if (!(await caseExists(db, caseId))) throw new NotFound(sayCaseMissing(caseId));
}

/** Whether the database holds any case at all. */
export async function hasAnyCase(db: Executor): Promise<boolean> {
  return (await db.selectFrom('cases').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Whether a version has any case. */
export async function versionHasCases(db: Executor, key: string, version: number): Promise<boolean> {
  const row = await db
    .selectFrom('cases')
    .select('id')
    .where('process_key', '=', key)
    .where('version', '=', version)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** A case with its steps and tasks, in one query: by its id, or by the id of one of its tasks. */
export async function loadCaseRows(
  db: Executor,
  by: { caseId: string } | { taskId: string },
): Promise<(CaseRow & { steps: StoredStep[]; tasks: StoredTask[] }) | undefined> {
  const where =
    'caseId' in by
      ? sql`c.id = ${by.caseId}`
      : sql`c.id = (SELECT case_id FROM tasks WHERE id = ${by.taskId})`;
  const { rows } = await sql<CaseRow & { steps: StoredStep[]; tasks: StoredTask[] }>`
    SELECT c.id, c.definition_id, c.process_key, c.version, c.business_key, c.channel, c.materials, c.snapshot,
           c.revision, c.audit_seq, c.audit_hash, c.started_at, c.status, c.ended_at, c.trips, c.corrected, c.working_ms,
           (SELECT coalesce(json_agg(json_build_object(
              'id', s.id, 'element_id', s.element_id, 'name', s.name, 'type', s.type, 'department', s.department,
              'status', s.status, 'entered_at', s.entered_at, 'completed_at', s.completed_at, 'due_at', s.due_at,
              'working_ms', s.working_ms, 'pauses_clock', s.pauses_clock, 'seq', s.seq,
              'handler_id', s.handler_id, 'handler_name', s.handler_name)), '[]'::json)
              FROM steps s WHERE s.case_id = c.id) AS steps,
           (SELECT coalesce(json_agg(json_build_object(
              'id', t.id, 'element_id', t.element_id, 'name', t.name, 'department', t.department, 'status', t.status,
              'created_at', t.created_at, 'due_at', t.due_at, 'claimed_by', t.claimed_by,
              'claimed_name', t.claimed_name, 'handler_id', t.handler_id, 'handler_name', t.handler_name)), '[]'::json)
              FROM tasks t WHERE t.case_id = c.id) AS tasks
      FROM cases c WHERE ${where}`.execute(db);
  return rows[0];
}

/** The case an idempotency key started, with what it started with (its start variables from its first event). */
export async function caseOfIdempotencyKey(
  db: Executor,
  key: string,
): Promise<
  | (Pick<RowOf<'cases'>, 'process_key' | 'version' | 'business_key' | 'channel'> & {
      case_id: string;
      materials: string[] | null;
      variables: unknown;
    })
  | undefined
> {
  const { rows } = await sql<
    Pick<RowOf<'cases'>, 'process_key' | 'version' | 'business_key' | 'channel'> & {
      case_id: string;
      materials: string[] | null;
      variables: unknown;
    }
  >`
    SELECT k.case_id, c.process_key, c.version, c.business_key, c.channel, c.materials,
           (SELECT a.payload -> 'variables' FROM audit_events a
             WHERE a.case_id = c.id AND a.seq = 1 AND a.type = 'caseStarted') AS variables
      FROM idempotency_keys k JOIN cases c ON c.id = k.case_id
     WHERE k.key = ${key}`.execute(db);
  return rows[0];
}

/** The engine-run case of a process that has a business key, if any. */
export async function caseWithBusinessKey(
  db: Executor,
  process: string,
  businessKey: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('cases')
    .select('id')
    .where('process_key', '=', process)
    .where('business_key', '=', businessKey)
    .where('imported', '=', false)
    .executeTakeFirst();
  return row?.id;
}

/** A case's id, status and process (the case a rating is for). */
export async function caseStatus(
  db: Executor,
  caseId: string,
): Promise<Pick<RowOf<'cases'>, 'id' | 'status' | 'process_key'> | undefined> {
  return db
    .selectFrom('cases')
    .select(['id', 'status', 'process_key'])
    .where('id', '=', caseId)
    .executeTakeFirst();
}

export interface CaseFilter {
  process?: string;
  version?: number;
  status?: string;
  businessKey?: string;
  limit: number;
  /** The id of the last case of the previous page. */
  after?: string;
}

export type CaseSummaryRow = Pick<
  RowOf<'cases'>,
  | 'id'
  | 'process_key'
  | 'version'
  | 'business_key'
  | 'status'
  | 'channel'
  | 'started_at'
  | 'ended_at'
  | 'trips'
  | 'working_ms'
>;

/** The columns of a case's summary (CaseSummaryRow). */
const SUMMARY_COLUMNS = [
  'id',
  'process_key',
  'version',
  'business_key',
  'status',
  'channel',
  'started_at',
  'ended_at',
  'trips',
  'working_ms',
] as const;

/**
 * Up to `limit + 1` cases, newest first (the extra one tells there is a next page); null when the `after`
 * cursor names no case.
 */
export async function pageOfCases(db: Executor, filter: CaseFilter): Promise<CaseSummaryRow[] | null> {
  let query = db.selectFrom('cases').select(SUMMARY_COLUMNS);
  if (filter.process) query = query.where('process_key', '=', filter.process);
  if (filter.version) query = query.where('version', '=', filter.version);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.businessKey) query = query.where('business_key', '=', filter.businessKey);
  if (filter.after) {
    const anchor = await db
      .selectFrom('cases')
      .select(['started_at', 'id'])
      .where('id', '=', filter.after)
      .executeTakeFirst();
    if (!anchor) return null;
    query = query.where(sql<boolean>`(started_at, id) < (${anchor.started_at}, ${anchor.id})`);
  }
  return query
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
}

/** A case of a 一件事 as its view lists it: the summary row, its correction and its master. */
export type OneThingRow = CaseSummaryRow & Pick<RowOf<'cases'>, 'corrected' | 'root_case_id'>;

/**
 * The 一件事 `caseId` belongs to: its master (the case's root, else the case itself) first, then every case
 * naming that master as root, oldest first. One row (the case alone) when the case is no part of a 一件事;
 * none when it does not exist.
 */
export async function oneThingOf(db: Executor, caseId: string): Promise<OneThingRow[]> {
  // the master first, by primary key; then the 一件事 by two index lookups (the primary key, cases_root): a
  // subquery in place of the master's id would scan every case
  const self = await db
    .selectFrom('cases')
    .select('root_case_id')
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!self) return [];
  const master = self.root_case_id ?? caseId;
  return db
    .selectFrom('cases')
    .select([...SUMMARY_COLUMNS, 'corrected', 'root_case_id'])
    .where((eb) => eb.or([eb('id', '=', master), eb('root_case_id', '=', master)]))
    .orderBy(sql`root_case_id IS NOT NULL`)
    .orderBy('started_at')
    .orderBy('id')
    .execute();
}

/** A case's audit events, in order. */
export async function auditEventsOfCase(db: Executor, caseId: string): Promise<RowOf<'audit_events'>[]> {
  return db.selectFrom('audit_events').selectAll().where('case_id', '=', caseId).orderBy('seq').execute();
}
