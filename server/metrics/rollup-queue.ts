/**
 * Completed cases wait in `rollup_queue` until they are added to the metric rollups (migration
 * 2026-11-29-005): each node drains the queue in the background, and every metrics read drains it first, so the
 * figures include every case completed before the read.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** Rolls up every queued case, `chunk` at a time (one transaction each); returns how many. */
export async function drainRollups(db: Db, chunk = 2000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await sql<{ n: number }>`SELECT reflow_drain_rollups(${chunk}) AS n`.execute(db);
    const n = Number(rows[0]?.n ?? 0);
    total += n;
    if (n < chunk) return total;
  }
}

/** Drains every `everyMs` until stopped; a failed round (database away) is reported and tried again later. */
export function startRollupDrain(
  db: Db,
  everyMs: number,
  onError: (error: unknown) => void,
): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => drainRollups(db)).catch(onError);
  }, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
