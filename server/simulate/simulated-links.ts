/**
 * What links simulated cases to each other in the database, as the live server leaves it — shared by the two
 * writers (write-cases.ts through CaseService, bulk-write.ts in bulk):
 *
 * - A case a message started (a department case of a 一件事, `SimulationResult.linked`) is a case of its own
 *   process's version, started by the actor `messages` with the idempotency key `message:<message id>:<process>`,
 *   its `root_case_id` its master (server/messages/message-service.ts `startBy`, migration 2026-12-08-case-links).
 * - A message a case sent is a row of `messages` (the outbox row its command wrote, `pending`), which the
 *   server's message service then claims and finishes: `delivered` to the wait it reached or `started` (its first
 *   case the target), claimed and done at the instant it was delivered; one nothing took when it was sent was
 *   first buffered for the time to live (`expires_at`); one still kept when the run ended stays `buffered`, and
 *   a server's sweep expires it as it expires any other.
 */
import type { SentMessageRecord, SimulatedCase, SimulationResult } from '../../engine/simulate/index.js';
import { DEFAULT_MESSAGE_TTL_SECONDS } from '../messages/message-service.js';

/** The process version a simulated case runs: the simulated one, or (started by a message) its own. */
export function processOf(
  result: SimulationResult,
  c: SimulatedCase,
): { id: string; key: string; version: number } {
  if (c.definitionId === undefined || c.process === undefined || c.version === undefined)
    return { id: result.process.id, key: result.process.key, version: result.process.version };
  return { id: c.definitionId, key: c.process, version: c.version };
}

/** Every case of a run, in an order that writes each sender before the cases its messages started. */
export const allCases = (result: SimulationResult): SimulatedCase[] => [...result.cases, ...result.linked];

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The columns of a sent message's row once the message service has done with it (see the top). */
export function finishedMessageColumns(
  m: SentMessageRecord,
  ttlSeconds: number = DEFAULT_MESSAGE_TTL_SECONDS,
): {
  status: string;
  target_case_id: string | null;
  subscription_id: string | null;
  claimed_at: string | null;
  done_at: string | null;
  expires_at: string | null;
} {
  const buffered = m.kept || m.status === 'buffered';
  return {
    status: m.status,
    target_case_id: m.targetCaseId,
    subscription_id: m.subscriptionId,
    claimed_at: iso(m.doneAt),
    done_at: iso(m.doneAt),
    expires_at: buffered && ttlSeconds > 0 ? iso(m.sentAt + ttlSeconds * 1000) : null,
  };
}

/** The messages of a run by id (their outbox ids), to finish the rows their senders wrote. */
export const messagesById = (result: SimulationResult): Map<string, SentMessageRecord> =>
  new Map((result.messages ?? []).map((m) => [m.id, m]));
