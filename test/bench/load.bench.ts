// Load: 10,000 cases of the business start-up AFTER process driven over HTTP by 64 concurrent clients (each one
// case at a time: start with the application form, 企业设立登记, the five registrations, 窗口领取 or 邮寄) against
// a real server process on PostgreSQL (a scratch database). Reports throughput and HTTP p50/p99; passes when no
// request failed and every case is correct afterwards (completed along the main path, nothing half-applied,
// every audit chain and derived row verified). Baselines in the same run: pgbench TPC-B tps at 64 clients on
// the same PostgreSQL, and GET /healthz (one `select 1`) p50/p99 at 64 clients on the same server.
// LOAD_CASES and LOAD_CLIENTS override the size.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/db/database.js';
import { startChild } from '../helpers/child-server.js';
import {
  checkLoadOutcome,
  runLoad,
  STARTUP_FILE,
  summarize,
  writeLoadTokens,
} from '../helpers/load-driver.js';
import { scratchDatabase } from './scratch-database.js';

const CASES = Number(process.env.LOAD_CASES ?? 10_000);
const CLIENTS = Number(process.env.LOAD_CLIENTS ?? 64);

function pgbenchTps(url: string, clients: number): { tps: number; latencyMs: number } | null {
  try {
    execFileSync('pgbench', ['-i', '-q', '-s', '10', url], { stdio: 'ignore' });
    const out = execFileSync('pgbench', ['-c', String(clients), '-j', '2', '-T', '10', url], {
      encoding: 'utf8',
    });
    const tps = /tps = ([\d.]+)/.exec(out);
    const latency = /latency average = ([\d.]+) ms/.exec(out);
    return tps ? { tps: Number(tps[1]), latencyMs: latency ? Number(latency[1]) : Number.NaN } : null;
  } catch {
    return null; // pgbench is not installed here
  }
}

/** GET /healthz from `clients` loops for `ms`: the floor of an HTTP round trip with one database query. */
async function healthzLatency(url: string, clients: number, ms: number) {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const res = await fetch(`${url}/healthz`).catch(() => null);
        await res?.arrayBuffer();
        if (res?.status === 200) latencies.push(performance.now() - t0);
        else errors++;
      }
    }),
  );
  return { ...summarize(latencies), rps: latencies.length / (ms / 1000), errors };
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));

const pgbench = pgbenchTps(await scratchDatabase('reflow_bench_pgbench64'), CLIENTS);
const databaseUrl = await scratchDatabase('reflow_bench_load');
const dir = mkdtempSync(join(tmpdir(), 'reflow-load-bench-'));
const processesDir = join(dir, 'processes');
mkdirSync(processesDir);
copyFileSync(STARTUP_FILE, join(processesDir, 'business-startup.after.bpmn'));
const child = await startChild(
  {
    dataDir: join(dir, 'data'),
    databaseUrl,
    processesDir,
    env: { REFLOW_TOKENS_FILE: writeLoadTokens(dir) },
  },
  60_000,
);
let load: Awaited<ReturnType<typeof runLoad>>;
let healthz: Awaited<ReturnType<typeof healthzLatency>>;
let lastReport = Date.now();
let casesBegun = 0;
try {
  load = await runLoad({
    url: child.url,
    cases: CASES,
    concurrency: CLIENTS,
    parallelTasks: false,
    stop: () => {
      casesBegun++;
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        console.error(`  … ${casesBegun} of ${CASES} cases begun`);
      }
      return false;
    },
  });
  healthz = await healthzLatency(child.url, CLIENTS, 5000);
} finally {
  await child.stop();
}
const database = await openDatabase({ databaseUrl, poolSize: 4 });
const outcome = await checkLoadOutcome(database.db, load, { complete: true });
await database.close();
rmSync(dir, { recursive: true, force: true });

const commands = [...load.latencies.start, ...load.latencies.complete];
const all = summarize(commands);
const start = summarize(load.latencies.start);
const complete = summarize(load.latencies.complete);
const seconds = load.wallMs / 1000;
const casesPerSec = load.finished.size / seconds;
const commandsPerSec = commands.length / seconds;
const pass = load.errors.length === 0 && outcome.problems.length === 0 && outcome.completedCases === CASES;
console.log(
  `${CASES} cases (${load.requests} requests) at ${CLIENTS} clients in ${seconds.toFixed(1)} s: ${casesPerSec.toFixed(1)} cases/s, ${commandsPerSec.toFixed(0)} commands/s`,
);
console.log(
  `HTTP latency, all commands: p50 ${fmt(all.p50)} ms, p90 ${fmt(all.p90)} ms, p99 ${fmt(all.p99)} ms, max ${fmt(all.max)} ms`,
);
console.log(
  `  start a case: p50 ${fmt(start.p50)} ms, p99 ${fmt(start.p99)} ms; complete a task: p50 ${fmt(complete.p50)} ms, p99 ${fmt(complete.p99)} ms`,
);
console.log(
  `baseline GET /healthz at ${CLIENTS} clients: ${healthz.rps.toFixed(0)} req/s, p50 ${fmt(healthz.p50)} ms, p99 ${fmt(healthz.p99)} ms`,
);
console.log(
  `baseline pgbench TPC-B at ${CLIENTS} clients: ${pgbench ? `${pgbench.tps.toFixed(0)} tps, latency ${pgbench.latencyMs.toFixed(1)} ms` : 'not available'}`,
);
console.log(
  `errors: ${load.errors.length}${load.errors.length ? ` (first: ${JSON.stringify(load.errors[0])})` : ''}; cases correct afterwards: ${outcome.completedCases}/${CASES}; problems: ${outcome.problems.length}${outcome.problems.length ? ` (first: ${outcome.problems[0]})` : ''}`,
);
console.log(
  JSON.stringify({
    figure: `${CASES} cases at ${CLIENTS} clients: ${commandsPerSec.toFixed(0)} commands/s (${casesPerSec.toFixed(1)} cases/s); HTTP p50 ${fmt(all.p50)} ms, p99 ${fmt(all.p99)} ms; ${load.errors.length} errors, ${outcome.completedCases} cases correct`,
    baseline: `pgbench ${pgbench ? `${pgbench.tps.toFixed(0)} tps` : 'n/a'} at ${CLIENTS} clients; GET /healthz p50 ${fmt(healthz.p50)} ms, p99 ${fmt(healthz.p99)} ms`,
    ratio: `${pgbench ? `${(commandsPerSec / pgbench.tps).toFixed(2)}× pgbench tps` : 'n/a'}; p99 ${(all.p99 / healthz.p99).toFixed(1)}× healthz p99; no error, every case correct: ${pass ? 'yes' : 'NO'}`,
    cases: CASES,
    clients: CLIENTS,
    seconds,
    casesPerSec,
    commandsPerSec,
    httpP50Ms: all.p50,
    httpP90Ms: all.p90,
    httpP99Ms: all.p99,
    startP50Ms: start.p50,
    startP99Ms: start.p99,
    completeP50Ms: complete.p50,
    completeP99Ms: complete.p99,
    healthzP50Ms: healthz.p50,
    healthzP99Ms: healthz.p99,
    pgbenchTps: pgbench?.tps ?? null,
    errors: load.errors.length,
    correctCases: outcome.completedCases,
    problems: outcome.problems.length,
    pass,
  }),
);
