// The audit hash's canonical JSON: the same value whatever order its keys were written in (jsonb reorders
// them), and otherwise exactly the JSON of the value, for any JSON value fast-check can think of.
import fc from 'fast-check';
import t from 'tap';
import { canonicalJson } from '../../server/store/audit-log.js';

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
