/**
 * SQL on `messages` and `case_subscriptions` (migration 2026-12-07-messages-between-cases): storing a message,
 * claiming the one waiting case it goes to (row locks, so each message reaches exactly one wait even with several
 * nodes delivering at once), finishing, buffering and expiring it, and finding the cases waiting for a signal.
 * The rows of a case's own waits and of what it sends are written with its command (server/store/batch-statement.ts).
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { Executor } from './executor.js';

export type MessageStatus = 'pending' | 'claimed' | 'buffered' | 'delivered' | 'started' | 'undelivered';

export interface MessageRow {
  id: string;
  kind: 'message' | 'signal';
  name: string;
  correlation_key: string | null;
  variables: Record<string, unknown>;
  source_case_id: string | null;
  source_element_id: string | null;
  status: MessageStatus;
  created_at: Date;
  expires_at: Date | null;
  target_case_id: string | null;
  subscription_id: string | null;
  claimed_at: Date | null;
  done_at: Date | null;
  reason: string | null;
}

/** Stores a message sent by the API, as `pending`. */
export async function insertMessage(
  db: Executor,
  message: { id: string; name: string; correlationKey: string | null; variables: unknown; at: Date },
): Promise<void> {
  await sql`
    INSERT INTO messages (id, kind, name, correlation_key, variables, status, created_at)
    VALUES (${message.id}, 'message', ${message.name}, ${message.correlationKey},
      ${JSON.stringify(message.variables)}::json, 'pending', ${message.at})`.execute(db);
}

export async function findMessage(db: Executor, id: string): Promise<MessageRow | undefined> {
  const { rows } = await sql<MessageRow>`SELECT * FROM messages WHERE id = ${id}`.execute(db);
  return rows[0];
}

/** What claiming a message found: the wait it now goes to, or nothing waiting (the message is left as it was). */
export type Claim =
  | { kind: 'wait'; message: MessageRow; caseId: string; subscriptionId: string }
  | { kind: 'none'; message: MessageRow }
  | { kind: 'busy' };

/**
 * Claims a pending or buffered message and the oldest case waiting for it (same name, equal correlation key,
 * not claimed by another message), in one transaction: both rows locked, the message marked `claimed` for that
 * wait and the wait marked claimed by the message. `busy`: another node holds the message, or it is no longer
 * open. Waits other transactions hold are skipped, so concurrent claims never pick the same wait.
 */
export async function claimWait(db: Executor, messageId: string, now: Date): Promise<Claim> {
  // one statement: the message locked, the oldest free wait of its name and key locked (both skipped when another
  // transaction holds them), the wait marked claimed by the message and the message claimed for the wait
  const { rows } = await sql<MessageRow & { wait_case_id: string | null; wait_id: string | null }>`
    WITH m AS (
      SELECT * FROM messages WHERE id = ${messageId} AND status IN ('pending', 'buffered')
      FOR UPDATE SKIP LOCKED),
    w AS (
      SELECT s.case_id, s.id FROM case_subscriptions s, m
      WHERE s.kind = 'message' AND s.name = m.name
        AND s.correlation_key IS NOT DISTINCT FROM m.correlation_key AND s.claimed_by IS NULL
      ORDER BY s.created_at, s.case_id, s.id
      LIMIT 1
      FOR UPDATE OF s SKIP LOCKED),
    ws AS (
      UPDATE case_subscriptions s SET claimed_by = ${messageId}
      FROM w WHERE s.case_id = w.case_id AND s.id = w.id
      RETURNING s.case_id, s.id),
    mu AS (
      UPDATE messages SET status = 'claimed', target_case_id = ws.case_id, subscription_id = ws.id,
        claimed_at = ${now}
      FROM ws WHERE messages.id = ${messageId}
      RETURNING messages.id)
    SELECT m.*, ws.case_id AS wait_case_id, ws.id AS wait_id
    FROM m LEFT JOIN ws ON true LEFT JOIN mu ON true`.execute(db);
  const row = rows[0];
  if (!row) return { kind: 'busy' };
  const { wait_case_id, wait_id, ...message } = row;
  if (wait_case_id === null || wait_id === null) return { kind: 'none', message };
  return { kind: 'wait', message, caseId: wait_case_id, subscriptionId: wait_id };
}

/**
 * Claims a pending or buffered message to start cases by it (a message start event): marked `claimed` with no
 * wait. Null when another node holds it or it is no longer open.
 */
