/**
 * SQL of a calendar change applied to stored cases (server/calendar/recompute.ts): the open work due in the
 * changed years, the working times measured over them, and the writes that move them.
 */
import { sql } from 'kysely';
import type { Executor, RowOf } from './executor.js';

/** Rows updated per statement when working times are rewritten. */
const CHUNK = 1000;

export type StepDue = Pick<RowOf<'steps'>, 'id' | 'element_id' | 'entered_at'> & {
  due_at: Date;
  time_limit: number;
};

/** The cases with an active step due from `lo` on and entered before `hi`, or a timer due from `lo` on. */
export async function casesWithDueDates(
  db: Executor,
  span: { lo: Date; hi: Date; since: Date | null },
): Promise<string[]> {
  const { lo, hi, since } = span;
  const { rows } = await sql<{ case_id: string }>`
    SELECT case_id FROM steps
     WHERE status = 'active' AND due_at IS NOT NULL AND time_limit IS NOT NULL AND due_at >= ${lo} AND entered_at < ${hi}
       AND (${since}::timestamptz IS NULL OR entered_at >= ${since}::timestamptz)
    UNION
    SELECT case_id FROM timers WHERE due_at >= ${lo}
    ORDER BY 1`.execute(db);
  return rows.map((r) => r.case_id);
}

/** A case's row for moving its due dates, locked until the transaction ends. */
export async function lockCaseForDueDates(
  trx: Executor,
  caseId: string,
): Promise<
  Pick<RowOf<'cases'>, 'snapshot' | 'status' | 'audit_seq' | 'audit_hash' | 'imported'> | undefined
> {
  return trx
    .selectFrom('cases')
    .select(['snapshot', 'status', 'audit_seq', 'audit_hash', 'imported'])
    .where('id', '=', caseId)
    .forUpdate()
    .executeTakeFirst();
}

/** A case's active steps with a time limit and a due date, entered before `hi` (and from `since`). */
export async function activeStepsDue(
  trx: Executor,
  caseId: string,
  hi: Date,
  since: number | undefined,
): Promise<StepDue[]> {
  let query = trx
    .selectFrom('steps')
    .select(['id', 'element_id', 'entered_at', 'due_at', 'time_limit'])
    .where('case_id', '=', caseId)
    .where('status', '=', 'active')
    .where('due_at', 'is not', null)
    .where('time_limit', 'is not', null)
    .where('entered_at', '<', hi);
  if (since !== undefined) query = query.where('entered_at', '>=', new Date(since));
  return (await query.execute()) as StepDue[];
}

/** When a timer was scheduled, by its timerScheduled event (timers scheduled before they kept it themselves). */
export async function timerScheduledAt(
  trx: Executor,
  caseId: string,
  timerId: string,
): Promise<number | null> {
  const { rows } = await sql<{ at: Date }>`
    SELECT at FROM audit_events
     WHERE case_id = ${caseId} AND type = 'timerScheduled' AND payload -> 'timer' ->> 'id' = ${timerId}
     ORDER BY seq DESC LIMIT 1`.execute(trx);
  return rows[0] ? rows[0].at.getTime() : null;
}

export async function setStepDueAt(trx: Executor, stepId: string, dueAt: Date): Promise<void> {
  await trx.updateTable('steps').set({ due_at: dueAt }).where('id', '=', stepId).execute();
}

/** The case after its due dates moved: its snapshot, the next revision, the new head of its audit chain. */
export async function saveMovedCase(
  trx: Executor,
  caseId: string,
  after: { snapshot: unknown; auditSeq: number; auditHash: string },
): Promise<void> {
  await trx
    .updateTable('cases')
    .set((eb) => ({
      snapshot: JSON.stringify(after.snapshot),
      revision: eb('revision', '+', 1),
      audit_seq: after.auditSeq,
      audit_hash: after.auditHash,
    }))
    .where('id', '=', caseId)
    .execute();
}

export async function insertAuditEvent(
  trx: Executor,
  row: Omit<RowOf<'audit_events'>, 'payload'> & { payload: unknown },
): Promise<void> {
  await trx
    .insertInto('audit_events')
    .values({ ...row, payload: JSON.stringify(row.payload) })
    .execute();
}

