/**
 * The applicants: when they arrive — the given instants (explicit arrivals), or a number of cases spread over a
 * window of working time, or a renewal process whose gaps the parameters draw (Poisson in working time by
 * default) — and the case each one brings (id, start variables, channel, business key).
 */
import type { WorkingCalendar } from '../calendar/index.js';
import { compileTemplate } from './distributions.js';
import type { CompiledParams } from './params.js';
import type { Streams } from './random.js';
import {
  DEFAULT_START,
  type ExplicitArrival,
  type SimulatedCase,
  type SimulateOptions,
  SimulationError,
} from './types.js';

const MS_PER_HOUR = 3_600_000;
const NO_INCIDENTS = Object.freeze([]) as unknown as SimulatedCase['incidents'];

export class Arrivals {
  /** The virtual clock's start: the option, else the first given arrival, the parameters' start, DEFAULT_START. */
  readonly start: number;
  /** The number of cases to start, null for no bound (the run then stops at `until`). */
  readonly total: number | null;
  private readonly explicit: ExplicitArrival[] | null;
  /** Drawn in advance for a window: the n-th arrival's instant at [n - 1]. */
  private readonly times: number[] | null = null;
  private last: number;
  private readonly businessKey: ((n: number) => string) | null;
  private readonly params: CompiledParams;

  constructor(
    options: SimulateOptions,
    until: number,
    private readonly random: Streams,
    private readonly calendar: WorkingCalendar,
  ) {
    const params = options.params;
    this.params = params;
    const firstGiven =
      options.arrivals && options.arrivals.length > 0
        ? options.arrivals.reduce((m, a) => Math.min(m, a.at), Number.POSITIVE_INFINITY)
        : undefined;
    const start = options.start ?? firstGiven ?? params.start ?? DEFAULT_START;
    this.start = start;
    this.last = start;
    this.explicit = options.arrivals ? [...options.arrivals].sort((a, b) => a.at - b.at) : null;
    const total = this.explicit
      ? this.explicit.length
      : (options.cases ?? params.count ?? (Number.isFinite(until) ? null : 1000));
    this.total = total;
    this.businessKey = params.businessKey === null ? null : compileTemplate(params.businessKey);
    if (options.arrivalsEnd !== undefined) {
      // a Poisson process conditioned on its number of arrivals: uniform order statistics in working time
      if (total === null) throw new SimulationError('an arrival window needs a number of cases');
      const window = calendar.workingMsBetween(start, options.arrivalsEnd);
      const drawn = Array.from({ length: total }, () => random.arrivals.next() * window).sort(
        (a, b) => a - b,
      );
      this.times = drawn.map((x) => calendar.addWorkingMs(start, Math.max(1, Math.round(x))));
    }
  }

  /** The instant of the `number`-th arrival (1-based; asked in order), or null past the last one. */
  timeOf(number: number): number | null {
    if (this.total !== null && number > this.total) return null;
    if (this.explicit) return this.explicit[number - 1].at;
    if (this.times) return this.times[number - 1];
    const gap = Math.max(1, Math.round(this.params.interArrival(this.random.arrivals) * MS_PER_HOUR));
    this.last = this.calendar.addWorkingMs(this.last, gap);
    return this.last;
  }

  /**
   * The case the `number`-th applicant brings at `now`, not started yet: its id, start variables (drawn, with
   * the given ones over them), channel and business key. `record`: it will keep its commands.
   */
  newCase(number: number, now: number, record: boolean): SimulatedCase {
    const { params, random } = this;
    const given = this.explicit?.[number - 1];
    const id = given ? given.id : random.ids.uuid();
    const context = { caseNumber: number, visit: 1 };
    const variables = {
      ...(params.startVariables?.(random.variables, context) ?? {}),
      ...(given?.variables ?? {}),
    };
    const drawnChannel = params.channel ? String(params.channel(random.variables, context)) : null;
    const drawnKey = this.businessKey === null ? null : this.businessKey(number);
    return {
      id,
      number,
      arrivedAt: now,
      channel: given?.channel !== undefined ? given.channel : drawnChannel,
      businessKey: given?.businessKey !== undefined ? given.businessKey : drawnKey,
      idempotencyKey: given?.idempotencyKey ?? null,
      variables,
      status: 'active',
      endedAt: null,
      outcome: { status: 'active', workingMs: null, trips: 0, corrected: false, steps: [] },
      incidents: NO_INCIDENTS,
      commands: record ? [] : null,
      snapshot: null,
    };
  }
}
