/**
 * Idempotency keys per principal, and business keys unique per process.
 *
 * - Idempotency keys were stored with the first 8 characters of the caller's token in plain text
 *   (`abcdefgh:key`), so two callers whose tokens began alike shared keys. Reflow now stores a SHA-256 over the
 *   caller's whole token and the key (64 hex digits). Every key stored in another form becomes `legacy:` and
 *   the SHA-256 of itself: no token text remains, the row and its case stay; a request sent before the upgrade
 *   is not recognised when retried after it.
 * - `cases_process_business_key`: UNIQUE (process_key, business_key) over the cases Reflow runs. Imported cases
 *   keep their source system's case ids as business keys, and those repeat from one log to the next, so they
 *   are not included; cases without a business key are never compared. Cases that already share a business key
 *   are neither changed nor dropped: the migration refuses, naming each shared key and its cases and how to
 *   resolve it (only an operator can tell which case keeps the key), and none of it applies until then.
 */
import { type Kysely, sql } from 'kysely';

const INDEX = 'cases_process_business_key';
/** Shared keys listed in the refusal (all are counted). */
const LISTED = 50;

export async function up(db: Kysely<unknown>): Promise<void> {
  const shared = await sql<{ process_key: string; business_key: string; ids: string[]; total: number }>`
    SELECT process_key, business_key, array_agg(id ORDER BY started_at, id) AS ids,
           count(*) OVER ()::int AS total
      FROM cases
     WHERE business_key IS NOT NULL AND NOT imported
     GROUP BY process_key, business_key
    HAVING count(*) > 1
     ORDER BY process_key, business_key
     LIMIT ${LISTED}`.execute(db);
  if (shared.rows.length > 0) {
    const total = shared.rows[0].total;
    const lines = shared.rows.map(
      (r) => `  process '${r.process_key}', businessKey '${r.business_key}': cases ${r.ids.join(', ')}`,
    );
    if (total > shared.rows.length) lines.push(`  … and ${total - shared.rows.length} more`);
    throw new Error(
      [
        `business keys must name one case per process, but ${total} business key${total === 1 ? ' is' : 's are'} used by several cases (nothing was changed or dropped; first started first):`,
        ...lines,
        `Give every case but one of each key another business key, e.g.`,
        `  UPDATE cases SET business_key = business_key || '-2' WHERE id = '<case id>';`,
        `then start Reflow again (the query above lists them all: SELECT process_key, business_key, array_agg(id) FROM cases WHERE business_key IS NOT NULL AND NOT imported GROUP BY 1, 2 HAVING count(*) > 1).`,
      ].join('\n'),
    );
  }
  await sql
    .raw(
      `CREATE UNIQUE INDEX ${INDEX} ON cases (process_key, business_key) WHERE business_key IS NOT NULL AND NOT imported`,
    )
    .execute(db);

  await sql`
    UPDATE idempotency_keys SET key = 'legacy:' || encode(sha256(convert_to(key, 'UTF8')), 'hex')
     WHERE key !~ '^[0-9a-f]{64}$' AND key NOT LIKE 'legacy:%'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // the legacy keys stay hashed: the token text they held is gone for good
  await sql.raw(`DROP INDEX IF EXISTS ${INDEX}`).execute(db);
}
