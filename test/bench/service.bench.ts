// The command path and HTTP, each beside a baseline measured in the same run (issue 23):
// - persisted steps/s through the engine's command path on PostgreSQL at 16 concurrent clients, beside pgbench
//   TPC-B tps on the same server: ≥ 0.8 × pgbench;
// - HTTP task completion at 32 concurrent clients against a server in its own process, beside `GET /healthz`
//   (fastify and one `select 1`) from the same 32 clients against the same server: server CPU per completion
//   ≤ 2.5 × per healthz, p99 ≤ 2.5 × healthz p99;
// - 16 department clients working cases through HTTP (each completing the tasks each answer says are open),
//   beside bpmn-engine running the same shape in memory without persistence: ≥ 3 × its steps/s.
// BENCH_ROUNDS rounds (default 3) of each, each ratio taken within its round, medians reported. Beside these, the
// same 32 clients on the command path in this process (no HTTP: the floor the durable write sets) and the CPU
// each HTTP completion costs in PostgreSQL and in the load generator (from /proc, on Linux with the database on
// this machine). BENCH_PROFILE_DIR=<dir> makes the server write a V8 CPU profile there.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { CaseService, type MinimalCaseView } from '../../server/cases/case-service.js';
import { openDatabase } from '../../server/db/database.js';
import { startRollupDrain } from '../../server/metrics/rollup-queue.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { CHILD_TOKENS, startChild } from '../helpers/child-server.js';
import { summarize } from '../helpers/load-driver.js';
import { bpmnEngineRun } from './bpmn-engine-baseline.js';
import { scratchDatabase } from './scratch-database.js';

const xml = readFileSync('test/bench/business-registration.bpmn', 'utf8');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const STEPS_PER_CASE = 6; // accept, 4 approvals, issue

/** A fixed shuffle, the same every run: departments finish their approvals in no particular order. */
function shuffled(ids: string[]): string[] {
  const out = [...ids];
  let seed = 42;
  for (let i = out.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The clock ticks /proc counts CPU time in. */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (µs) a process has used, from /proc/<pid>/stat (utime + stime); null where /proc is missing. */
function processCpuMicros(pid: number | string): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU time (µs) of each PostgreSQL server process on this machine by pid (null without /proc). */
function postgresCpuMicros(): Map<string, number> | null {
  if (!existsSync('/proc/self/stat')) return null;
  const used = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue; // the process ended meanwhile
    }
    const micros = processCpuMicros(pid);
    if (micros !== null) used.set(pid, micros);
  }
  return used.size > 0 ? used : null;
}

/** PostgreSQL CPU (µs) used between two readings: processes that ended meanwhile are not counted. */
function postgresCpuBetween(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, micros] of after) total += micros - (before.get(pid) ?? 0);
  return total;
}

/** Approval tasks of `cases` business-registration cases past acceptance, made through `start` and `complete`. */
async function openApprovals(
  cases: number,
  start: () => Promise<{ openTasks: { id: string }[] }>,
  complete: (taskId: string) => Promise<{ openTasks: { id: string }[] }>,
): Promise<string[]> {
  const taskIds: string[] = [];
  let made = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (made++ < cases) {
        const started = await start();
        const accepted = await complete(started.openTasks[0].id);
        taskIds.push(...accepted.openTasks.map((t) => t.id));
      }
    }),
  );
  return shuffled(taskIds);
}

/**
 * The HTTP run's work on the engine's command path in this process: 900 cases past acceptance, their 3,600
 * approvals completed by 32 concurrent clients in the same shuffled order, the first 1,200 as warm-up. What
 * HTTP adds on top of this (parsing, routing, validation, the answer, the load generator's own CPU) is the rest
 * of the HTTP figure.
 */
