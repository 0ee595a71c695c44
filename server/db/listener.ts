/**
 * A PostgreSQL connection held LISTENing on one channel. When the database drops it (a restart, a failover), the
 * error is handled — an unhandled 'error' on a checked-out client would crash the process — the broken connection
 * is discarded and LISTEN is taken up again on a new one a second later; the caller's polling covers the gap.
 * `onWake` runs on every notification, and once each time listening (re)starts, for what was missed meanwhile.
 */
import type pg from 'pg';

export class Listener {
  private client: pg.PoolClient | null = null;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channel: string,
    private readonly onWake: () => Promise<unknown>,
    private readonly onError?: (error: unknown) => void,
  ) {}

  private wake(): void {
    void this.onWake().catch((error) => this.onError?.(error));
  }

  async start(): Promise<void> {
    if (this.stopped) return;
    let client: pg.PoolClient | null = null;
    try {
      client = await this.pool.connect();
      const own = client;
      own.on('error', (error) => {
        if (this.client !== own) return;
        this.client = null;
        own.release(error); // destroys it
        this.onError?.(error);
        this.scheduleRetry();
      });
      own.on('notification', () => this.wake());
      await own.query(`LISTEN ${this.channel}`);
      if (this.stopped) {
        own.release();
        return;
      }
      this.client = own;
      this.wake(); // what came while not listening
    } catch (error) {
      client?.release(error as Error);
      this.onError?.(error);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.start();
    }, 1000);
    this.retry.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.client?.release();
    this.client = null;
  }
}
