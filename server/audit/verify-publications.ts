/**
 * Audit verification of publications (发布): the system audit log's hash chain recomputes, and every row of
 * `definition_publications` agrees with the `definitionPublished` entry that recorded it (key, version, the
 * version before, effective time, who and when), and every such entry has its row. Rows without an entry are
 * accepted only from the migration that wrote the history before publishing existed.
 */
import { MIGRATION_ACTOR } from '../../migrations/2026-12-08-publishing.js';
import { readSystemEvents } from '../calendar/system-log.js';
import { hasPublications, publications } from '../repositories/definition-repository.js';
import type { Executor } from '../repositories/executor.js';
import { PUBLISHED_EVENT } from '../store/definition-store.js';

export interface BrokenPublication {
  /** The publication row (null: an audit entry without a row, or the chain itself). */
  publication: number | null;
  /** The system audit entry concerned (null: none). */
  systemSeq: number | null;
  message: string;
}

export interface PublicationsReport {
  checked: number;
  broken: BrokenPublication[];
}

interface PublishedPayload {
  key?: unknown;
  version?: unknown;
  from?: unknown;
  effectiveAt?: unknown;
}

/** Null on a database from before publishing (verification does not migrate: a read-only role suffices). */
export async function verifyPublications(db: Executor, key?: string): Promise<PublicationsReport | null> {
  if (!(await hasPublications(db))) return null;
  const [log, rows] = await Promise.all([readSystemEvents(db, [PUBLISHED_EVENT]), publications(db, key)]);
  const broken: BrokenPublication[] = [];
  if (!log.verified)
    broken.push({
      publication: null,
      systemSeq: log.brokenAt,
      message: `the system audit log's hash chain breaks at entry ${log.brokenAt}: an entry was altered, removed or inserted`,
    });
  const events = new Map(log.events.map((e) => [e.seq, e]));
  const accounted = new Set<number>();
  for (const row of rows) {
    const what = `publication ${row.seq} (${row.key} v${row.version})`;
    if (row.system_seq === null) {
      if (row.published_by !== MIGRATION_ACTOR)
        broken.push({ publication: row.seq, systemSeq: null, message: `${what} has no audit entry` });
      continue;
    }
    accounted.add(row.system_seq);
    const event = events.get(row.system_seq);
    if (!event) {
      broken.push({
        publication: row.seq,
        systemSeq: row.system_seq,
        message: `${what} names audit entry ${row.system_seq}, which is not a publication`,
      });
      continue;
    }
    const payload = (event.payload ?? {}) as PublishedPayload;
    const differences = [
      payload.key !== row.key && 'key',
      payload.version !== row.version && 'version',
      (payload.from ?? null) !== row.from_version && 'from',
      payload.effectiveAt !== row.effective_at.toISOString() && 'effectiveAt',
      event.actor !== row.published_by && 'publishedBy',
      event.at.getTime() !== row.published_at.getTime() && 'publishedAt',
    ].filter((d): d is string => typeof d === 'string');
    if (differences.length > 0)
      broken.push({
        publication: row.seq,
        systemSeq: row.system_seq,
        message: `${what} differs from its audit entry ${row.system_seq} in ${differences.join(', ')}`,
      });
  }
  for (const event of log.events) {
    const payload = (event.payload ?? {}) as PublishedPayload;
    if (accounted.has(event.seq) || (key !== undefined && payload.key !== key)) continue;
    broken.push({
      publication: null,
      systemSeq: event.seq,
      message: `audit entry ${event.seq} publishes ${String(payload.key)} v${String(payload.version)}, but no publication row records it`,
    });
  }
  return { checked: rows.length, broken };
}
