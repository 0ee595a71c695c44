/**
 * The webhook outbox (migration 2026-12-08-webhooks): `enqueueEvents` writes events inside the caller's
 * transaction, so an event exists exactly when the change it reports was committed. Cases and tasks are enqueued
 * by trigger; everything else (cards raised, ratings, rectifications overdue, and `task.claimed` once claiming
 * exists) calls this with its own transaction.
 */
import { sql } from 'kysely';
import type { Executor } from '../repositories/executor.js';

/** Every event type an endpoint may subscribe to (API.md §5). */
export const EVENT_TYPES = [
  'case.started',
  'case.completed',
  'task.created',
  'task.claimed',
  'task.completed',
  'warning.raised',
  'rating.received',
  'rectification.overdue',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboxEvent {
  type: EventType;
  /** When it happened (ms): the payload's `timestamp`. */
  at: number;
  data: unknown;
}

/** Enqueues events in the transaction `trx` (nothing is written for a type no enabled endpoint wants). */
export async function enqueueEvents(trx: Executor, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map((e) => ({ type: e.type, data: e.data, at: new Date(e.at).toISOString() }));
  await sql`
    SELECT reflow_enqueue_event(x.type, x.data, x.at)
      FROM json_to_recordset(${JSON.stringify(rows)}::json) AS x(type text, data jsonb, at timestamptz)
     WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.enabled AND e.events @> jsonb_build_array(x.type))`.execute(
    trx,
  );
}

/** Enqueues one event in the transaction `trx`. */
export const enqueueEvent = (trx: Executor, event: OutboxEvent): Promise<void> => enqueueEvents(trx, [event]);
