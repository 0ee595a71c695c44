// Faults: PostgreSQL restarted (pg_ctlcluster restart) in the middle of load against a real server process.
// The server stays up and answers 503 problem+json while the database is away (never a 500, never a crash),
// /healthz is back to 200 once it returns, and load goes on; afterwards every acknowledged (2xx) start and task
// completion is in the database, nothing is half-applied, every audit chain verifies, and every case the
// outage interrupted can be taken to its end.
//
// Runs only when TEST_DATABASE_URL is set and Debian's pg_createcluster/pg_ctlcluster exist. It restarts a
// cluster of its own (created on a free port and dropped afterwards), not the one TEST_DATABASE_URL names:
// restarting that one would break every other test file that tap runs in parallel with this one.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import t from 'tap';
import { openDatabase } from '../../server/db/database.js';
import { freePort, startChild } from '../helpers/child-server.js';
import {
  checkLoadOutcome,
  runLoad,
  STARTUP_FILE,
  summarize,
  writeLoadTokens,
} from '../helpers/load-driver.js';

const CLUSTER = 'reflow_fault';
const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
const skip = !process.env.TEST_DATABASE_URL
  ? 'TEST_DATABASE_URL is not set'
  : !['pg_createcluster', 'pg_ctlcluster', 'pg_dropcluster'].every(has)
    ? 'pg_createcluster/pg_ctlcluster are not installed'
    : false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The PostgreSQL major version the machine's clusters run (the one TEST_DATABASE_URL's server has). */
function majorVersion(): string {
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v))
    : [];
  return versions.sort((a, b) => Number(b) - Number(a))[0] ?? '15';
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

t.setTimeout(300_000);

