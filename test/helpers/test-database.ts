// Test databases: an embedded PGlite loaded from one template per run, and — when TEST_DATABASE_URL is set —
// a fresh PostgreSQL database per test file, so tap's parallel files never share state.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import { configurePool, migrateToLatest, type OpenedDatabase } from '../../server/db/database.js';
import type { Database } from '../../server/db/schema.js';

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

export async function openPglite(): Promise<OpenedDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create({ loadDataDir: await pgliteTemplate() });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  await migrateToLatest(db as Kysely<unknown>);
  return { db, kind: 'pglite', close: () => db.destroy() };
}

/** A fresh PostgreSQL database on the server of `url`, named `<prefix>_<pid>_<random>`; drop() removes it. */
export async function createDatabaseBeside(
  url: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(url);
  target.pathname = `/${name}`;
  return {
    url: target.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

export async function openPostgres(url: string): Promise<OpenedDatabase> {
  const created = await createDatabaseBeside(url, 'reflow_t');
  const pool = new pg.Pool({ connectionString: created.url, max: 10 });
  // the database is dropped WITH (FORCE) at close: a connection still open then is ended by the server
  configurePool(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrateToLatest(db as Kysely<unknown>);
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