export async function claimForStart(db: Db, messageId: string, now: Date): Promise<MessageRow | null> {
  const { rows } = await sql<MessageRow>`
    UPDATE messages SET status = 'claimed', target_case_id = NULL, subscription_id = NULL, claimed_at = ${now}
    WHERE id = (SELECT id FROM messages WHERE id = ${messageId} AND status IN ('pending', 'buffered')
      FOR UPDATE SKIP LOCKED)
    RETURNING *`.execute(db);
  return rows[0] ?? null;
}

/**
 * A claimed message reached its case (`delivered`) or started cases (`started`, the first as its target); the
 * wait it held is free again (a non-interrupting catch keeps waiting).
 */
export async function finishMessage(
  db: Executor,
  messageId: string,
  outcome: { status: 'delivered' | 'started'; caseId: string | null; at: Date },
): Promise<void> {
  await sql`
    WITH free AS (${freeWait(messageId)})
    UPDATE messages SET status = ${outcome.status}, done_at = ${outcome.at},
      target_case_id = coalesce(${outcome.caseId}, target_case_id)
    WHERE id = ${messageId}`.execute(db);
}

/** Frees the wait a message claimed (found by the message's target and subscription: its primary key). */
const freeWait = (messageId: string) => sql`
  UPDATE case_subscriptions SET claimed_by = NULL
  WHERE (case_id, id) = (SELECT target_case_id, subscription_id FROM messages WHERE id = ${messageId})
    AND claimed_by = ${messageId}`;

/** A claimed message whose wait was gone when it arrived: open again (`pending`), to be matched anew. */
export async function releaseMessage(db: Executor, messageId: string): Promise<void> {
  await sql`
    WITH free AS (${freeWait(messageId)})
    UPDATE messages SET status = 'pending', target_case_id = NULL, subscription_id = NULL, claimed_at = NULL
    WHERE id = ${messageId} AND status = 'claimed'`.execute(db);
}

/** Nothing waits for an open message: kept until `expiresAt` (`buffered`), or at once `undelivered` (null). */
export async function bufferMessage(
  db: Executor,
  messageId: string,
  until: { expiresAt: Date | null; now: Date },
): Promise<void> {
  if (until.expiresAt === null || until.expiresAt <= until.now) {
    await sql`UPDATE messages SET status = 'undelivered', done_at = ${until.now},
      reason = 'nothing waited for it and it had no time to live'
      WHERE id = ${messageId} AND status IN ('pending', 'buffered')`.execute(db);
    return;
  }
  await sql`UPDATE messages SET status = 'buffered', expires_at = coalesce(expires_at, ${until.expiresAt})
    WHERE id = ${messageId} AND status IN ('pending', 'buffered')`.execute(db);
}

/** A message that could not be delivered for `reason` (a start refused): recorded `undelivered`. */
export async function undeliverMessage(
  db: Executor,
  messageId: string,
  reason: string,
  at: Date,
): Promise<void> {
  await sql`
    WITH free AS (${freeWait(messageId)})
    UPDATE messages SET status = 'undelivered', done_at = ${at}, reason = ${reason}
    WHERE id = ${messageId} AND status <> 'delivered' AND status <> 'started'`.execute(db);
}

/** Deletes a message the API refused (409: nothing waited and no time to live). */
export async function deleteOpenMessage(db: Executor, messageId: string): Promise<void> {
  await sql`DELETE FROM messages WHERE id = ${messageId} AND status = 'pending'`.execute(db);
}

