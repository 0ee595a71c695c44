/** Opens the database: PostgreSQL when DATABASE_URL is set, else the embedded PGlite in REFLOW_DATA_DIR; migrates it. */
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { migrations } from '../../migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface OpenedDatabase {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The raw pg pool (PostgreSQL only), for LISTEN/NOTIFY. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  dataDir?: string;
  /** A PGlite data dir image to start from (tests load one template instead of creating a database each time). */
  loadDataDir?: Blob;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

// timestamptz and bigint come back typed; int8 as a number is exact below 2^53 ms of working time
pg.types.setTypeParser(20, (v) => Number(v));

/** PGlite has no lock of its own: a second process on the same data dir would corrupt it. */
function lockDataDir(dir: string): () => void {
  const lockFile = join(dir, 'reflow.lock');
  // written aside and linked into place, so a live process's lock is never seen empty
  const take = (): void => {
    const own = `${lockFile}.${process.pid}`;
    const fd = openSync(own, 'w');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    try {
      linkSync(own, lockFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' }); // a file system without hard links
    } finally {
      rmSync(own, { force: true });
    }
  };
  try {
    take();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    // our own pid is a previous incarnation's (a container restart hands out the same pid again); an empty or
    // unreadable lock was cut short by a crash
    let alive = Number.isInteger(pid) && pid > 0 && pid !== process.pid;
    if (alive) {
      try {
        process.kill(pid, 0);
      } catch (error) {
        alive = (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
      }
    }
    if (alive) {
      throw new Error(
        `the embedded database in ${dir} is in use by process ${pid}: stop it first, or give this process its own REFLOW_DATA_DIR, or use PostgreSQL (DATABASE_URL) to run several nodes`,
      );
    }
    rmSync(lockFile, { force: true }); // left behind by a process that died
    take();
  }
  return () => rmSync(lockFile, { force: true });
}

/** Statement texts that PostgreSQL connections prepare once under a name, instead of planning them per use. */
const preparedNames = new Map<string, string>();

/**
 * Marks a statement text as prepared: every PostgreSQL connection plans it the first time it runs it and
 * reuses the plan. For the few hot statements with a fixed text (the write batch); PGlite plans as before.
 */
export function prepareStatement(name: string, text: string): void {
  preparedNames.set(text, name);
}

/** Sends the marked statements under their names: kysely's driver passes a text and values to `client.query`. */
function namePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    const name = typeof text === 'string' ? preparedNames.get(text) : undefined;
    return name === undefined ? query(...args) : query({ name, text, values });
  };
}

/** What every PostgreSQL pool of Reflow's needs: errors of dropped connections heard, hot statements prepared. */
export function configurePool(pool: pg.Pool): void {
  pool.on('error', () => {}); // a dropped idle connection is replaced on next use
  // a connection dropped while checked out (the database restarting mid-query) emits 'error' on its client,
  // where the pool listens only while it is idle: unheard, that error would end the process. The query
  // in flight still fails (503), and the pool discards the broken client when it comes back.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    namePreparedStatements(client);
  });
}

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed)
    throw new Error(
      `database migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`,
    );
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<OpenedDatabase> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 20 });
    configurePool(pool);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await migrateToLatest(db as Kysely<unknown>);
    return { db, kind: 'postgres', pool, close: () => db.destroy() };
  }
  const dir = resolve(options.dataDir ?? './data');
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(dir);
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const pgDir = join(dir, 'pg');
    const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
    const pglite = await PGlite.create({
      dataDir: pgDir,
      ...(fresh && options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    await migrateToLatest(db as Kysely<unknown>);
    return {
      db,
      kind: 'pglite',
      close: async () => {
        await db.destroy();
        unlock();
      },
    };
  } catch (error) {
    unlock();
    throw error;
  }
}

/**
 * True when the database is PostgreSQL with autovacuum off: its statistics are then never refreshed, and the named
 * write statements keep the full-scan plans made on empty tables, so every command slows as the tables grow (README,
 * 扩展部署). PGlite plans each statement afresh: false.
 */
export async function autovacuumOff(opened: OpenedDatabase): Promise<boolean> {
  if (opened.kind !== 'postgres') return false;
  const { rows } = await sql<{ autovacuum: string }>`SHOW autovacuum`.execute(opened.db);
  return rows[0]?.autovacuum === 'off';
}
