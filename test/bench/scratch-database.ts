// A fresh PostgreSQL database for a benchmark, on the server of DATABASE_URL (default: the local test server).
import pg from 'pg';

export const benchDatabaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Drops and creates database `name`; returns its connection string. */
export async function scratchDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: benchDatabaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(benchDatabaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
