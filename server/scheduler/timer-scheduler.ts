/** Fires due timers: every node polls the timers table and claims rows with FOR UPDATE SKIP LOCKED. */
import { sql } from 'kysely';
import type pg from 'pg';
import type { CaseService } from '../cases/case-service.js';
import type { Db } from '../db/database.js';

export interface SchedulerOptions {
  nodeId: string;
  pollMs?: number;
  /** How long a claim holds; a claim by a node that died is retried after it. */
  leaseMs?: number;
  batch?: number;
  clock?: () => number;
  /** PostgreSQL pool: nodes wake each other with LISTEN/NOTIFY when a timer is due soon. */
  pool?: pg.Pool;
  onError?: (error: unknown) => void;
}

export const TIMER_CHANNEL = 'reflow_timers';

export class TimerScheduler {
  private interval: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private listener: pg.PoolClient | null = null;
  private relisten: NodeJS.Timeout | null = null;
  private stopped = false;
  private again = false;
  private readonly clock: () => number;

  constructor(
    private readonly db: Db,
    private readonly service: CaseService,
    private readonly options: SchedulerOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** Claims a batch of due timers for this node. */
  async claim(now = this.clock()): Promise<{ id: string; case_id: string }[]> {
    const until = new Date(now + (this.options.leaseMs ?? 30_000));
    const result = await sql<{ id: string; case_id: string }>`
      UPDATE timers SET claimed_by = ${this.options.nodeId}, claimed_until = ${until}, attempts = attempts + 1
      WHERE id IN (
        SELECT id FROM timers
        WHERE due_at <= ${new Date(now)} AND (claimed_until IS NULL OR claimed_until < ${new Date(now)})
        ORDER BY due_at LIMIT ${this.options.batch ?? 50}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, case_id`.execute(this.db);
    return result.rows;
  }

  /** Fires every timer due now; returns how many fired. Concurrent calls share one run. */
  tick(): Promise<number> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let fired = 0;
      try {
        do {
          this.again = false;
          for (let batch = await this.claim(); batch.length > 0; batch = await this.claim()) {
            for (const timer of batch) {
              try {
                if (await this.service.fireTimer(timer.id, timer.case_id)) fired++;
              } catch (error) {
                this.options.onError?.(error); // the claim lapses and another tick retries it
              }
            }
          }
        } while (this.again);
      } finally {
        this.running = null;
      }
      return fired;
    })();
    return this.running;
  }

  async start(): Promise<void> {
    const poll = this.options.pollMs ?? 1000;
    this.interval = setInterval(() => {
      this.tick().catch((error) => this.options.onError?.(error));
    }, poll);
    this.interval.unref();
    if (this.options.pool) await this.listen();
    await this.tick(); // timers that came due while every node was down
  }

  /**
   * Holds a connection LISTENing for wake-ups. When the database drops it (a restart, a failover), the error
   * is handled — an unhandled 'error' on a checked-out client would crash the process — the broken connection
   * is discarded and LISTEN is taken up again on a new one; polling keeps timers firing meanwhile.
   */
  private async listen(): Promise<void> {
    const pool = this.options.pool;
    if (!pool || this.stopped) return;
    let client: pg.PoolClient | null = null;
    try {
      client = await pool.connect();
      const own = client;
      own.on('error', (error) => {
        if (this.listener !== own) return;
        this.listener = null;
        own.release(error); // destroys it
        this.options.onError?.(error);
        this.scheduleListen();
      });
      own.on('notification', () => void this.tick().catch((error) => this.options.onError?.(error)));
      await own.query(`LISTEN ${TIMER_CHANNEL}`);
      if (this.stopped) {
        own.release();
        return;
      }
      this.listener = own;
      void this.tick().catch((error) => this.options.onError?.(error)); // wake-ups missed while not listening
    } catch (error) {
      client?.release(error as Error);
      this.options.onError?.(error);
      this.scheduleListen();
    }
  }

  private scheduleListen(): void {
    if (this.stopped || this.relisten) return;
    this.relisten = setTimeout(() => {
      this.relisten = null;
      void this.listen();
    }, 1000);
    this.relisten.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    if (this.relisten) clearTimeout(this.relisten);
    this.relisten = null;
    if (this.listener) {
      this.listener.release();
      this.listener = null;
    }
    await this.running;
    // hand back what this node claimed but did not fire, so another node need not wait out the lease
    await this.db
      .updateTable('timers')
      .set({ claimed_by: null, claimed_until: null })
      .where('claimed_by', '=', this.options.nodeId)
      .execute()
      .catch((error) => this.options.onError?.(error));
  }
}
