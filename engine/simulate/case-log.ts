/**
 * Collecting the event log: each case gathers its lines (start, assign, complete, ate_abort) as it runs and hands
 * them over, in time order, when it ends or when the run ends.
 */
import type { StepRecord } from '../elements/state.js';
import type { SimCase } from './sim-case.js';
import type { LogEntry } from './types.js';

export class CaseLogs {
  /** Orders lines of the same instant as they happened. */
  private seq = 0;

  constructor(private readonly onCaseLog: ((entries: LogEntry[]) => void) | undefined) {}

  /** Whether anyone receives the log (otherwise cases keep no lines). */
  get enabled(): boolean {
    return this.onCaseLog !== undefined;
  }

  add(
    c: SimCase,
    step: StepRecord,
    lifecycle: LogEntry['lifecycle'],
    timestamp: number,
    resource: string | null,
  ): void {
    c.log?.push({
      caseId: c.data.id,
      activity: step.name ?? step.elementId,
      elementId: step.elementId,
      department: step.department,
      lifecycle,
      timestamp,
      resource,
      seq: this.seq++,
    });
  }

  /** Hands the case's lines over, sorted by (timestamp, seq); the case keeps none afterwards. */
  flush(c: SimCase): void {
    if (!c.log || !this.onCaseLog) return;
    const entries = c.log.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq);
    c.log = null;
    this.onCaseLog(entries);
  }
}
