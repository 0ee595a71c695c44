/**
 * SQL on the cards of electronic supervision (电子监察, migration 2026-12-08-warnings): claiming the checks that
 * came due, what a check needs to decide (the task and its step, the case's paused steps), raising cards at most
 * once per level (the unique constraint decides), the cards' audit entries, the listing and the notes.
 */
import { sql } from 'kysely';
import type { Executor, RowOf } from './executor.js';

export type WarningRow = RowOf<'warnings'>;
export type CheckKey = { subject: 'task' | 'case'; subject_id: string; case_id: string };

/** Rows passed to a statement as one JSON document (the same text in PostgreSQL and PGlite). */
const json = (rows: unknown[]) => sql`${JSON.stringify(rows)}::json`;

/**
 * Claims up to `batch` checks due at `now` for `nodeId` until `until`; rows another node holds locked, or has
 * claimed and whose claim still holds, are skipped.
 */
export async function claimDueChecks(
  db: Executor,
  claim: { nodeId: string; now: Date; until: Date; batch: number },
): Promise<CheckKey[]> {
  const { nodeId, now, until, batch } = claim;
  const result = await sql<CheckKey>`
    UPDATE warning_checks SET claimed_by = ${nodeId}, claimed_until = ${until}
    WHERE (subject, subject_id) IN (
      SELECT subject, subject_id FROM warning_checks
      WHERE next_at <= ${now} AND (claimed_until IS NULL OR claimed_until < ${now})
      ORDER BY next_at LIMIT ${batch}
      FOR UPDATE SKIP LOCKED)
    RETURNING subject, subject_id, case_id`.execute(db);
  return result.rows;
}

export type LockedCase = Pick<
  RowOf<'cases'>,
  'id' | 'definition_id' | 'process_key' | 'version' | 'status' | 'started_at' | 'audit_seq' | 'audit_hash'
>;

/** The cases of the claimed checks, locked (in id order, so two nodes never wait on each other) until commit. */
export async function lockCases(trx: Executor, ids: string[]): Promise<LockedCase[]> {
  if (ids.length === 0) return [];
  return trx
    .selectFrom('cases')
    .select([
      'id',
      'definition_id',
      'process_key',
      'version',
      'status',
      'started_at',
      'audit_seq',
      'audit_hash',
    ])
    .where('id', 'in', ids)
    .orderBy('id')
    .forUpdate()
    .execute();
}

export interface CheckedTask {
  id: string;
  case_id: string;
  element_id: string;
  department: string | null;
  status: string;
  entered_at: Date;
  due_at: Date | null;
  time_limit: number | null;
  pauses_clock: boolean;
}

/** Tasks with their steps (a task's id is its step's): limit, entered instant, whether it pauses the clock. */
export async function checkedTasks(trx: Executor, ids: string[]): Promise<CheckedTask[]> {
  if (ids.length === 0) return [];
  return trx
    .selectFrom('tasks as t')
    .innerJoin('steps as s', 's.id', 't.id')
    .select([
      't.id',
      't.case_id',
      't.element_id',
      't.department',
      't.status',
      's.entered_at',
      't.due_at',
      's.time_limit',
      's.pauses_clock',
    ])
    .where('t.id', 'in', ids)
    .execute();
}

/** The `gov:pausesClock` steps of cases (an open one has `completed_at` null). */
export async function pausingSteps(
  trx: Executor,
  caseIds: string[],
): Promise<{ case_id: string; entered_at: Date; completed_at: Date | null }[]> {
  if (caseIds.length === 0) return [];
  return trx
    .selectFrom('steps')
    .select(['case_id', 'entered_at', 'completed_at'])
    .where('case_id', 'in', caseIds)
    .where('pauses_clock', '=', true)
    .execute();
}