t.test(
  'PostgreSQL restarted mid-load: the server reconnects, no acknowledged command is lost',
  { skip },
  async (t) => {
    const version = majorVersion();
    const port = await freePort();
    const drop = () => spawnSync('pg_dropcluster', ['--stop', version, CLUSTER], { stdio: 'ignore' });
    drop(); // left over by a run that was killed
    execFileSync(
      'pg_createcluster',
      [version, CLUSTER, '-p', String(port), '--start', '--', '--auth=trust'],
      { stdio: 'ignore' },
    );
    t.teardown(drop);
    const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitReady(admin, 30_000);
    const setup = new pg.Client({ connectionString: admin });
    await setup.connect();
    await setup.query('CREATE DATABASE reflow_fault');
    await setup.end();
    const databaseUrl = `postgres://postgres@127.0.0.1:${port}/reflow_fault`;

    const dir = mkdtempSync(join(tmpdir(), 'reflow-restart-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const processesDir = join(dir, 'processes');
    mkdirSync(processesDir);
    copyFileSync(STARTUP_FILE, join(processesDir, 'business-startup.after.bpmn'));
    const child = await startChild({
      dataDir: join(dir, 'data'),
      databaseUrl,
      processesDir,
      pollMs: 200,
      env: { REFLOW_TOKENS_FILE: writeLoadTokens(dir) },
    });
    t.teardown(() => child.kill('SIGKILL'));
    let crashed = false;
    void child.exited.then(() => {
      crashed = true;
    });

    // /healthz every 100 ms all along: when it stopped and came back
    const health: { at: number; status: number }[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const res = await fetch(`${child.url}/healthz`, { signal: AbortSignal.timeout(5000) }).catch(
          () => null,
        );
        health.push({ at: Date.now(), status: res?.status ?? 0 });
        await res?.arrayBuffer().catch(() => {});
        await sleep(100);
      }
    })();

    // load from 16 clients, five registrations of a case at once; the restart once it is well under way
    const phase = { stop: false, asked: 0 };
    const loading = runLoad({
      url: child.url,
      cases: 1_000_000,
      concurrency: 16,
      parallelTasks: true,
      tolerateErrors: true,
      // asked once before each case a client takes: counts the cases begun
      stop: () => {
        phase.asked++;
        return phase.stop;
      },
      requestTimeoutMs: 20_000,
    });
    // well under way: every client has taken its third case (was: a fixed 2.5 s, some 100 cases at 16 clients;
    // waiting on the load itself needs no guess of the machine's speed and spends less CPU)
    const begun = Date.now();
    while (phase.asked < 3 * 16 && Date.now() - begun < 30_000) await sleep(50);
    t.ok(phase.asked >= 3 * 16, `the load was under way: ${phase.asked} cases begun before the restart`);
    const restartAt = Date.now();
    await promisify(execFile)('pg_ctlcluster', [version, CLUSTER, 'restart', '-m', 'fast']); // asynchronously: load and /healthz go on meanwhile
    const restartedAt = Date.now();
    t.pass(`the database restarted in ${restartedAt - restartAt} ms`);

    // it is back for the server once /healthz answers 200 again; then load goes on for a while
    const deadline = Date.now() + 30_000;
    while (!health.some((h) => h.at > restartedAt && h.status === 200) && Date.now() < deadline)
      await sleep(100);
    const back = health.find((h) => h.at > restartedAt && h.status === 200);
    t.ok(back, '/healthz answers 200 again after the restart');
    // (2 s: the check below wants the last second of load without a refusal, with a second to spare)
    await sleep(2000);
    phase.stop = true;
    const load = await loading;
    watching = false;
    await watcher;
    t.notOk(
      crashed,
      `the server process is still running${crashed ? `:\n${child.output().slice(-3000)}` : ''}`,
    );

    const down = health.filter((h) => h.at >= restartAt && h.status !== 200);
    t.comment(
      `healthz: ${down.length} answers other than 200 (${[...new Set(down.map((h) => h.status))].join(', ') || 'none'}), back ${back ? back.at - restartedAt : '?'} ms after the restart`,
    );
    t.ok(
      down.every((h) => h.status === 503),
      `while the database was away /healthz said 503: ${JSON.stringify([...new Set(down.map((h) => h.status))])}`,
    );
    const statuses = [...new Set(load.errors.map((e) => e.status))];
    t.comment(
      `load: ${load.started.size} starts and ${load.completed.length} completions acknowledged, ${load.errors.length} requests refused (${statuses.join(', ') || 'none'})`,
    );
    t.same(
      load.errors.filter((e) => e.status !== 503).slice(0, 5),
      [],
      'every refused request was a 503 (the database is not available), never a 500 or a dropped connection',
    );
    for (const e of load.errors.slice(0, 3))
      t.match(e.detail, /urn:reflow:problem:database-unavailable/, 'as problem+json');
    t.ok(load.errors.length > 0, 'the restart was felt: some requests were refused');
    const afterwards = load.latencies.complete.length;
    t.ok(afterwards > 0, `commands succeeded: ${afterwards} completions`);
    const lastError = Math.max(...load.errors.map((e) => e.at), restartAt);
    t.ok(
      Date.now() - lastError > 1000 || load.errors.length === 0,
      'and no request failed in the last second of load: the pool has recovered',
    );

    // the cases the outage interrupted go on to their end
    const open = [...load.started.keys()].filter((id) => !load.finished.has(id));
    const resumed = await runLoad({
      url: child.url,
      cases: 0,
      concurrency: 8,
      parallelTasks: true,
      resume: [...open],
    });
    t.same(resumed.errors.slice(0, 5), [], `the ${open.length} interrupted cases were taken to their end`);
    t.comment(`latency after recovery: ${JSON.stringify(summarize(resumed.latencies.complete))}`);

    t.equal((await fetch(`${child.url}/healthz`)).status, 200);
    await child.stop();
    t.equal((await child.exited).code, 0, 'the server stops cleanly');

    const database = await openDatabase({ databaseUrl, poolSize: 4 });
    try {
      const merged = {
        ...load,
        completed: [...load.completed, ...resumed.completed],
        finished: new Set([...load.finished, ...resumed.finished]),
      };
      const outcome = await checkLoadOutcome(database.db, merged, { complete: true });
      t.same(
        outcome.problems,
        [],
        `every acknowledged start and completion is in the database, every case completed and whole (${outcome.cases} cases)`,
      );
      t.equal(outcome.completedCases, load.started.size);
    } finally {
      await database.close();
    }
  },
);
