/** The append-only audit log of each case: every event carries the hash of the one before it. */
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level, so a hash does not depend on how jsonb reorders keys. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface AuditEntry {
  type: string;
  at: Date;
  actor: string | null;
  payload: unknown;
}

export function auditHash(prevHash: string, caseId: string, seq: number, entry: AuditEntry): string {
  const body = canonicalJson({
    caseId,
    seq,
    type: entry.type,
    at: entry.at.toISOString(),
    actor: entry.actor,
    payload: entry.payload,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}
