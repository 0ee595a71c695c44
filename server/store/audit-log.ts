/** The append-only audit log of each case: every event carries the hash of the one before it. */
import { hash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

/** A string JSON.stringify writes otherwise than between plain quotes: a quote, a backslash, a control character or a surrogate. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON.stringify writes it, without calling it for the common string that needs no escape. */
const quoted = (text: string): string => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`);

/** Object keys as JSON, remembered: the same few dozen keys (an event's fields) recur in every audit entry. */
const quotedKeys = new Map<string, string>();
function quotedKey(key: string): string {
  let text = quotedKeys.get(key);
  if (text === undefined) {
    text = quoted(key);
    if (quotedKeys.size < 10_000) quotedKeys.set(key, text); // bounded: variable names are anyone's to choose
  }
  return text;
}

/**
 * JSON with keys sorted at every level (code-unit order), so a hash does not depend on how jsonb reorders
 * keys; otherwise exactly what JSON.stringify writes. It runs over every audit event of every command, so it
 * is written for speed: no intermediate arrays, keys already in order (most of them) are not re-sorted, and
 * strings and keys that need no escape are quoted without JSON.stringify.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quoted(value);
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
    out += `${out.length === 1 ? '' : ','}${quotedKey(key)}:${canonicalJson(item)}`;
  }
  return `${out}}`;
}

export interface AuditEntry {
  type: string;
  at: Date;
  actor: string | null;
  payload: unknown;
}

/**
 * The hash of an audit entry: of the hash before it and the canonical JSON of
 * `{ caseId, seq, type, at, actor, payload }` — written here with its keys in their sorted order, as
 * canonicalJson would write that object (test/server/canonical-json.test.ts holds the two equal).
 */
export function auditHash(prevHash: string, caseId: string, seq: number, entry: AuditEntry): string {
  const { type, at, actor, payload } = entry;
  const body =
    typeof type === 'string' && at instanceof Date && (actor === null || typeof actor === 'string')
      ? `{"actor":${actor === null ? 'null' : quoted(actor)},"at":${canonicalJson(at)},"caseId":${quoted(caseId)},"payload":${canonicalJson(payload)},"seq":${canonicalJson(seq)},"type":${quoted(type)}}`
      : canonicalJson({ caseId, seq, type, at: at.toISOString(), actor, payload }); // not as typed: the general way
  return hash('sha256', `${prevHash}\n${body}`, 'hex'); // one call: no Hash object per audit entry
}
