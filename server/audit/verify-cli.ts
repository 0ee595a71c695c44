/**
 * `npm run verify`: audit verification from the command line (审计校验). Checks one case, a process or version,
 * or the whole database — PostgreSQL from DATABASE_URL, else the embedded database in REFLOW_DATA_DIR — and
 * exits 0 when everything verifies, 1 when a case is broken (each named with its first broken link), 2 when
 * the check could not run.
 *
 *   npm run verify                                   # every case
 *   npm run verify -- --case <id>
 *   npm run verify -- --process business_startup [--version 2]
 *   npm run verify -- --json                         # the report as JSON (GET /api/audit/verify's schema)
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { getDefaultCalendar } from '../../engine/calendar/index.js';
import { storedCalendar } from '../calendar/calendar-service.js';
import type { Db } from '../db/database.js';
import { openDatabase } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { describeBreak, type VerifyScope, verifyAudit } from './verify.js';

const USAGE = `usage: npm run verify -- [--case ID | --process KEY [--version N]] [--json] [--max N] [--page-size N]
  checks the audit hash chains and the steps, tasks, timers and case rows derived from them
  database: DATABASE_URL (PostgreSQL), else the embedded database in REFLOW_DATA_DIR (default ./data)
  exit code: 0 verified, 1 broken cases found, 2 the check could not run`;

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      case: { type: 'string' },
      process: { type: 'string' },
      version: { type: 'string' },
      json: { type: 'boolean', default: false },
      max: { type: 'string' },
      'page-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const int = (name: string, v: string | undefined, min: number): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
    return n;
  };
  const scope: VerifyScope = {};
  if (values.case !== undefined) scope.caseId = values.case;
  if (values.process !== undefined) scope.process = values.process;
  const version = int('version', values.version, 1);
  if (version !== undefined) {
    if (scope.process === undefined) throw new UsageError('--version needs --process');
    scope.version = version;
  }
  return {
    scope,
    json: values.json ?? false,
    help: values.help ?? false,
    max: int('max', values.max, 0),
    pageSize: int('page-size', values['page-size'], 1),
  };
}

/** PostgreSQL is read as it is (no migration: an auditor's read-only role suffices); the embedded one needs its lock. */
async function open(env: NodeJS.ProcessEnv): Promise<{ db: Db; where: string; close(): Promise<void> }> {
  const url = env.DATABASE_URL;
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const safe = new URL(url);
    safe.password = safe.password ? '***' : '';
    return { db, where: `PostgreSQL ${safe.toString()}`, close: () => db.destroy() };
  }
  const dataDir = resolve(env.REFLOW_DATA_DIR ?? './data');
  try {
    const opened = await openDatabase({ dataDir });
    return { db: opened.db, where: `the embedded database in ${dataDir}`, close: opened.close };
  } catch (error) {
    const message = (error as Error).message;
    if (/in use by process/.test(message)) {
      throw new Error(
        `${message}.\nThe embedded database can be read by one process only: verify through the running server instead (GET /api/audit/verify with an auditor token), or stop it first.`,
      );
    }
    throw error;
  }
}

/** `env`: the process's, or a test's that runs the command in its own process. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(argv);
  } catch (error) {
    console.error(`verify: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  let database: Awaited<ReturnType<typeof open>>;
  try {
    database = await open(env);
  } catch (error) {
    console.error(`verify: cannot open the database: ${(error as Error).message}`);
    return 2;
  }
  try {
    const progress = !options.json && process.stderr.isTTY;
    const report = await verifyAudit(database.db, options.scope, {
      // working times are recomputed with the holiday years the nodes use (the built-in ones and those loaded)
      calendar: await storedCalendar(database.db, getDefaultCalendar()),
      maxReported: options.max,
      pageSize: options.pageSize,
      onProgress: progress ? (n) => process.stderr.write(`\r  ${n} cases checked…`) : undefined,
    });
    if (progress) process.stderr.write('\r');
    if (options.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      const what = options.scope.caseId
        ? `case ${options.scope.caseId}`
        : options.scope.process
          ? `process ${options.scope.process}${options.scope.version ? ` v${options.scope.version}` : ''}`
          : 'every case';
      console.log(`审计校验 / audit verification of ${what} in ${database.where}`);
      if (options.scope.caseId && report.checkedCases === 0) {
        console.error(`verify: case '${options.scope.caseId}' does not exist`);
        return 2;
      }
      for (const b of report.broken) console.log(`BROKEN ${describeBreak(b)}`);
      for (const p of report.publications?.broken ?? []) console.log(`BROKEN publication: ${p.message}`);
      if (report.truncated)
        console.log(
          `… and ${report.brokenCases - report.broken.length} more broken cases (raise --max to list them)`,
        );
      const published = report.publications
        ? `, ${report.publications.checked} publications checked against the system audit log`
        : '';
      const badPublications = report.publications?.broken.length
        ? `, ${report.publications.broken.length} publication records broken`
        : '';
      const unchained =
        report.unchainedCases > 0 ? `, ${report.unchainedCases} imported cases without a chain` : '';
      console.log(
        report.ok
          ? `OK: ${report.checkedCases} cases, ${report.checkedEvents} audit events verified${published}${unchained} (${report.durationMs} ms)`
          : `FAILED: ${report.brokenCases} of ${report.checkedCases} cases broken${badPublications} (${report.checkedEvents} audit events read${unchained}, ${report.durationMs} ms)`,
      );
    }
    return report.ok ? 0 : 1;
  } catch (error) {
    console.error(`verify: the check failed: ${(error as Error).message}`);
    return 2;
  } finally {
    await database.close().catch(() => {});
  }
}