async function commandLatency(url: string): Promise<{ p50: number; p99: number }> {
  const database = await openDatabase({ databaseUrl: url, poolSize: 20 });
  try {
    const definitions = new DefinitionStore(database.db);
    const { key } = await definitions.deploy(xml, new Date());
    const service = new CaseService(database.db, definitions);
    const taskIds = await openApprovals(
      900,
      async () => (await service.start({ process: key }, 'bench')).view,
      (taskId) => service.completeTask(taskId, {}, 'bench'),
    );
    await sql`ANALYZE`.execute(database.db);
    const latencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < taskIds.length) {
          const index = next++;
          const t0 = performance.now();
          await service.completeTask(taskIds[index], {}, 'bench');
          if (index >= 1200) latencies.push(performance.now() - t0);
        }
      }),
    );
    const { p50, p99 } = summarize(latencies);
    return { p50, p99 };
  } finally {
    await database.close();
  }
}

function pgbenchTps(url: string): number | null {
  try {
    execFileSync('pgbench', ['-i', '-q', '-s', '10', url], { stdio: 'ignore' });
    const out = execFileSync('pgbench', ['-c', '16', '-j', '2', '-T', String(SECONDS), url], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const match = /tps = ([\d.]+)/.exec(out);
    return match ? Number(match[1]) : null;
  } catch {
    return null; // pgbench is not installed here
  }
}

async function persistedSteps(
  url: string,
): Promise<{ stepsPerSec: number; commandsPerSec: number; commandsPerBatch: number }> {
  const database = await openDatabase({ databaseUrl: url, poolSize: 20 });
  const definitions = new DefinitionStore(database.db);
  const { key } = await definitions.deploy(xml, new Date());
  const service = new CaseService(database.db, definitions);
  const stopDrain = startRollupDrain(database.db, 1000, (error) => console.error(error)); // as a node does
  let steps = 0;
  let commands = 0;
  let deadline = performance.now() + 3000;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      // a client works through the tasks each answer says are open: accept, the four approvals, issue
      const { view } = await service.start({ process: key }, 'bench');
      commands++;
      let last = view;
      const open = [...view.openTasks];
      for (let task = open.shift(); task; task = open.shift()) {
        last = await service.completeTask(task.id, {}, 'bench');
        commands++;
        steps++;
        for (const next of last.openTasks) if (!open.some((t) => t.id === next.id)) open.push(next);
      }
      if (last.status !== 'completed') throw new Error(`case ${view.id} did not complete`);
    }
  };
  // warm-up: the tables fill as in a running system, then ANALYZE does what autovacuum does within a minute
  // of that (on tables it has never seen, PostgreSQL plans index lookups as full scans)
  await Promise.all(Array.from({ length: 16 }, client));
  await sql`ANALYZE`.execute(database.db);
  steps = 0;
  commands = 0;
  const before = { ...service.writer.stats };
  deadline = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, client));
  const seconds = (performance.now() - t0) / 1000;
  const batches = service.writer.stats.batches - before.batches;
  await stopDrain();
  await database.close();
  return {
    stepsPerSec: steps / seconds,
    commandsPerSec: commands / seconds,
    commandsPerBatch: commands / batches,
  };
}

/**
 * Task completion through HTTP against a server in its own process (as behind a load balancer; a client in
 * the server's own event loop would take its CPU): 900 cases past acceptance, their 3,600 parallel approvals
 * completed by 32 concurrent clients in a shuffled order (departments work independently); the first 1,200 warm
 * the server up (as the persisted run's warm-up does), the other 2,400 are timed.
 */
interface HttpRun {
  p50: number;
  p99: number;
  count: number;
  /** CPU per timed completion (µs) in the server process, PostgreSQL and this process (the load generator). */
  cpu: { server: number; postgres: number; loadGenerator: number } | null;
  /** `GET /healthz` (fastify and one `select 1`) from the same 32 connections against the same server. */
  healthz: { p50: number; p99: number; serverCpu: number | null };
  /** Completed steps/s of 16 department clients each working a case through, following each answer's open tasks. */
  stepsPerSec: number;
}

