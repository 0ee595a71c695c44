/** SQL on webhooks (migration 2026-12-08-webhooks): endpoints, claiming due deliveries, recording attempts. */
import { sql } from 'kysely';
import type { Executor, RowOf } from './executor.js';

/** The PostgreSQL channel `reflow_enqueue_event` notifies: wakes every node's delivery worker. */
export const WEBHOOK_CHANNEL = 'reflow_webhooks';

export type EndpointRow = RowOf<'webhook_endpoints'>;

export async function insertEndpoint(
  db: Executor,
  row: Omit<EndpointRow, 'events' | 'enabled' | 'failures' | 'retry_at' | 'held'> & {
    events: string[];
    enabled: boolean;
  },
): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({ ...row, events: JSON.stringify(row.events) })
    .execute();
}

export async function listEndpoints(db: Executor): Promise<EndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function endpointById(db: Executor, id: string): Promise<EndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Per endpoint: deliveries pending, delivered and failed; the events held for a paused endpoint are pending (rows
 * of status 'pending' may come twice for an endpoint: its delivery rows, then its held events).
 */
export async function deliveryCounts(
  db: Executor,
): Promise<{ endpoint_id: string; status: string; n: string | number | bigint }[]> {
  const result = await sql<{ endpoint_id: string; status: string; n: string | number | bigint }>`
    SELECT endpoint_id, status, count(*) AS n FROM webhook_deliveries GROUP BY endpoint_id, status
    UNION ALL
    SELECT o, 'pending', count(*) FROM webhook_events e CROSS JOIN unnest(e.owed) AS o
     WHERE e.owed IS NOT NULL GROUP BY o`.execute(db);
  return result.rows;
}

export type DeliveryWithEvent = RowOf<'webhook_deliveries'> & { type: string; data: unknown; event_at: Date };

/** An endpoint's deliveries, newest first, with their events; its held events are pending ones, not yet tried. */
export async function deliveriesOf(
  db: Executor,
  endpointId: string,
  filter: { status?: string; limit: number },
): Promise<DeliveryWithEvent[]> {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select(['e.type', 'e.data', 'e.created_at as event_at'])
    .where('d.endpoint_id', '=', endpointId);
  if (filter.status) query = query.where('d.status', '=', filter.status as 'pending');
  const rows = (await query
    .orderBy('d.created_at', 'desc')
    .orderBy('d.id')
    .limit(filter.limit)
    .execute()) as DeliveryWithEvent[];
  if (filter.status && filter.status !== 'pending') return rows;
  // held events: due at the endpoint's next probe
  const held = await sql<DeliveryWithEvent>`
    SELECT e.id || '.' || p.id AS id, e.id AS event_id, p.id AS endpoint_id, 'pending' AS status, 0 AS attempts,
        coalesce(p.retry_at, e.created_at) AS next_at, NULL AS claimed_by, NULL AS claimed_until,
        NULL AS last_attempt_at, NULL AS last_status, NULL AS last_error, NULL AS delivered_at, e.created_at, e.type,
        e.data, e.created_at AS event_at
      FROM webhook_endpoints p JOIN webhook_events e ON e.owed IS NOT NULL AND e.owed @> ARRAY[p.id]
     WHERE p.id = ${endpointId}
     ORDER BY e.created_at DESC, e.id LIMIT ${filter.limit}`.execute(db);
  if (held.rows.length === 0) return rows;
  return [...rows, ...held.rows]
    .sort(
      (a, b) => b.created_at.getTime() - a.created_at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, filter.limit);
}

export interface ClaimedDelivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  /** The endpoint's failed attempts in a row when claimed: above 0, this delivery is its probe. */
  endpoint_failures: number;
  attempts: number;
  url: string;
  secret: string;
  type: string;
  data: unknown;
  created_at: Date;
}

/**
 * Claims for `nodeId` until `until`, counting an attempt on each, up to `batch` pending deliveries due at `now` of
 * enabled endpoints that are not failing, and one delivery of each failing endpoint whose pause is over (the one
 * tried most, then the oldest): its probe, which moves the endpoint's `retry_at` to `until`, so no other node probes
 * it meanwhile. A delivery whose claim lapsed (its node died mid-delivery) is claimed again.
 */
