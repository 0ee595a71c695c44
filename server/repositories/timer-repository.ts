/** SQL on the timers table: claiming due timers, handing them back, moving and dropping them. */
import { sql } from 'kysely';
import type { Executor, RowOf } from './executor.js';

/** The PostgreSQL channel that wakes every node's timer scheduler. */
export const TIMER_CHANNEL = 'reflow_timers';

export type ClaimedTimer = Pick<RowOf<'timers'>, 'id' | 'case_id' | 'element_id' | 'attempts' | 'last_error'>;

/**
 * Claims up to `batch` due timers for `nodeId` until `until` (those waiting for a retry once their pause is
 * over), counting an attempt on each; rows another node holds locked are skipped.
 */
export async function claimDueTimers(
  db: Executor,
  claim: { nodeId: string; now: Date; until: Date; batch: number },
): Promise<ClaimedTimer[]> {
  const { nodeId, now, until, batch } = claim;
  const result = await sql<ClaimedTimer>`
    UPDATE timers SET claimed_by = ${nodeId}, claimed_until = ${until}, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM timers
      WHERE due_at <= ${now} AND (claimed_until IS NULL OR claimed_until < ${now})
        AND (retry_at IS NULL OR retry_at <= ${now})
      ORDER BY due_at LIMIT ${batch}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, case_id, element_id, attempts, last_error`.execute(db);
  return result.rows;
}

/** Hands a timer `nodeId` holds back, to be claimed again from `retryAt`, with the error of its last attempt. */
export async function releaseForRetry(
  db: Executor,
  timerId: string,
  nodeId: string,
  retry: { retryAt: Date; error: string },
): Promise<void> {
  await db
    .updateTable('timers')
    .set({ claimed_by: null, claimed_until: null, retry_at: retry.retryAt, last_error: retry.error })
    .where('id', '=', timerId)
    .where('claimed_by', '=', nodeId)
    .execute();
}

/** Hands back timers `nodeId` claimed but never tried: their claim does not count as an attempt. */
export async function releaseUntried(db: Executor, timerIds: string[], nodeId: string): Promise<void> {
  await db
    .updateTable('timers')
    .set({ claimed_by: null, claimed_until: null, attempts: sql<number>`attempts - 1` })
    .where('id', 'in', timerIds)
    .where('claimed_by', '=', nodeId)
    .execute();
}

/** Hands back every claim of `nodeId`. */
export async function releaseClaims(db: Executor, nodeId: string): Promise<void> {
  await db
    .updateTable('timers')
    .set({ claimed_by: null, claimed_until: null })
    .where('claimed_by', '=', nodeId)
    .execute();
}

export async function deleteTimer(db: Executor, timerId: string): Promise<void> {
  await db.deleteFrom('timers').where('id', '=', timerId).execute();
}

/** A case's timers with their due dates. */
export async function timersOfCase(
  db: Executor,
  caseId: string,
): Promise<Pick<RowOf<'timers'>, 'id' | 'element_id' | 'due_at'>[]> {
  return db
    .selectFrom('timers')
    .select(['id', 'element_id', 'due_at'])
    .where('case_id', '=', caseId)
    .execute();
}

export async function setTimerDueAt(db: Executor, timerId: string, dueAt: Date): Promise<void> {
  await db.updateTable('timers').set({ due_at: dueAt }).where('id', '=', timerId).execute();
}

/** Wakes the timer schedulers of every node at commit (PostgreSQL; PGlite polls). */
export async function notifyTimerSchedulers(db: Executor, payload: string): Promise<void> {
  await sql`SELECT pg_notify(${TIMER_CHANNEL}, ${payload})`.execute(db);
}
