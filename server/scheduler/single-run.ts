/**
 * The run of a poller (timers, warning checks, webhook deliveries): one at a time on a node. A tick while a run is
 * going asks that run for one more pass and shares its promise; a stop ends the run after its current pass.
 */
export class SingleRun {
  private current: Promise<number> | null = null;
  private again = false;

  /**
   * `pass` works through what is due now and returns how much it did; `stopped` says the poller was stopped;
   * `settled` runs when a run ends, however it ended.
   */
  constructor(
    private readonly pass: () => Promise<number>,
    private readonly stopped: () => boolean,
    private readonly settled: () => void = () => undefined,
  ) {}

  /** Starts a run, or joins the one going (which then makes one more pass); resolves to what the run did. */
  tick(): Promise<number> {
    if (this.stopped()) return Promise.resolve(0);
    if (this.current) {
      this.again = true;
      return this.current;
    }
    this.current = (async () => {
      let done = 0;
      try {
        do {
          this.again = false;
          done += await this.pass();
        } while (this.again && !this.stopped());
      } finally {
        this.current = null;
        this.settled();
      }
      return done;
    })();
    return this.current;
  }

  /** The run going now, if any. */
  get running(): Promise<number> | null {
    return this.current;
  }

  /** Resolves once no run is going (one started meanwhile included). */
  async idle(): Promise<void> {
    while (this.current) await this.current.catch(() => undefined);
  }
}
