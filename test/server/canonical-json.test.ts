// The audit hash's canonical JSON: the same value whatever order its keys were written in (jsonb reorders
// them), and otherwise exactly the JSON of the value, for any JSON value fast-check can think of.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import t from 'tap';
import { auditHash, canonicalJson, GENESIS_HASH } from '../../server/store/audit-log.js';

/** The value with the keys of every object inserted in reverse order. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .reverse()
      .map((k) => [k, reversed((value as Record<string, unknown>)[k])]),
  );
}

/** Keys in code-unit order at every level, as a plain reference: only for keys that are not array indices. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortedDeep((value as Record<string, unknown>)[k])]),
  );
}

const nonIndexKeys = (value: unknown): boolean =>
  Array.isArray(value)
    ? value.every(nonIndexKeys)
    : value === null || typeof value !== 'object'
      ? true
      : Object.entries(value).every(([k, v]) => !/^(0|[1-9]\d*)$/.test(k) && nonIndexKeys(v));

t.test('canonical JSON is the JSON of the value, independent of key order', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const text = canonicalJson(value);
      t.same(JSON.parse(text), JSON.parse(JSON.stringify(value)));
      t.equal(canonicalJson(reversed(value)), text);
      if (nonIndexKeys(value)) t.equal(text, JSON.stringify(sortedDeep(value)));
    }),
    { numRuns: 300 },
  );
});

t.test('dates, undefined and non-JSON values are written as JSON.stringify writes them', async (t) => {
  const at = new Date(Date.UTC(2026, 0, 5, 1));
  t.equal(
    canonicalJson({ b: at, a: undefined, c: [undefined, () => 1, Number.NaN], d: { z: true, y: false } }),
    '{"b":"2026-01-05T01:00:00.000Z","c":[null,null,null],"d":{"y":false,"z":true}}',
  );
  t.equal(canonicalJson(undefined), 'null');
  t.equal(canonicalJson('事项'), '"事项"');
  t.equal(canonicalJson(Number.POSITIVE_INFINITY), 'null');
});

t.test(
  'the audit hash is the hash of the canonical JSON of the entry with its case and sequence number',
  async (t) => {
    const reference = (prev: string, caseId: string, seq: number, entry: Parameters<typeof auditHash>[3]) =>
      createHash('sha256')
        .update(
          `${prev}\n${canonicalJson({ caseId, seq, type: entry.type, at: entry.at.toISOString(), actor: entry.actor, payload: entry.payload })}`,
        )
        .digest('hex');
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer(),
        fc.string(),
        fc.date({ noInvalidDate: true }),
        fc.option(fc.string()),
        fc.jsonValue(),
        (caseId, seq, type, at, actor, payload) => {
          const entry = { type, at, actor, payload };
          t.equal(auditHash(GENESIS_HASH, caseId, seq, entry), reference(GENESIS_HASH, caseId, seq, entry));
        },
      ),
      { numRuns: 300 },
    );
    // quotes, backslashes, control characters and lone surrogates are escaped as JSON.stringify escapes them
    for (const text of ['"', '\\', '\n', '\u0000', '\ud800', '\udc00x', '😀', '事项\u2028']) {
      t.equal(canonicalJson({ [text]: text }), `{${JSON.stringify(text)}:${JSON.stringify(text)}}`);
      const entry = { type: text, at: new Date(0), actor: text, payload: [text] };
      t.equal(auditHash(GENESIS_HASH, text, 1, entry), reference(GENESIS_HASH, text, 1, entry));
    }
  },
);
