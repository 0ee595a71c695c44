/** Snapshots as the database keeps them: what JSON would change is changed before a node remembers it. */

/**
 * Whether JSON keeps `value` exactly as it is in memory: finite numbers other than -0, strings, booleans, null,
 * arrays and plain objects of those (no undefined member, no class instance). What JSON would change — 1e400
 * read as Infinity is stored as null — would let a node decide on a value the database does not hold.
 */
function keptByJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > 256) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!keptByJson(value[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) if (!keptByJson(record[key], depth + 1)) return false;
  return true;
}

/** A command's snapshot as the database will hand it back, so what a node remembers is what it stored. */
export const asStored = <T>(snapshot: T): T =>
  keptByJson(snapshot, 0) ? snapshot : (JSON.parse(JSON.stringify(snapshot)) as T);
