/**
 * The system audit log: changes that belong to no case (a year's holiday schedule loaded), hash-chained like a
 * case's log (server/store/audit-log.ts): entry `seq` n carries the hash of entry n − 1 and its own hash over
 * that and its canonical JSON, so an entry altered, removed or inserted afterwards breaks the chain.
 */
import { hash } from 'node:crypto';
import {
  insertSystemEvent,
  lastSystemEvent,
  lockSystemEvents,
  systemEventRows,
} from '../repositories/calendar-repository.js';
import type { Executor } from '../repositories/executor.js';
import { canonicalJson, GENESIS_HASH } from '../store/audit-log.js';

export interface SystemEntry {
  type: string;
  at: Date;
  actor: string | null;
  payload: unknown;
}

export interface SystemEvent extends SystemEntry {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The hash of entry `seq` after `prevHash` (the log is named in it, so no case chain's entry matches it). */
export function systemEventHash(prevHash: string, seq: number, entry: SystemEntry): string {
  const body = canonicalJson({
    log: 'system',
    seq,
    type: entry.type,
    at: entry.at.toISOString(),
    actor: entry.actor,
    payload: entry.payload,
  });
  return hash('sha256', `${prevHash}\n${body}`, 'hex');
}

/**
 * Locks the log against other writers until the caller's transaction ends (readers are not blocked): two
 * appends (two nodes loading years at once) take turns and never fork the chain.
 */
export async function lockSystemLog(trx: Executor): Promise<void> {
  await lockSystemEvents(trx);
}

/** Appends an entry inside the caller's transaction (taking the lock, if the caller has not). */
export async function appendSystemEvent(trx: Executor, entry: SystemEntry): Promise<SystemEvent> {
  await lockSystemLog(trx);
  const last = await lastSystemEvent(trx);
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const own = systemEventHash(prevHash, seq, entry);
  await insertSystemEvent(trx, {
    seq,
    type: entry.type,
    at: entry.at,
    actor: entry.actor,
    payload: entry.payload,
    prev_hash: prevHash,
    hash: own,
  });
  return { ...entry, seq, prevHash, hash: own };
}

/** The entries of the given types (all when none given), oldest first, and whether the whole chain verifies. */
export async function readSystemEvents(
  db: Executor,
  types?: readonly string[],
): Promise<{ events: SystemEvent[]; verified: boolean; brokenAt: number | null }> {
  const rows = await systemEventRows(db);
  let prev = GENESIS_HASH;
  let brokenAt: number | null = null;
  rows.forEach((r, i) => {
    if (brokenAt !== null) return;
    const expected = systemEventHash(prev, i + 1, {
      type: r.type,
      at: r.at,
      actor: r.actor,
      payload: r.payload,
    });
    if (r.seq !== i + 1 || r.prev_hash !== prev || r.hash !== expected) brokenAt = i + 1;
    prev = r.hash;
  });
  const events = rows
    .filter((r) => !types || types.includes(r.type))
    .map((r) => ({
      seq: r.seq,
      type: r.type,
      at: r.at,
      actor: r.actor,
      payload: r.payload,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  return { events, verified: brokenAt === null, brokenAt };
}
