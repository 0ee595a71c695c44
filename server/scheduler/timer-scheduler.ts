/**
 * Fires due timers: every node polls the timers table and claims rows with FOR UPDATE SKIP LOCKED. A timer whose
 * firing fails is retried after a growing pause; after its last attempt its case fails with an incident naming
 * the timer, so no timer is retried for ever.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type pg from 'pg';
import type { CaseService } from '../cases/case-service.js';
import type { Db } from '../db/database.js';
import { Listener } from '../db/listener.js';
import {
  type ClaimedTimer,
  claimDueTimers,
  releaseClaims,
  releaseForRetry,
  releaseUntried,
  TIMER_CHANNEL,
} from '../repositories/timer-repository.js';
import { SingleRun } from './single-run.js';

export { TIMER_CHANNEL } from '../repositories/timer-repository.js';

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
  /** Claims of one timer before its case gets an incident instead (REFLOW_TIMER_ATTEMPTS). */
  maxAttempts?: number;
  /** The pause before the second attempt; it doubles with each one after, up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

export const DEFAULT_TIMER_ATTEMPTS = 5;

/** What the scheduler needs of the case service: fire a timer, or give it up with an incident. */
export type TimerFiring = Pick<CaseService, 'fireTimer' | 'timerIncident'>;

const messageOf = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).slice(0, 2000);

export class TimerScheduler {
  private interval: NodeJS.Timeout | null = null;
  private listener: Listener | null = null;
  private stopped = false;
  private readonly run = new SingleRun(
    () => this.firePass(),
    () => this.stopped,
    () => {
      this.firing = null;
    },
  );
  /** The timer being fired now, and since when. */
  private firing: { id: string; caseId: string; since: number } | null = null;
  /** Timers claimed by the run a stop ended, not tried: their claim did not count as an attempt. */
  private untried: string[] = [];
  private readonly clock: () => number;

  constructor(
    private readonly db: Db,
    private readonly service: TimerFiring,
    private readonly options: SchedulerOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** Claims a batch of due timers for this node (those waiting for a retry once their pause is over). */
  async claim(now = this.clock()): Promise<ClaimedTimer[]> {
    return claimDueTimers(this.db, {
      nodeId: this.options.nodeId,
      now: new Date(now),
      until: new Date(now + (this.options.leaseMs ?? 30_000)),
      batch: this.options.batch ?? 50,
    });
  }

  /** Fires one claimed timer; a failure is retried later, and after the last attempt becomes an incident. */
  private async fire(timer: ClaimedTimer): Promise<boolean> {
    const maxAttempts = this.options.maxAttempts ?? DEFAULT_TIMER_ATTEMPTS;
    if (timer.attempts > maxAttempts) {
      // claimed that often without success or failure recorded: the node firing it stopped (crashed) each time
      const why = timer.last_error ?? 'its firing never completed (did the node firing it stop each time?)';
      await this.giveUp(timer, `claimed ${timer.attempts - 1} times: ${why}`);
      return false;
    }
    try {
      return await this.service.fireTimer(timer.id, timer.case_id);
    } catch (error) {
      this.options.onError?.(error);
      if (timer.attempts >= maxAttempts)
        await this.giveUp(timer, `${timer.attempts} attempts failed, the last: ${messageOf(error)}`);
      else await this.retryLater(timer, messageOf(error));
      return false;
    }
  }

  /** Hands the timer back, to be claimed again after a pause that doubles with each attempt. */
  private async retryLater(timer: ClaimedTimer, error: string, longest = false): Promise<void> {
    const most = this.options.maxRetryMs ?? 10 * 60_000;
    const pause = longest ? most : Math.min((this.options.retryMs ?? 1000) * 2 ** (timer.attempts - 1), most);
    await releaseForRetry(this.db, timer.id, this.options.nodeId, {
      retryAt: new Date(this.clock() + pause),
      error,
    });
  }

  /** The case gets an incident naming the timer (which removes it); if even that fails, the longest pause. */
  private async giveUp(timer: ClaimedTimer, why: string): Promise<void> {
    try {
      await this.service.timerIncident(timer.id, timer.case_id, timer.element_id, why);
    } catch (error) {
      this.options.onError?.(error);
      await this.retryLater(timer, `${why}; raising its incident failed: ${messageOf(error)}`, true);
    }
  }

  /** Fires every timer due now; returns how many fired. Concurrent calls share one run. */
  tick(): Promise<number> {
    return this.run.tick();
  }

  /**
   * One pass of a run: fires due timers until none is left. A stop ends the run after the timer being fired: with
   * many due timers (or cycles due again at once) the run would otherwise never end, and neither would stop();
   * stop() hands back the rest of the batch.
   */
  private async firePass(): Promise<number> {
    let fired = 0;
    while (!this.stopped) {
      const batch = await this.claim();
      if (batch.length === 0) break;
      for (const [i, timer] of batch.entries()) {
        // the embedded database answers without I/O: a run of due timers that never yielded would hold the
        // event loop for as long as timers keep coming due — no request, no signal, no timer handled
        await yieldToEventLoop();
        if (this.stopped) {
          this.untried = batch.slice(i).map((t) => t.id);
          break;
        }
        this.firing = { id: timer.id, caseId: timer.case_id, since: Date.now() };
        try {
          if (await this.fire(timer)) fired++;
        } catch (error) {
          this.options.onError?.(error); // not even recorded: the claim lapses and another tick retries it
        }
      }
    }
    return fired;
  }

  /**
   * Starts polling and listening. Timers that came due while every node was down fire in the background: a
   * node's start never waits for them (`idle()` does).
   */
  async start(): Promise<void> {
    const poll = this.options.pollMs ?? 1000;
    this.interval = setInterval(() => {
      this.tick().catch((error) => this.options.onError?.(error));
    }, poll);
    this.interval.unref();
    void this.tick().catch((error) => this.options.onError?.(error));
    if (this.options.pool) {
      this.listener = new Listener(this.options.pool, TIMER_CHANNEL, () => this.tick(), this.options.onError);
      await this.listener.start();
    }
  }

  /** The timer this node is firing right now, if any (logged when a shutdown runs out of time). */
  inFlight(): { firing: { timer: string; case: string; ms: number } | null; running: boolean } {
    const f = this.firing;
    return {
      running: this.run.running !== null,
      firing: f && { timer: f.id, case: f.caseId, ms: Date.now() - f.since },
    };
  }

  /** Resolves once no tick is running (the first one after start() included). */
  idle(): Promise<void> {
    return this.run.idle();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    this.interval = null;
    this.listener?.stop();
    this.listener = null;
    await this.run.running;
    // hand back what this node claimed but did not fire, so another node need not wait out the lease
    if (this.untried.length > 0)
      await releaseUntried(this.db, this.untried, this.options.nodeId).catch((error) =>
        this.options.onError?.(error),
      );
    await releaseClaims(this.db, this.options.nodeId).catch((error) => this.options.onError?.(error));
  }
}