/** Completed steps that ran in [lo, hi), by id after `afterId`, `limit` at a time. */
export async function completedStepsPage(
  db: Executor,
  page: { lo: Date; hi: Date; since: Date | null; afterId: string; limit: number },
): Promise<
  (Pick<RowOf<'steps'>, 'id' | 'process_key' | 'version' | 'entered_at'> & {
    completed_at: Date;
    working_ms: string | number | null;
  })[]
> {
  const { lo, hi, since, afterId, limit } = page;
  const { rows } = await sql<
    Pick<RowOf<'steps'>, 'id' | 'process_key' | 'version' | 'entered_at'> & {
      completed_at: Date;
      working_ms: string | number | null;
    }
  >`
    SELECT id, process_key, version, entered_at, completed_at, working_ms FROM steps
     WHERE completed_at IS NOT NULL AND completed_at >= ${lo} AND entered_at < ${hi} AND id > ${afterId}
       AND (${since}::timestamptz IS NULL OR completed_at >= ${since}::timestamptz)
     ORDER BY id LIMIT ${limit}`.execute(db);
  return rows;
}

export type EndedCase = Pick<RowOf<'cases'>, 'id' | 'process_key' | 'version' | 'started_at'> & {
  ended_at: Date;
  working_ms: string | number;
  paused_ms: string | number;
};

/** Ended cases with a working time that span [lo, hi), by id after `afterId`, `limit` at a time. */
export async function endedCasesPage(
  db: Executor,
  page: { lo: Date; hi: Date; since: Date | null; afterId: string; limit: number },
): Promise<EndedCase[]> {
  const { lo, hi, since, afterId, limit } = page;
  const { rows } = await sql<EndedCase>`
    SELECT id, process_key, version, started_at, ended_at, working_ms, paused_ms FROM cases
     WHERE ended_at IS NOT NULL AND working_ms IS NOT NULL AND ended_at >= ${lo} AND started_at < ${hi}
       AND id > ${afterId} AND (${since}::timestamptz IS NULL OR ended_at >= ${since}::timestamptz)
     ORDER BY id LIMIT ${limit}`.execute(db);
  return rows;
}

/** The gov:pausesClock steps of the given cases. */
export async function pausingStepsOf(
  db: Executor,
  caseIds: string[],
): Promise<Pick<RowOf<'steps'>, 'case_id' | 'entered_at' | 'completed_at'>[]> {
  const { rows } = await sql<Pick<RowOf<'steps'>, 'case_id' | 'entered_at' | 'completed_at'>>`
    SELECT case_id, entered_at, completed_at FROM steps
     WHERE case_id = ANY(${caseIds}::text[]) AND pauses_clock`.execute(db);
  return rows;
}

/** Rewrites working times that changed, `CHUNK` rows per statement. */
export async function rewriteWorkingTimes(
  db: Executor,
  table: 'steps' | 'cases',
  rows: { id: string; working_ms: number; paused_ms?: number }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const ids = chunk.map((r) => r.id);
    const working = chunk.map((r) => r.working_ms);
    if (table === 'steps') {
      await sql`UPDATE steps SET working_ms = x.working_ms
                  FROM unnest(${ids}::text[], ${working}::bigint[]) AS x(id, working_ms)
                 WHERE steps.id = x.id`.execute(db);
    } else {
      const paused = chunk.map((r) => r.paused_ms ?? 0);
      await sql`UPDATE cases SET working_ms = x.working_ms, paused_ms = x.paused_ms
                  FROM unnest(${ids}::text[], ${working}::bigint[], ${paused}::bigint[]) AS x(id, working_ms, paused_ms)
                 WHERE cases.id = x.id`.execute(db);
    }
  }
}

/** Rebuilds a version's metric rollups (the database function of the rollup migrations). */
export async function rebuildRollups(db: Executor, key: string, version: number): Promise<void> {
  await sql`SELECT reflow_roll_up_version(${key}, ${version})`.execute(db);
}