/**
 * Waits until the server process is idle (under 2% of a core over a quarter second, at most 15 s): work a run
 * left behind (roll-ups, the scheduler) is charged to that run, not to the next.
 */
async function quiesce(pid: number): Promise<void> {
  const until = performance.now() + 15_000;
  while (performance.now() < until) {
    const before = processCpuMicros(pid);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const after = processCpuMicros(pid);
    if (before === null || after === null || after - before < 0.02 * 250_000) return;
  }
}

/**
 * Server CPU (µs) per request of an autocannon run, counted until the server is idle again (what the requests
 * left to do afterwards is their cost too), and the run's latency percentiles.
 */
async function measured(
  pid: number,
  run: () => Promise<autocannon.Result>,
): Promise<{
  result: autocannon.Result;
  serverCpu: number | null;
  postgres: number | null;
  loadGenerator: number;
}> {
  const before = {
    server: processCpuMicros(pid),
    postgres: postgresCpuMicros(),
    loadGenerator: process.cpuUsage(),
  };
  const result = await run();
  await quiesce(pid);
  const server = processCpuMicros(pid);
  const postgres = postgresCpuMicros();
  const loadGenerator = process.cpuUsage(before.loadGenerator);
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(
      `${result.non2xx} non-2xx answers and ${result.errors} errors of ${result.requests.total}`,
    );
  const count = result.requests.total;
  return {
    result,
    serverCpu: server !== null && before.server !== null ? (server - before.server) / count : null,
    postgres:
      postgres !== null && before.postgres !== null
        ? postgresCpuBetween(before.postgres, postgres) / count
        : null,
    loadGenerator: (loadGenerator.user + loadGenerator.system) / count,
  };
}

async function httpLatency(url: string): Promise<HttpRun> {
  const dir = mkdtempSync(join(tmpdir(), 'reflow-service-bench-'));
  const processesDir = join(dir, 'processes');
  mkdirSync(processesDir);
  copyFileSync('test/bench/business-registration.bpmn', join(processesDir, 'business-registration.bpmn'));
  const child = await startChild(
    {
      dataDir: join(dir, 'data'),
      databaseUrl: url,
      processesDir,
      env: {
        REFLOW_SEED_DEMO: 'false',
      },
      // BENCH_PROFILE_DIR=<dir>: the server writes a V8 CPU profile there when it stops (open in Chrome DevTools)
      nodeArgs: process.env.BENCH_PROFILE_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
        : [],
    },
    60_000,
  );
  // the department clients ask for the minimal answer (`Prefer: return=minimal`): the case's status and open tasks
  // are all they follow
  const post = async (path: string, body: unknown): Promise<MinimalCaseView> => {
    const response = await fetch(`${child.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${CHILD_TOKENS.admin}`,
        'content-type': 'application/json',
        prefer: 'return=minimal',
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`POST ${path}: HTTP ${response.status} ${text}`);
    if (response.headers.get('preference-applied') !== 'return=minimal')
      throw new Error(`POST ${path}: the minimal answer was not applied`);
    return JSON.parse(text) as MinimalCaseView;
  };
  try {
    const taskIds = await openApprovals(
      900,
      () => post('/api/cases', { process: 'business_registration_bench' }),
      (taskId) => post(`/api/tasks/${taskId}/complete`, {}),
    );
    const database = await openDatabase({ databaseUrl: url, poolSize: 1 });
    await sql`ANALYZE`.execute(database.db);
    await database.close();
    // the timed phase from autocannon (raw HTTP/1.1, keep-alive): a load generator light enough to leave the
    // two cores to the server and the database
    let next = 0;
    const run = (amount: number) =>
      autocannon({
        url: child.url,
        connections: 32,
        amount,
        method: 'POST',
        headers: { authorization: `Bearer ${CHILD_TOKENS.admin}`, 'content-type': 'application/json' },
        body: '{}',
        requests: [
          { setupRequest: (request) => ({ ...request, path: `/api/tasks/${taskIds[next++]}/complete` }) },
        ],
      });
    const warmUp = await run(1200);
    if (warmUp.non2xx > 0 || warmUp.errors > 0)
      throw new Error(`warm-up: ${warmUp.non2xx} non-2xx answers and ${warmUp.errors} errors`);
    await quiesce(child.pid);
    const completions = await measured(child.pid, () => run(taskIds.length - 1200));
    const health = await measured(child.pid, () =>
      autocannon({ url: `${child.url}/healthz`, connections: 32, amount: taskIds.length - 1200 }),
    );
    const count = completions.result.requests.total;
    const cpu =
      completions.serverCpu !== null && completions.postgres !== null
        ? {
            server: completions.serverCpu,
            postgres: completions.postgres,
            loadGenerator: completions.loadGenerator,
          }
        : null;
    // department clients: each starts a case and completes the tasks each answer says are open, until the time is up
    let steps = 0;
    const deadline = performance.now() + SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (performance.now() < deadline) {
          let last = await post('/api/cases', { process: 'business_registration_bench' });
          const open = [...last.openTasks];
          for (let task = open.shift(); task; task = open.shift()) {
            last = await post(`/api/tasks/${task.id}/complete`, {});
            steps++;
            for (const next of last.openTasks) if (!open.some((t) => t.id === next.id)) open.push(next);
          }
          if (last.status !== 'completed') throw new Error(`case ${last.id} did not complete`);
        }
      }),
    );
    const stepsPerSec = steps / ((performance.now() - t0) / 1000);
    return {
      p50: completions.result.latency.p50,
      p99: completions.result.latency.p99,
      count,
      cpu,
      healthz: {
        p50: health.result.latency.p50,
        p99: health.result.latency.p99,
        serverCpu: health.serverCpu,
      },
      stepsPerSec,
    };
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => summarize(values).p50;

