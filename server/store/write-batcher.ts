/**
 * Group commit: commands that finish executing while a write is in flight wait for it and then go to the
 * database together, as one statement and one commit (case-writer.ts). An idle node writes a command at once,
 * so batching adds no latency when there is nothing to batch; under load, one round trip and one commit carry
 * many commands. Each command still lands or not on its own: a case whose revision moved on is left out of
 * its batch and its caller retries, and a batch that fails as a whole (a deadlock with another node, a
 * constraint) is written again one command at a time, so one bad command cannot fail its neighbours.
 */
import type { Db } from '../db/database.js';
import { jobCaseId, type WriteJob, writeBatch } from './case-writer.js';

export interface WriteBatcherOptions {
  /** Most commands in one statement. */
  maxBatch?: number;
  /** Batches in flight at once: while the database writes one, the next can be written on another connection. */
  maxInFlight?: number;
  /** Commands waiting before a batch goes out beside one already in flight. */
  overlapAt?: number;
}

interface Pending {
  job: WriteJob;
  resolve: (landed: boolean) => void;
  reject: (error: unknown) => void;
}

export class WriteBatcher {
  private queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly overlapAt: number;
  /** Batches written, commands carried and batches split after failing whole (benchmarks and tests read them). */
  readonly stats = { batches: 0, commands: 0, fallbacks: 0 };

  constructor(
    private readonly db: Db,
    options: WriteBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.overlapAt = options.overlapAt ?? 4;
  }

  /** Commands waiting for a batch, and batches being written now (logged when a shutdown runs out of time). */
  pending(): { queued: number; batchesInFlight: number } {
    return { queued: this.queue.length, batchesInFlight: this.inFlight };
  }

  /** Writes a command's rows; true once committed, false when its case changed meanwhile (nothing written). */
  write(job: WriteJob): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    // a batch beside one in flight only when enough has gathered: a small one costs the database as much
    while (
      this.inFlight < this.maxInFlight &&
      this.queue.length > 0 &&
      (this.inFlight === 0 || this.queue.length >= this.overlapAt)
    ) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    this.stats.batches++;
    this.stats.commands += batch.length;
    try {
      const landed = await writeBatch(
        this.db,
        batch.map((p) => p.job),
      );
      for (const p of batch) p.resolve(landed.has(jobCaseId(p.job)));
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      this.stats.fallbacks++;
      for (const p of batch) {
        try {
          p.resolve((await writeBatch(this.db, [p.job])).has(jobCaseId(p.job)));
        } catch (single) {
          p.reject(single);
        }
      }
    }
  }
}
