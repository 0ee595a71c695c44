// Correctness under concurrency, in CI: a real server process driven over HTTP through cases of the
// business start-up AFTER process by concurrent clients (two cases per client) — each case's five parallel registrations completed
// at once, so commands on one case race each other — on the embedded database (16 clients) and, when
// TEST_DATABASE_URL is set, on PostgreSQL (64 clients). No request fails; afterwards every case is completed along the main
// path, nothing is half-applied, and every audit chain and derived row verifies. (test/bench/load.bench.ts
// runs the same driver with 10,000 cases for the figures.)
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openDatabase } from '../../server/db/database.js';
import { createPostgresDatabase, startChild } from '../helpers/child-server.js';
import {
  checkLoadOutcome,
  runLoad,
  STARTUP_FILE,
  summarize,
  writeLoadTokens,
} from '../helpers/load-driver.js';

// Two cases per client (32 on the embedded database, 128 on PostgreSQL) unless LOAD_TEST_CASES says otherwise; the
// bench runs 10,000. What races does not depend on the count: each case's five parallel registrations are completed
// at once, so commands on one case race each other in every case, and with more cases than clients every client is
// in flight from the first request to nearly the last (a client takes its second case while the others still work on
// their first). More cases only repeat the same races at a CPU cost the suite pays in every run (150 took ~35 s).
const casesFor = (clients: number) => Number(process.env.LOAD_TEST_CASES ?? 2 * clients);

// the embedded database serves one statement at a time: 16 clients (up to 80 commands in flight) keep a busy CI
// machine's queue well under the request timeout; PostgreSQL takes the full 64
const backends: { name: string; url?: string; clients: number }[] = [{ name: 'pglite', clients: 16 }];
if (process.env.TEST_DATABASE_URL)
  backends.push({ name: 'postgres', url: process.env.TEST_DATABASE_URL, clients: 64 });

t.setTimeout(300_000);

for (const backend of backends) {
  const CASES = casesFor(backend.clients);
  t.test(`${CASES} cases at ${backend.clients} concurrent clients over HTTP (${backend.name})`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'reflow-load-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const processesDir = join(dir, 'processes');
    mkdirSync(processesDir);
    copyFileSync(STARTUP_FILE, join(processesDir, 'business-startup.after.bpmn'));
    let databaseUrl: string | undefined;
    if (backend.url) {
      const created = await createPostgresDatabase(backend.url);
      databaseUrl = created.url;
      t.teardown(created.drop);
    }
    const dataDir = join(dir, 'data');
    const child = await startChild({
      dataDir,
      databaseUrl,
      processesDir,
      env: { REFLOW_TOKENS_FILE: writeLoadTokens(dir) },
    });
    t.teardown(() => child.kill('SIGKILL'));

    const load = await runLoad({
      url: child.url,
      cases: CASES,
      concurrency: backend.clients,
      parallelTasks: true,
      requestTimeoutMs: 120_000,
    });
    const all = summarize([...load.latencies.start, ...load.latencies.complete]);
    t.comment(
      `${load.requests} requests in ${(load.wallMs / 1000).toFixed(1)} s: ${((load.requests / load.wallMs) * 1000).toFixed(0)} req/s, p50 ${all.p50.toFixed(1)} ms, p99 ${all.p99.toFixed(1)} ms`,
    );
    t.same(load.errors.slice(0, 10), [], 'no request failed');
    t.equal(load.started.size, CASES, 'every case was started');
    t.equal(load.finished.size, CASES, 'every case was seen completed');
    t.equal(load.completed.length, CASES * 7, 'seven tasks completed per case');
    await child.stop();
    t.equal((await child.exited).code, 0, 'the server stops cleanly');

    const database = await openDatabase(databaseUrl ? { databaseUrl } : { dataDir });
    try {
      const outcome = await checkLoadOutcome(database.db, load, { complete: true });
      t.same(
        outcome.problems,
        [],
        'every case is correct: completed along the main path, whole, its audit chain verified',
      );
      t.equal(outcome.completedCases, CASES);
    } finally {
      await database.close();
    }
  });
}
