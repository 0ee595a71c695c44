/**
 * Delivers the webhook outbox: every node polls (and on PostgreSQL listens on `reflow_webhooks`), claims due
 * deliveries with FOR UPDATE SKIP LOCKED and a lease, and POSTs each to its endpoint signed per Standard Webhooks
 * (`webhook-id` = the event's id, the same on every attempt; `webhook-timestamp`; `webhook-signature: v1,<base64
 * HMAC-SHA256 of "id.timestamp.body">` — the standardwebhooks library). A 2xx answer delivers it; anything else
 * (an error status, a refused connection, no answer within the timeout) pauses the whole endpoint: none of its
 * deliveries is tried until the pause is over, then one (a probe); the pause doubles from `retryMs` up to
 * `maxRetryMs` with each failure in a row, and the first delivery ends it. A delivery that failed `maxAttempts`
 * times is recorded as failed. A node killed mid-delivery leaves its claim to lapse: another node (or it,
 * restarted) delivers again with the same id — at least once.
 *
 * Runs beside the case commands, never inside them: a failing or slow endpoint only delays its own deliveries,
 * and an endpoint that is down costs one attempt per pause, not one per event.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../db/database.js';
import { Listener } from '../db/listener.js';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  recordAttempt,
  releaseDeliveryClaims,
  releaseHeldEvents,
  WEBHOOK_CHANNEL,
} from '../repositories/webhook-repository.js';
import { SingleRun } from '../scheduler/single-run.js';

export interface DeliveryOptions {
  nodeId: string;
  pollMs?: number;
  /** How long one POST may take (REFLOW_WEBHOOK_TIMEOUT_MS); the claim lasts this plus 5 s. */
  timeoutMs?: number;
  /** Attempts before a delivery is recorded as failed (REFLOW_WEBHOOK_ATTEMPTS). */
  maxAttempts?: number;
  /** The pause before the second attempt (REFLOW_WEBHOOK_RETRY_MS); it doubles after each, up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Deliveries sent at once. */
  concurrency?: number;
  clock?: () => number;
  pool?: pg.Pool;
  onError?: (error: unknown) => void;
}

export const WEBHOOK_DEFAULTS = { timeoutMs: 10_000, maxAttempts: 10, retryMs: 1000, maxRetryMs: 3_600_000 };

const messageOf = (error: unknown): string => {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'no answer within the timeout';
  return (e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(error)).slice(0, 500);
};

/** The body of a delivery: `{ type, timestamp, data }` (API.md §5). */
export const deliveryBody = (d: Pick<ClaimedDelivery, 'type' | 'data' | 'created_at'>): string =>
  JSON.stringify({ type: d.type, timestamp: new Date(d.created_at).toISOString(), data: d.data });

export class DeliveryWorker {
  private interval: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly run = new SingleRun(
    () => this.deliverPass(),
    () => this.stopped,
  );
  private listener: Listener | null = null;
  private readonly clock: () => number;
  private readonly inFlight = new Set<string>();
  private readonly aborts = new AbortController();

  constructor(
    private readonly db: Db,
    private readonly options: DeliveryOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs;
  }

  private ref(d: ClaimedDelivery) {
    return { id: d.id, endpointId: d.endpoint_id, seenFailures: d.endpoint_failures };
  }