/** The median of each of `keys` over `items`. */
const medians = <K extends string>(items: Record<K, number>[], keys: K[]): Record<K, number> =>
  Object.fromEntries(keys.map((key) => [key, median(items.map((item) => item[key]))])) as Record<K, number>;

// This machine's speed drifts by half within minutes (other tenants), and pgbench with it: each round runs
// pgbench and then the persisted clients back to back, the ratio is taken within a round, and the figures are
// the medians over the rounds (every round is printed).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const rounds: {
  tps: number | null;
  stepsPerSec: number;
  commandsPerSec: number;
  commandsPerBatch: number;
}[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const tps = pgbenchTps(await scratchDatabase('reflow_bench_pgbench'));
  const persisted = await persistedSteps(await scratchDatabase('reflow_bench_steps'));
  rounds.push({ tps, ...persisted });
  console.log(
    `round ${round + 1}: pgbench ${tps?.toFixed(0) ?? 'n/a'} tps; persisted ${persisted.stepsPerSec.toFixed(0)} steps/s (${persisted.commandsPerSec.toFixed(0)} commands/s, ${persisted.commandsPerBatch.toFixed(1)} per write)${tps ? ` → ${(persisted.stepsPerSec / tps).toFixed(2)}×` : ''}`,
  );
}
const https: HttpRun[] = [];
const commands: { p50: number; p99: number }[] = [];
const µs = (value: number) => `${value.toFixed(0)} µs`;
const baselines: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const http = await httpLatency(await scratchDatabase('reflow_bench_http'));
  https.push(http);
  const base = await bpmnEngineRun(xml, 500);
  baselines.push((500 * STEPS_PER_CASE) / (base.ms / 1000));
  const command = await commandLatency(await scratchDatabase('reflow_bench_commands'));
  commands.push(command);
  const cpu = http.cpu
    ? `; CPU per completion: server ${µs(http.cpu.server)}, PostgreSQL ${µs(http.cpu.postgres)}, load generator ${µs(http.cpu.loadGenerator)}`
    : '';
  console.log(
    `HTTP run ${round + 1}: p50 ${http.p50.toFixed(1)} ms, p99 ${http.p99.toFixed(1)} ms over ${http.count} requests${cpu}; same clients on the command path (no HTTP): p50 ${command.p50.toFixed(1)} ms, p99 ${command.p99.toFixed(1)} ms`,
  );
  console.log(
    `  GET /healthz at 32 clients: p50 ${http.healthz.p50.toFixed(1)} ms, p99 ${http.healthz.p99.toFixed(1)} ms, server CPU ${http.healthz.serverCpu === null ? 'n/a' : µs(http.healthz.serverCpu)}; 16 department clients through HTTP: ${http.stepsPerSec.toFixed(0)} steps/s; bpmn-engine in memory: ${baselines[round].toFixed(0)} steps/s`,
  );
}
const tps = rounds.every((r) => r.tps !== null) ? median(rounds.map((r) => r.tps as number)) : null;
const persisted = medians(rounds, ['stepsPerSec', 'commandsPerSec', 'commandsPerBatch']);
const ratio = tps ? median(rounds.map((r) => r.stepsPerSec / (r.tps as number))) : null;
const http = { ...medians(https, ['p50', 'p99', 'stepsPerSec']), count: https[0].count };
const healthz = medians(
  https.map((h) => h.healthz),
  ['p50', 'p99'],
);
const baselineStepsPerSec = median(baselines);
// each ratio is taken within its round (the machine drifts between rounds), then the median over rounds
const cpuRatios = https.flatMap((h) =>
  h.cpu && h.healthz.serverCpu ? [h.cpu.server / h.healthz.serverCpu] : [],
);
const cpuRatio = cpuRatios.length > 0 ? median(cpuRatios) : null;
const p99Ratio = median(https.map((h) => h.p99 / Math.max(h.healthz.p99, 1)));
const stepsRatio = median(https.map((h, i) => h.stepsPerSec / baselines[i]));
const healthzServerCpu = median(
  https.flatMap((h) => (h.healthz.serverCpu === null ? [] : [h.healthz.serverCpu])),
);
const command = medians(commands, ['p50', 'p99']);
const cpuRuns = https.flatMap((h) => (h.cpu ? [h.cpu] : []));
const cpu = cpuRuns.length > 0 ? medians(cpuRuns, ['server', 'postgres', 'loadGenerator']) : null;
console.log(
  `persisted: ${persisted.stepsPerSec.toFixed(0)} steps/s (${persisted.commandsPerSec.toFixed(0)} commands/s, ${persisted.commandsPerBatch.toFixed(1)} per write) at 16 clients, median of ${ROUNDS}`,
);
console.log(`pgbench TPC-B: ${tps?.toFixed(0) ?? 'not available'} tps at 16 clients, median of ${ROUNDS}`);
console.log(
  `HTTP task completion at 32 clients: p50 ${http.p50.toFixed(1)} ms, p99 ${http.p99.toFixed(1)} ms over ${http.count} requests, median of ${ROUNDS} runs`,
);
console.log(
  `the same 32 clients on the command path, no HTTP: p50 ${command.p50.toFixed(1)} ms, p99 ${command.p99.toFixed(1)} ms, median of ${ROUNDS} runs`,
);
if (cpu)
  console.log(
    `CPU per HTTP completion (medians): server ${µs(cpu.server)}, PostgreSQL ${µs(cpu.postgres)}, load generator ${µs(cpu.loadGenerator)}; ${(cpu.server + cpu.postgres + cpu.loadGenerator).toFixed(0)} µs on ${availableParallelism()} cores`,
  );