/** Buffered messages a new wait (name, key) may take, oldest first. */
export async function bufferedFor(
  db: Executor,
  wait: { name: string; correlationKey: string | null },
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT id FROM messages
    WHERE status = 'buffered' AND kind = 'message' AND name = ${wait.name}
      AND correlation_key IS NOT DISTINCT FROM ${wait.correlationKey}
    ORDER BY created_at, id`.execute(db);
  return rows.map((r) => r.id);
}

/** Buffered messages past their time to live: recorded `undelivered`; their ids. */
export async function expireBuffered(db: Executor, now: Date): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    UPDATE messages SET status = 'undelivered', done_at = ${now},
      reason = 'its time to live passed with nothing waiting for it'
    WHERE status = 'buffered' AND expires_at <= ${now}
    RETURNING id`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Messages to (re)deliver: `pending` ones sent before `pendingBefore` (their sender's node did not deliver them),
 * `claimed` ones claimed before `claimedBefore` (their deliverer stopped), and buffered ones a case now waits for.
 */
export async function messagesToRetry(
  db: Executor,
  since: { pendingBefore: Date; claimedBefore: Date; limit: number },
): Promise<{ id: string; kind: 'message' | 'signal'; status: MessageStatus }[]> {
  const { rows } = await sql<{ id: string; kind: 'message' | 'signal'; status: MessageStatus }>`
    (SELECT id, kind, status FROM messages WHERE status = 'pending' AND created_at < ${since.pendingBefore}
      ORDER BY created_at LIMIT ${since.limit})
    UNION ALL
    (SELECT id, kind, status FROM messages WHERE status = 'claimed' AND claimed_at < ${since.claimedBefore}
      ORDER BY claimed_at LIMIT ${since.limit})
    UNION ALL
    (SELECT m.id, m.kind, m.status FROM messages m
      WHERE m.status = 'buffered' AND EXISTS (
        SELECT 1 FROM case_subscriptions s
        WHERE s.kind = 'message' AND s.name = m.name AND s.claimed_by IS NULL
          AND s.correlation_key IS NOT DISTINCT FROM m.correlation_key)
      LIMIT ${since.limit})`.execute(db);
  return rows;
}

/** Takes back a claim older than `before` so it can be redone: the claimed message, or null. */
export async function reclaimStale(
  db: Db,
  messageId: string,
  before: Date,
  now: Date,
): Promise<MessageRow | null> {
  const { rows } = await sql<MessageRow>`
    UPDATE messages SET claimed_at = ${now}
    WHERE id = (SELECT id FROM messages WHERE id = ${messageId} AND status = 'claimed' AND claimed_at < ${before}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`.execute(db);
  return rows[0] ?? null;
}

/** Marks a pending signal broadcast as done (`delivered`, to `count` cases). */
export async function claimSignal(db: Db, messageId: string, now: Date): Promise<MessageRow | null> {
  const { rows } = await sql<MessageRow>`
    UPDATE messages SET status = 'claimed', claimed_at = ${now}
    WHERE id = (SELECT id FROM messages WHERE id = ${messageId} AND kind = 'signal'
      AND (status = 'pending' OR (status = 'claimed' AND claimed_at < ${new Date(now.getTime() - 60_000)}))
      FOR UPDATE SKIP LOCKED)
    RETURNING *`.execute(db);
  return rows[0] ?? null;
}

/** Whether a case recorded receiving the message (its audit log's `messageReceived` names the message). */
export async function caseReceived(db: Executor, caseId: string, messageId: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM audit_events
    WHERE case_id = ${caseId} AND type = 'messageReceived' AND payload->>'messageId' = ${messageId}`.execute(
    db,
  );
  return (rows[0]?.n ?? 0) > 0;
}

/** Whether a case recorded receiving the signal broadcast `signalId` (its audit log's `signalThrown` names it). */
export async function caseReceivedSignal(db: Executor, caseId: string, signalId: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM audit_events
    WHERE case_id = ${caseId} AND type = 'signalThrown' AND payload->>'signalId' = ${signalId}`.execute(db);
  return (rows[0]?.n ?? 0) > 0;
}

/** The cases waiting for a signal (but `except`, which broadcast it itself). */
export async function casesWaitingForSignal(
  db: Executor,
  name: string,
  except: string | null,
): Promise<string[]> {
  const { rows } = await sql<{ case_id: string }>`
    SELECT DISTINCT case_id FROM case_subscriptions
    WHERE kind = 'signal' AND name = ${name} AND case_id IS DISTINCT FROM ${except}
    ORDER BY case_id`.execute(db);
  return rows.map((r) => r.case_id);
}

/** Messages by status, newest first (the API's list). */
export async function listMessages(
  db: Executor,
  filter: { status?: MessageStatus; name?: string; limit: number },
): Promise<MessageRow[]> {
  const { rows } = await sql<MessageRow>`
    SELECT * FROM messages
    WHERE (${filter.status ?? null}::text IS NULL OR status = ${filter.status ?? null})
      AND (${filter.name ?? null}::text IS NULL OR name = ${filter.name ?? null})
    ORDER BY created_at DESC, id
    LIMIT ${filter.limit}`.execute(db);
  return rows;
}
