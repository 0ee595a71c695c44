/**
 * Draft → published → retired (发布): the status of each version of a process, from its publications.
 *
 * The version in force at an instant is that of the latest publication effective by then (by effective time, then
 * order of publishing). A scheduled publication (生效时间 in the future) needs no timer: it is in force as soon as
 * the clock passes its time, since the version is resolved when a case starts. Before a key's first publication
 * takes effect (a clock set back, as in a simulation) its first publication counts.
 */
import type { PublicationRow } from '../repositories/definition-repository.js';

export type VersionStatus = 'draft' | 'published' | 'retired';

export interface VersionState {
  status: VersionStatus;
  /** When it last took effect (published or retired versions). */
  effectiveAt: Date | null;
  /** A publication of it that takes effect later (生效时间 in the future). */
  scheduledAt: Date | null;
}

export interface PublicationState {
  /** The version in force (null: never published). */
  inForce: number | null;
  /** Since when it is in force. */
  inForceSince: Date | null;
  /** Each version that was ever published or is scheduled; any other is a draft. */
  byVersion: Map<number, VersionState>;
}

/** The publication that is in force at `at` among a key's publications (see the module comment). */
export function publicationInForce(rows: readonly PublicationRow[], at: Date): PublicationRow | undefined {
  let best: PublicationRow | undefined;
  for (const row of rows) {
    if (row.effective_at.getTime() > at.getTime()) continue;
    if (
      !best ||
      row.effective_at.getTime() > best.effective_at.getTime() ||
      (row.effective_at.getTime() === best.effective_at.getTime() && row.seq > best.seq)
    )
      best = row;
  }
  if (best) return best;
  for (const row of rows)
    if (
      !best ||
      row.effective_at.getTime() < best.effective_at.getTime() ||
      (row.effective_at.getTime() === best.effective_at.getTime() && row.seq > best.seq)
    )
      best = row;
  return best;
}

/** The status of the versions of one key at `at`, from its publications. */
export function publicationState(rows: readonly PublicationRow[], at: Date): PublicationState {
  const current = publicationInForce(rows, at);
  const byVersion = new Map<number, VersionState>();
  for (const row of rows) {
    const state = byVersion.get(row.version) ?? { status: 'draft', effectiveAt: null, scheduledAt: null };
    const effective = row.effective_at.getTime() <= at.getTime() || row === current;
    if (effective) {
      state.status = row.version === current?.version ? 'published' : 'retired';
      if (!state.effectiveAt || state.effectiveAt < row.effective_at) state.effectiveAt = row.effective_at;
    } else if (!state.scheduledAt || row.effective_at < state.scheduledAt) {
      state.scheduledAt = row.effective_at;
    }
    byVersion.set(row.version, state);
  }
  if (current) {
    const state = byVersion.get(current.version);
    if (state) state.effectiveAt = current.effective_at;
  }
  return {
    inForce: current?.version ?? null,
    inForceSince: current?.effective_at ?? null,
    byVersion,
  };
}