console.log(
  `GET /healthz at 32 clients: p50 ${healthz.p50.toFixed(1)} ms, p99 ${healthz.p99.toFixed(1)} ms; completion/healthz: server CPU ${cpuRatio?.toFixed(2) ?? 'n/a'}× (≤ 2.5), p99 ${p99Ratio.toFixed(2)}× (≤ 2.5)`,
);
console.log(
  `16 department clients through HTTP: ${http.stepsPerSec.toFixed(0)} steps/s; bpmn-engine in memory ${baselineStepsPerSec.toFixed(0)} steps/s → ${stepsRatio.toFixed(2)}× (≥ 3)`,
);
// the four targets of issue 23, each a ratio measured within this run against its baseline
const targets = [
  {
    target: 'server CPU per HTTP completion ≤ 2.5 × per GET /healthz',
    ratio: cpuRatio,
    met: cpuRatio !== null && cpuRatio <= 2.5,
  },
  {
    target: 'HTTP completion p99 ≤ 2.5 × GET /healthz p99 (32 clients)',
    ratio: p99Ratio,
    met: p99Ratio <= 2.5,
  },
  {
    target: 'HTTP steps/s (16 department clients) ≥ 3 × bpmn-engine in memory',
    ratio: stepsRatio,
    met: stepsRatio >= 3,
  },
  { target: 'command path steps/s ≥ 0.8 × pgbench TPC-B tps', ratio, met: (ratio ?? 0) >= 0.8 },
];
console.log('issue 23 targets (ratios within this run, medians over rounds):');
for (const t of targets)
  console.log(
    `  ${t.met ? 'met    ' : 'NOT MET'} ${t.target}: ${t.ratio === null ? 'n/a' : `${t.ratio.toFixed(2)}×`}`,
  );
