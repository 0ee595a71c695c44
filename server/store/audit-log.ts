/** The append-only audit log of each case: every event carries the hash of the one before it. */
import { hash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with keys sorted at every level (code-unit order), so a hash does not depend on how jsonb reorders
 * keys; otherwise exactly what JSON.stringify writes. It runs over every audit event of every command, so it
 * is written for speed: no intermediate arrays, and keys already in order (most of them) are not re-sorted.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const record = value as Record<string, unknown>;
  let keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      keys = keys.sort();
      break;
    }
  }
  let out = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined || typeof item === 'function') continue;
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
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
  return hash('sha256', `${prevHash}\n${body}`, 'hex'); // one call: no Hash object per audit entry
}