/** The department of each case's oldest open task: who holds the case when its card is raised. */
export async function holdingDepartments(trx: Executor, caseIds: string[]): Promise<Map<string, string>> {
  if (caseIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom('tasks')
    .select(['case_id', 'department', 'created_at'])
    .where('case_id', 'in', caseIds)
    .where('status', 'not in', ['completed', 'cancelled'])
    .where('department', 'is not', null)
    .orderBy('created_at')
    .execute();
  const held = new Map<string, string>();
  for (const r of rows) if (!held.has(r.case_id)) held.set(r.case_id, r.department as string);
  return held;
}

/** The levels already raised on the subjects (`subject:subject_id` → levels). */
export async function raisedLevels(trx: Executor, subjectIds: string[]): Promise<Map<string, Set<string>>> {
  const raised = new Map<string, Set<string>>();
  if (subjectIds.length === 0) return raised;
  const rows = await trx
    .selectFrom('warnings')
    .select(['subject', 'subject_id', 'level'])
    .where('subject_id', 'in', subjectIds)
    .execute();
  for (const r of rows) {
    const key = `${r.subject}:${r.subject_id}`;
    raised.set(key, (raised.get(key) ?? new Set()).add(r.level));
  }
  return raised;
}

export type NewWarning = Omit<WarningRow, 'raised_at' | 'due_at' | 'cleared_at'> & {
  raised_at: string;
  due_at: string | null;
};

/** Inserts cards; one already raised for its subject and level (by another node) is left out. Returns those inserted. */
export async function insertWarnings(trx: Executor, rows: NewWarning[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const result = await sql<{ id: string }>`
    INSERT INTO warnings (id, subject, subject_id, level, case_id, task_id, process_key, version, element_id,
      department, raised_at, due_at, used_share, warn_at, limit_days)
    SELECT id, subject, subject_id, level, case_id, task_id, process_key, version, element_id,
      department, raised_at, due_at, used_share, warn_at, limit_days
    FROM json_to_recordset(${json(rows)}) AS x(id text, subject text, subject_id text, level text, case_id text,
      task_id text, process_key text, version int, element_id text, department text, raised_at timestamptz,
      due_at timestamptz, used_share double precision, warn_at double precision, limit_days double precision)
    ON CONFLICT ON CONSTRAINT warnings_once_per_level DO NOTHING
    RETURNING id`.execute(trx);
  return result.rows.map((r) => r.id);
}

export interface AuditAppend {
  case_id: string;
  seq: number;
  type: string;
  at: string;
  actor: string | null;
  payload: unknown;
  prev_hash: string;
  hash: string;
}

/** Appends audit entries and moves each case's chain head (and revision: a node's remembered copy is stale). */
export async function appendAudit(
  trx: Executor,
  entries: AuditAppend[],
  heads: { id: string; audit_seq: number; audit_hash: string }[],
): Promise<void> {
  if (entries.length === 0) return;
  await sql`
    INSERT INTO audit_events (case_id, seq, type, at, actor, payload, prev_hash, hash)
    SELECT case_id, seq, type, at, actor, payload, prev_hash, hash
    FROM json_to_recordset(${json(entries)}) AS x(case_id text, seq int, type text, at timestamptz, actor text,
      payload jsonb, prev_hash text, hash text)`.execute(trx);
  await sql`
    WITH x AS MATERIALIZED (
      SELECT * FROM json_to_recordset(${json(heads)}) AS x(id text, audit_seq int, audit_hash text))
    UPDATE cases SET audit_seq = x.audit_seq, audit_hash = x.audit_hash, revision = cases.revision + 1
    FROM x WHERE cases.id = x.id`.execute(trx);
}

/** Sets when each check is next looked at, handing back `nodeId`'s claim. */
export async function rescheduleChecks(
  trx: Executor,
  nodeId: string,
  rows: { subject: string; subject_id: string; next_at: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  // joined by the key only: a filter on `claimed_by` (statistics taken while nothing was claimed: no row matches)
  // made the planner scan the checks first and the document once per check — seconds per batch. A check another
  // node claimed meanwhile (this node's lease lapsed) gets the same instant from it: the decision is the same.
  void nodeId;
  await sql`
    WITH x AS MATERIALIZED (
      SELECT * FROM json_to_recordset(${json(rows)}) AS x(subject text, subject_id text, next_at timestamptz))
    UPDATE warning_checks SET next_at = x.next_at, claimed_by = NULL, claimed_until = NULL
    FROM x
    WHERE warning_checks.subject_id = x.subject_id AND warning_checks.subject = x.subject`.execute(trx);
}

/** Removes checks with nothing left to raise (both levels raised, no limit, or the subject ended). */
export async function deleteChecks(
  trx: Executor,
  rows: { subject: string; subject_id: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    WITH x AS MATERIALIZED (SELECT * FROM json_to_recordset(${json(rows)}) AS x(subject text, subject_id text))
    DELETE FROM warning_checks USING x
    WHERE warning_checks.subject_id = x.subject_id AND warning_checks.subject = x.subject`.execute(trx);
}

/** Hands back every check claim of `nodeId` (its stop). */
export async function releaseCheckClaims(db: Executor, nodeId: string): Promise<void> {
  await db
    .updateTable('warning_checks')
    .set({ claimed_by: null, claimed_until: null })
    .where('claimed_by', '=', nodeId)
    .execute();
}

export interface WarningFilter {
  level?: 'yellow' | 'red';
  department?: string;
  process?: string;
  caseId?: string;
  /** Cleared cards too (the history), not only the open ones. */
  history?: boolean;
  limit: number;
}

/** Cards, newest first: the open ones unless `history`. */
export async function listWarnings(db: Executor, filter: WarningFilter): Promise<WarningRow[]> {
  let query = db.selectFrom('warnings').selectAll();
  if (!filter.history) query = query.where('cleared_at', 'is', null);
  if (filter.level) query = query.where('level', '=', filter.level);
  if (filter.department) query = query.where('department', '=', filter.department);
  if (filter.process) query = query.where('process_key', '=', filter.process);
  if (filter.caseId) query = query.where('case_id', '=', filter.caseId);
  return query.orderBy('raised_at', 'desc').orderBy('id').limit(filter.limit).execute();
}

export async function warningById(db: Executor, id: string): Promise<WarningRow | undefined> {
  return db.selectFrom('warnings').selectAll().where('id', '=', id).executeTakeFirst();
}

export type NoteRow = RowOf<'warning_notes'>;

export async function insertNote(
  db: Executor,
  note: Omit<NoteRow, 'created_at'> & { created_at: Date },
): Promise<void> {
  await db.insertInto('warning_notes').values(note).execute();
}

/** The notes on cards of the given cases, or of the given cards, oldest first. */
export async function notesOf(
  db: Executor,
  by: { caseIds?: string[]; warningIds?: string[] },
): Promise<NoteRow[]> {
  let query = db.selectFrom('warning_notes').selectAll();
  if (by.caseIds) {
    if (by.caseIds.length === 0) return [];
    query = query.where('case_id', 'in', by.caseIds);
  }
  if (by.warningIds) {
    if (by.warningIds.length === 0) return [];
    query = query.where('warning_id', 'in', by.warningIds);
  }
  return query.orderBy('created_at').orderBy('id').execute();
}
