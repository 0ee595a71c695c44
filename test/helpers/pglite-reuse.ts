// One embedded database instance per test process, handed from test to test: PGlite takes ~1.2 s to load even
// from the template, a reset ~0.1 s. A reset forgets the session, empties every table and puts back the rows and
// sequence values the migrations left; an instance whose schema is no longer the template's (a test migrated down
// and up, altered a table) or that cannot answer is closed instead, and the test gets a new one. The reset runs when
// the next test takes the instance, so anything a finished test still wrote after closing is emptied with the rest.
import type { PGlite } from '@electric-sql/pglite';

/** The schema as far as a test can see it: relations, columns in order, defaults, indexes, constraints, code. */
const FINGERPRINT = `
  SELECT md5(string_agg(x, E'\\n' ORDER BY x)) AS fingerprint FROM (
    SELECT 'n:' || nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
    UNION ALL
    SELECT 'c:' || n.nspname || '.' || c.relname || ':' || c.relkind::text || ':' || coalesce(array_to_string(c.reloptions, ','), '')
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'a:' || c.relname || '.' || a.attnum || ':' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':'
        || a.attnotnull || ':' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT 'i:' || indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT 'k:' || conrelid::regclass || ':' || conname || ':' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 't:' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL
    SELECT 'f:' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || '):' || md5(p.prosrc)
      FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'v:' || viewname || ':' || md5(definition) FROM pg_views WHERE schemaname = 'public'
    UNION ALL
    SELECT 'm:' || name FROM kysely_migration
  ) s(x)`;

interface Baseline {
  fingerprint: string;
  /** Every table a test may write (quoted names), emptied at each reset. */
  tables: string[];
  /** The rows the migrations left, as JSON, by table. */
  rows: { table: string; json: string }[];
  sequences: { name: string; value: string; called: boolean }[];
}

const KEPT = new Set(['kysely_migration', 'kysely_migration_lock']);

async function fingerprint(pglite: PGlite): Promise<string> {
  return (await pglite.query<{ fingerprint: string }>(FINGERPRINT)).rows[0].fingerprint;
}

/** What a reset brings an instance back to: taken from a new instance, loaded from the migrated template. */
async function capture(pglite: PGlite): Promise<Baseline> {
  const names = (
    await pglite.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    )
  ).rows
    .map((r) => r.name)
    .filter((name) => !KEPT.has(name));
  const rows: Baseline['rows'] = [];
  for (const table of names) {
    const { json } = (
      await pglite.query<{ json: string | null }>(`SELECT json_agg(t)::text AS json FROM ${table} t`)
    ).rows[0];
    if (json) rows.push({ table, json });
  }
  const sequences = (
    await pglite.query<{ name: string; value: string; called: boolean }>(
      `SELECT quote_ident(sequencename) AS name, coalesce(last_value, start_value)::text AS value,
              last_value IS NOT NULL AS called
         FROM pg_sequences WHERE schemaname = 'public'`,
    )
  ).rows;
  return { fingerprint: await fingerprint(pglite), tables: names, rows, sequences };
}

/** Brings `pglite` back to `baseline`; false when it cannot be (its schema changed, or it fails). */
async function reset(pglite: PGlite, baseline: Baseline): Promise<boolean> {
  try {
    if (pglite.closed) return false;
    if ((await fingerprint(pglite)) !== baseline.fingerprint) return false;
    await pglite.exec('DISCARD ALL'); // settings, prepared statements, LISTENs, temporary tables
    await pglite.exec(`TRUNCATE ${baseline.tables.join(', ')} RESTART IDENTITY CASCADE`);
    for (const { table, json } of baseline.rows)
      await pglite.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1)`, [
        json,
      ]);
    for (const s of baseline.sequences)
      await pglite.query('SELECT setval($1, $2, $3)', [s.name, s.value, s.called]);
    await pglite.query('SELECT pg_stat_reset()');
    return true;
  } catch {
    return false;
  }
}

/** The instance a process keeps between its tests. */
export class PgliteReuse {
  private idle: PGlite | null = null;
  private baseline: Baseline | null = null;

  /** A reset instance kept from an earlier test, else a new one from `create`. */
  async take(create: () => Promise<PGlite>): Promise<PGlite> {
    const kept = this.idle;
    this.idle = null;
    if (kept && this.baseline && (await reset(kept, this.baseline))) return kept;
    if (kept && !kept.closed) await kept.close();
    const pglite = await create();
    this.baseline ??= await capture(pglite);
    return pglite;
  }

  /** Keeps `pglite` for the next test (one is kept; a second given meanwhile is closed). */
  async give(pglite: PGlite): Promise<void> {
    if (pglite.closed || pglite === this.idle) return;
    if (this.idle) return pglite.close();
    this.idle = pglite;
  }

  /** Closes the instance kept (it would keep the process alive): after the test file's last test. */
  async end(): Promise<void> {
    const kept = this.idle;
    this.idle = null;
    if (kept && !kept.closed) await kept.close();
  }
}