const pass = targets.every((t) => t.met);
console.log(
  JSON.stringify({
    figure: `${persisted.stepsPerSec.toFixed(0)} persisted steps/s; HTTP ${http.stepsPerSec.toFixed(0)} steps/s (16 clients), completion p99 ${http.p99.toFixed(1)} ms, server CPU ${cpu ? µs(cpu.server) : 'n/a'} (medians of ${ROUNDS})`,
    baseline: `${tps ? `pgbench ${tps.toFixed(0)} tps` : 'pgbench not installed'}; GET /healthz p99 ${healthz.p99.toFixed(1)} ms, server CPU ${µs(healthzServerCpu)}; bpmn-engine ${baselineStepsPerSec.toFixed(0)} steps/s`,
    ratio: `${ratio ? `${ratio.toFixed(2)}× pgbench (≥ 0.8 ${targets[3].met ? 'met' : 'not met'})` : 'pgbench n/a'}; CPU ${cpuRatio?.toFixed(2) ?? 'n/a'}× healthz (≤ 2.5 ${targets[0].met ? 'met' : 'not met'}); p99 ${p99Ratio.toFixed(2)}× healthz (≤ 2.5 ${targets[1].met ? 'met' : 'not met'}); ${stepsRatio.toFixed(2)}× bpmn-engine (≥ 3 ${targets[2].met ? 'met' : 'not met'})`,
    httpStepsPerSec: http.stepsPerSec,
    bpmnEngineStepsPerSec: baselineStepsPerSec,
    httpStepsRatio: stepsRatio,
    healthzP50Ms: healthz.p50,
    healthzP99Ms: healthz.p99,
    healthzServerCpuMicros: healthzServerCpu,
    cpuRatioToHealthz: cpuRatio,
    p99RatioToHealthz: p99Ratio,
    stepsPerSec: persisted.stepsPerSec,
    pgbenchTps: tps,
    ratioValue: ratio,
    ratios: rounds.map((r) => (r.tps ? r.stepsPerSec / r.tps : null)),
    httpP50Ms: http.p50,
    httpP99Ms: http.p99,
    httpP99sMs: https.map((h) => h.p99),
    commandPathP50Ms: command.p50,
    commandPathP99Ms: command.p99,
    cpuPerCompletionMicros: cpu,
    targets,
    pass,
  }),
);