  /** Sends one delivery and records its outcome; true when delivered. */
  private async send(d: ClaimedDelivery): Promise<boolean> {
    const body = deliveryBody(d);
    const sentAt = new Date(this.clock());
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const signature = new Webhook(d.secret).sign(d.event_id, sentAt, body);
      const response = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Reflow-Webhooks/1',
          'webhook-id': d.event_id,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.aborts.signal]),
      });
      httpStatus = response.status;
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300) {
        await recordAttempt(this.db, this.ref(d), this.options.nodeId, {
          status: 'delivered',
          httpStatus,
          error: null,
          at: new Date(this.clock()),
        });
        return true;
      }
      error = `HTTP ${response.status}`;
    } catch (e) {
      if (this.stopped) return false; // the stop aborted it: the claim is handed back, not counted as failed
      error = messageOf(e);
    }
    const maxAttempts = this.options.maxAttempts ?? WEBHOOK_DEFAULTS.maxAttempts;
    // the endpoint's pause: doubled by each failure in a row (a probe's failure follows `endpoint_failures` others)
    const pause = Math.min(
      (this.options.retryMs ?? WEBHOOK_DEFAULTS.retryMs) * 2 ** d.endpoint_failures,
      this.options.maxRetryMs ?? WEBHOOK_DEFAULTS.maxRetryMs,
    );
    await recordAttempt(this.db, this.ref(d), this.options.nodeId, {
      status: d.attempts >= maxAttempts ? 'failed' : 'pending',
      httpStatus,
      error,
      at: new Date(this.clock()),
      retryAt: new Date(this.clock() + pause),
    });
    return false;
  }

  /** Delivers everything due now; returns how many were delivered. Concurrent calls share one run. */
  tick(): Promise<number> {
    return this.run.tick();
  }

  /** One pass of a run: claims and sends due deliveries, several at once, until none is left. */
  private async deliverPass(): Promise<number> {
    let delivered = 0;
    while (!this.stopped) {
      const now = this.clock();
      await releaseHeldEvents(this.db, new Date(now));
      const batch = await claimDueDeliveries(this.db, {
        nodeId: this.options.nodeId,
        now: new Date(now),
        until: new Date(now + this.timeoutMs + 5000),
        batch: 50,
      });
      if (batch.length === 0) break;
      const queue = [...batch];
      // an endpoint that failed in this pass is paused: its other deliveries claimed with it are handed back
      const paused = new Set<string>();
      const lanes = Array.from(
        { length: Math.min(this.options.concurrency ?? 8, queue.length) },
        async () => {
          for (let d = queue.shift(); d; d = queue.shift()) {
            if (this.stopped) {
              await releaseDeliveryClaims(this.db, [d.id, ...queue.map((q) => q.id)], this.options.nodeId);
              queue.length = 0;
              return;
            }
            if (paused.has(d.endpoint_id)) {
              await releaseDeliveryClaims(this.db, [d.id], this.options.nodeId);
              continue;
            }
            this.inFlight.add(d.id);
            try {
              if (await this.send(d)) delivered++;
              else paused.add(d.endpoint_id);
            } catch (error) {
              this.options.onError?.(error); // not recorded: the claim lapses and it is attempted again
            } finally {
              this.inFlight.delete(d.id);
            }
          }
        },
      );
      await Promise.all(lanes);
    }
    return delivered;
  }

  async start(): Promise<void> {
    this.interval = setInterval(() => {
      this.tick().catch((error) => this.options.onError?.(error));
    }, this.options.pollMs ?? 1000);
    this.interval.unref();
    void this.tick().catch((error) => this.options.onError?.(error));
    if (this.options.pool) {
      this.listener = new Listener(
        this.options.pool,
        WEBHOOK_CHANNEL,
        () => this.tick(),
        this.options.onError,
      );
      await this.listener.start();
    }
  }

  /** Resolves once no run is going (deliveries retried later are not waited for). */
  idle(): Promise<void> {
    return this.run.idle();
  }

  /** Stops: sends in flight get a second to finish, then are aborted and their claims handed back. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    this.listener?.stop();
    this.listener = null;
    const running = this.run.running;
    if (running) {
      const finished = await Promise.race([running.then(() => true), sleep(1000).then(() => false)]);
      if (!finished) {
        const ids = [...this.inFlight];
        this.aborts.abort();
        await running.catch(() => undefined);
        await releaseDeliveryClaims(this.db, ids, this.options.nodeId).catch((e) =>
          this.options.onError?.(e),
        );
      }
    }
  }
}