export async function claimDueDeliveries(
  db: Executor,
  claim: { nodeId: string; now: Date; until: Date; batch: number },
): Promise<ClaimedDelivery[]> {
  const { nodeId, now, until, batch } = claim;
  const result = await sql<ClaimedDelivery>`
    WITH probes AS (
      UPDATE webhook_endpoints SET retry_at = ${until}
      WHERE enabled AND failures > 0 AND retry_at <= ${now}
      RETURNING id),
    claimed AS (
      UPDATE webhook_deliveries SET claimed_by = ${nodeId}, claimed_until = ${until}, attempts = attempts + 1,
        last_attempt_at = ${now}
      WHERE id IN (
        -- endpoint by endpoint (webhook_deliveries_due leads with it): a paused endpoint's backlog is not read
        SELECT q.id FROM webhook_endpoints p CROSS JOIN LATERAL (
          SELECT d.id, d.next_at FROM webhook_deliveries d
          WHERE d.endpoint_id = p.id AND d.status = 'pending' AND d.next_at <= ${now}
            AND (d.claimed_until IS NULL OR d.claimed_until < ${now})
          ORDER BY d.next_at LIMIT ${batch}
          FOR UPDATE SKIP LOCKED) q
        WHERE p.enabled AND p.failures = 0
        ORDER BY q.next_at LIMIT ${batch})
      OR id IN (
        SELECT q.id FROM probes x CROSS JOIN LATERAL (
          SELECT d.id FROM webhook_deliveries d
          WHERE d.endpoint_id = x.id AND d.status = 'pending'
            AND (d.claimed_until IS NULL OR d.claimed_until < ${now})
          ORDER BY d.attempts DESC, d.created_at, d.id LIMIT 1
          FOR UPDATE SKIP LOCKED) q)
      RETURNING id, event_id, endpoint_id, attempts)
    SELECT c.id, c.event_id, c.endpoint_id, p.failures AS endpoint_failures, c.attempts, p.url, p.secret, e.type,
        e.data, e.created_at
      FROM claimed c JOIN webhook_endpoints p ON p.id = c.endpoint_id JOIN webhook_events e ON e.id = c.event_id`.execute(
    db,
  );
  return result.rows;
}

/**
 * The outcome of one attempt by `nodeId`: delivered, to retry at `retryAt`, or failed for good. A delivery ends
 * its endpoint's pause; a failure pauses the endpoint until `retryAt`, its failures in a row counted once for the
 * attempts made together (`seenFailures`: the count when the delivery was claimed).
 */
export async function recordAttempt(
  db: Executor,
  delivery: { id: string; endpointId: string; seenFailures: number },
  nodeId: string,
  outcome: {
    status: 'delivered' | 'pending' | 'failed';
    httpStatus: number | null;
    error: string | null;
    at: Date;
    retryAt?: Date;
  },
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      claimed_by: null,
      claimed_until: null,
      last_status: outcome.httpStatus,
      last_error: outcome.error,
      ...(outcome.status === 'delivered' ? { delivered_at: outcome.at } : {}),
      ...(outcome.retryAt ? { next_at: outcome.retryAt } : {}),
    })
    .where('id', '=', delivery.id)
    .where('claimed_by', '=', nodeId)
    .execute();
  if (outcome.status === 'delivered') {
    if (delivery.seenFailures > 0)
      await db
        .updateTable('webhook_endpoints')
        .set({ failures: 0, retry_at: null })
        .where('id', '=', delivery.endpointId)
        .where('failures', '>', 0)
        .execute();
  } else if (outcome.retryAt || outcome.status === 'failed') {
    // the first failure recorded of those claimed together sets the pause (a probe's replaces its lease); a later
    // one of the same round only lengthens it
    const retryAt = outcome.retryAt ?? outcome.at;
    await sql`UPDATE webhook_endpoints
      SET failures = GREATEST(failures, ${delivery.seenFailures + 1}), held = true,
        retry_at = CASE WHEN failures > ${delivery.seenFailures}
          THEN GREATEST(coalesce(retry_at, ${retryAt}), ${retryAt}) ELSE ${retryAt} END
      WHERE id = ${delivery.endpointId}`.execute(db);
  }
}

/** Hands back the claims of `nodeId` not attempted (its stop). */
export async function releaseDeliveryClaims(db: Executor, ids: string[], nodeId: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('webhook_deliveries')
    .set({ claimed_by: null, claimed_until: null, attempts: sql<number>`attempts - 1` })
    .where('id', 'in', ids)
    .where('claimed_by', '=', nodeId)
    .execute();
}

/**
 * Turns held events into deliveries (migration 2026-12-15-webhook-held-events): all of an endpoint's once its pause
 * has ended — after `reflow_webhook_barrier`, so no command that still saw it paused is open — in batches of
 * `batch`, oldest first, then clears its `held`; and the oldest one of a paused endpoint whose probe is due and that
 * has no pending delivery left to probe with. Returns how many deliveries were written.
 */
export async function releaseHeldEvents(db: Executor, now: Date, batch = 500): Promise<number> {
  const endpoints = await sql<{ id: string; failures: number }>`
    SELECT id, failures FROM webhook_endpoints p
     WHERE enabled AND held AND (failures = 0 OR (retry_at <= ${now} AND NOT EXISTS (
       SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = p.id AND d.status = 'pending')))`.execute(db);
  const release = async (endpointId: string, after: string, limit: number) =>
    (
      await sql<{ released: number; last_id: string | null }>`
        SELECT released, last_id FROM reflow_release_held(${endpointId}, ${after}, ${limit})`.execute(db)
    ).rows[0];
  let released = 0;
  for (const endpoint of endpoints.rows) {
    if (endpoint.failures > 0) {
      released += (await release(endpoint.id, '', 1)).released;
      continue;
    }
    await sql`SELECT reflow_webhook_barrier()`.execute(db);
    for (let after = ''; ; ) {
      const step = await release(endpoint.id, after, batch);
      released += step.released;
      if (step.released < batch || step.last_id === null) break;
      after = step.last_id;
    }
    await sql`UPDATE webhook_endpoints SET held = false
      WHERE id = ${endpoint.id} AND failures = 0 AND NOT EXISTS (
        SELECT 1 FROM webhook_events WHERE owed IS NOT NULL AND owed @> ARRAY[${endpoint.id}])`.execute(db);
  }
  return released;
}
