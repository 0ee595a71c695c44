/**
 * What one command may spend: a run that activates more elements than its budget, or uses more CPU time than
 * its limit, is stopped, so that a loop with no wait state cannot hold the process (and the server) forever.
 * The activation count is deterministic and comes first; the CPU limit needs a time source the caller injects.
 */
import type { Incident } from '../elements/state.js';
import type { ProcessGraph } from '../model/types.js';
import { waitlessCycleThrough } from '../model/waitless-cycles.js';

/** Element activations one command may run when nothing else is configured (REFLOW_STEP_BUDGET in the server). */
export const DEFAULT_STEP_BUDGET = 10_000;

export interface RunBudget {
  /** Element activations (a token reaching an element, an activity instance entered) one command may run. */
  activations?: number;
  /** CPU time in ms one command may use; checked only with `cpuClock`. */
  cpuMs?: number;
  /** A CPU time source in ms (the engine never reads a clock itself). */
  cpuClock?: () => number;
}

/** How many of the latest activations name the elements that kept running. */
const WINDOW = 512;
/**
 * The CPU clock is read once per this many activations (a power of two), the first time to take the baseline:
 * a command of fewer activations — nearly every one — never reads it (in the server it is a system call). What
 * the first activations used before the baseline is not counted; they are a few element activations.
 */
const CPU_EVERY = 32;
/** At most this many elements are named in the incident. */
const NAMED = 20;

/** Thrown out of `execute()` when a run goes over its budget: the command is not applied. */
export class RunBudgetExceeded extends Error {
  constructor(
    readonly incident: Omit<Incident, 'at'> & { elements: string[] },
    readonly limit: 'activations' | 'cpu',
    readonly activations: number,
  ) {
    super(incident.message);
  }
}

/** Counts a run's activations and remembers the latest ones, to name what kept running when it is stopped. */
export class BudgetMeter {
  private count = 0;
  private readonly limit: number;
  private readonly cpu: { limitMs: number; clock: () => number; from: number | null } | null;
  private readonly recent: string[] = [];
  private readonly firstSeen = new Map<string, number>();
  /** The graph holding the latest element activated. */
  private graph: ProcessGraph | null = null;

  constructor(budget: RunBudget = {}) {
    this.limit = budget.activations ?? DEFAULT_STEP_BUDGET;
    this.cpu =
      budget.cpuClock && budget.cpuMs !== undefined
        ? { limitMs: budget.cpuMs, clock: budget.cpuClock, from: null }
        : null;
  }

  /** One more activation of `elementId` (of `graph`); throws RunBudgetExceeded past the budget. */
  activate(elementId: string, graph: ProcessGraph): void {
    const n = this.count++;
    this.graph = graph;
    this.recent[n % WINDOW] = elementId;
    if (!this.firstSeen.has(elementId)) this.firstSeen.set(elementId, n);
    if (this.count > this.limit) throw this.exceeded('activations');
    if (this.cpu && (n & (CPU_EVERY - 1)) === CPU_EVERY - 1) {
      const now = this.cpu.clock();
      if (this.cpu.from === null) this.cpu.from = now;
      else if (now - this.cpu.from > this.cpu.limitMs) throw this.exceeded('cpu');
    }
  }

  /**
   * The elements of the loop that kept running, in the order they ran, starting from the one this command reached
   * first (its entry). They are taken from the latest half of the latest activations (what ran before the loop
   * took over lies further back): those on the cycle with no wait state through the latest element activated, as
   * the graph has it; where no such cycle passes through it (a standard loop, a multi-instance, a subprocess), those
   * that ran more than once among them.
   */
  runningElements(): string[] {
    const size = Math.min(this.count, WINDOW);
    const latest: string[] = [];
    for (let i = this.count - Math.ceil(size / 2); i < this.count; i++) latest.push(this.recent[i % WINDOW]);
    const last = latest[latest.length - 1];
    const cycle = this.graph ? waitlessCycleThrough(this.graph, last) : null;
    const runs = new Map<string, number>();
    for (const id of latest) runs.set(id, (runs.get(id) ?? 0) + 1);
    const looping = latest.filter((id) => (cycle ? cycle.has(id) : runs.get(id)! > 1));
    const window = looping.length > 0 ? looping : latest;
    let entry = window[0];
    for (const id of window) if (this.firstSeen.get(id)! < this.firstSeen.get(entry)!) entry = id;
    const from = window.indexOf(entry);
    return [...new Set([...window.slice(from), ...window.slice(0, from)])];
  }

  private exceeded(limit: 'activations' | 'cpu'): RunBudgetExceeded {
    const elements = this.runningElements();
    const named = elements.slice(0, NAMED).map((id) => `'${id}'`);
    if (elements.length > NAMED) named.push(`and ${elements.length - NAMED} more`);
    const spent =
      limit === 'activations'
        ? `ran more than ${this.limit} element activations (its step budget)`
        : `used more than ${this.cpu!.limitMs} ms of CPU time (its limit) in ${this.count} element activations`;
    const message =
      `this command ${spent} and was stopped; nothing of it was applied. ` +
      `${named.join(', ')} kept running without reaching a wait state: a loop whose way out is never taken? ` +
      'Give the loop an exit its data reaches, or a user task, receive task, catch event or timer on it';
    return new RunBudgetExceeded({ elementId: elements[0], elements, message }, limit, this.count);
  }
}
