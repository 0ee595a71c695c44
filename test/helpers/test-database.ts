// Test databases: an embedded PGlite loaded from one template per run, and — when TEST_DATABASE_URL is set —
// a fresh PostgreSQL database per test file, so tap's parallel files never share state.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import { configurePool, migrateToLatest, type OpenedDatabase } from '../../server/db/database.js';
import type { Database } from '../../server/db/schema.js';
import { PgliteReuse } from './pglite-reuse.js';

/** The template is rebuilt whenever any migration's text changes. */
const migrationsDir = new URL('../../migrations/', import.meta.url);
const schemaHash = readdirSync(migrationsDir)
  .sort()
  .reduce(
    (hash, file) => hash.update(file).update(readFileSync(new URL(file, migrationsDir))),
    createHash('sha1').update(Object.keys(migrations).join(',')),
  )
  .digest('hex')
  .slice(0, 12);
const templatePath = join(tmpdir(), `reflow-pglite-template-${schemaHash}.tar.gz`);

async function pgliteTemplate(): Promise<Blob> {
  if (existsSync(templatePath)) return new Blob([readFileSync(templatePath)]);
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create();
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db as Kysely<unknown>);
  const dump = await pglite.dumpDataDir('gzip');
  const bytes = Buffer.from(await dump.arrayBuffer());
  const partial = `${templatePath}.${process.pid}`;
  writeFileSync(partial, bytes);
  renameSync(partial, templatePath); // atomic: a parallel file reads a whole template or none
  await db.destroy();
  return new Blob([bytes]);
}

/**
 * Gives the REFLOW_DATA_DIR `dataDir` a migrated embedded database, copied from a data dir made once per schema
 * (about 1 s against 6 s for PGlite to create one), unless it has one. For server processes and CLIs a test
 * starts on a new data dir; a test of what happens on an empty one does not call this.
 */
export async function seedDataDir(dataDir: string): Promise<void> {
  const target = join(dataDir, 'pg');
  if (existsSync(join(target, 'PG_VERSION'))) return;
  const template = join(tmpdir(), `reflow-pglite-dir-${schemaHash}`);
  if (!existsSync(join(template, 'PG_VERSION'))) {
    const partial = `${template}.${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create({ dataDir: partial, loadDataDir: await pgliteTemplate() });
    await pglite.close();
    try {
      renameSync(partial, template); // atomic: a parallel file copies a whole one or makes its own
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another file's is in place
    }
  }
  cpSync(template, target, { recursive: true });
}

const reuse = new PgliteReuse();
/** Under tap the instance is kept between tests and closed after the file's last test (else closed each time). */
let ending: Promise<void> | undefined;
const keepInstances = () => {
  ending ??= import('tap').then(({ default: tap }) => {
    tap.teardown(() => reuse.end());
  });
  return ending;
};

/**
 * A migrated embedded database, empty as the template: the process's instance from an earlier test, reset, or a new
 * one loaded from the template (test/helpers/pglite-reuse.ts). Closing it hands it to the next test.
 */
export async function openPglite(): Promise<OpenedDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const create = async () => PGlite.create({ loadDataDir: await pgliteTemplate() });
  // outside tap (benches) nothing is kept, so nothing is captured to reset to either
  const kept = Boolean(process.env.TAP);
  const pglite = kept ? await reuse.take(create) : await create();
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db as Kysely<unknown>);
  if (!kept) return { db, kind: 'pglite', close: () => db.destroy() };
  await keepInstances();
  return { db, kind: 'pglite', close: () => reuse.give(pglite) };
}

/**
 * A fresh PostgreSQL database on the server of `url`, named `<prefix>_<pid>_<random>`, copied from `template`
 * when given (else empty); drop() removes it.
 */
export async function createDatabaseBeside(
  url: string,
  prefix: string,
  template?: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  await admin.end();
  return {
    url: databaseUrl(url, name),
    async drop() {
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

function databaseUrl(url: string, name: string): string {
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

/**
 * The migrated template database of this schema on the server of `url` (`reflow_tpl_<schema hash>`), made once
 * for all test files: built under another name by the first file to take the advisory lock, then renamed, so no
 * file copies it half-migrated and nobody stays connected to it (CREATE DATABASE … TEMPLATE needs that).
 */
async function postgresTemplate(url: string): Promise<string> {
  const name = `reflow_tpl_${schemaHash}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      const building = `${name}_build`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const pool = new pg.Pool({ connectionString: databaseUrl(url, building), max: 1 });
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
      await migrateToLatest(db as Kysely<unknown>);
      await db.destroy();
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`);
    }
    return name;
  } finally {
    await admin.end(); // ends the session: its advisory lock with it
  }
}

let template: Promise<string> | undefined;

export async function openPostgres(url: string): Promise<OpenedDatabase> {
  template ??= postgresTemplate(url);
  const created = await createDatabaseBeside(url, 'reflow_t', await template);
  const pool = new pg.Pool({ connectionString: created.url, max: 10 });
  // the database is dropped WITH (FORCE) at close: a connection still open then is ended by the server
  configurePool(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db as Kysely<unknown>); // nothing to do on a copy of the template: checks it is current
  return {
    db,
    kind: 'postgres',
    pool,
    close: async () => {
      await db.destroy();
      await created.drop();
    },
  };
}

/** The databases every storage test runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testDatabases(): { name: 'pglite' | 'postgres'; open: () => Promise<OpenedDatabase> }[] {
  const list: { name: 'pglite' | 'postgres'; open: () => Promise<OpenedDatabase> }[] = [
    { name: 'pglite', open: openPglite },
  ];
  const url = process.env.TEST_DATABASE_URL;
  if (url) list.push({ name: 'postgres', open: () => openPostgres(url) });
  return list;
}
