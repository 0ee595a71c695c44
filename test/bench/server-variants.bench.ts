// Server CPU per HTTP task completion of variants of the server and the request, as ratios measured in one run
// (issue 23: on a machine whose speed drifts, only a comparison within one run shows a change):
// - `--max-semi-space-size=<BENCH_SEMI_SPACE_MB, default 32>` for the server process (V8's young generation:
//   fewer scavenges under load) beside node's default, each server on its own scratch database;
// - `Prefer: return=minimal` (the case's id, status and open tasks) beside the whole case, on the same server.
// Each round runs one chunk of BENCH_CHUNK (default 300) completions of parallel approvals at 32 connections per
// variant, in a rotating order, and counts the server's CPU until it is idle again; the first round warms up.
// Ratios are taken within each round, medians over BENCH_ROUNDS rounds (default 8) reported.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { CHILD_TOKENS, type ChildServer, startChild } from '../helpers/child-server.js';
import { summarize } from '../helpers/load-driver.js';
import { scratchDatabase } from './scratch-database.js';

const SEMI_SPACE_MB = Number(process.env.BENCH_SEMI_SPACE_MB ?? 32);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const PROCESS = 'business_registration_bench';

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (µs) a process has used, from /proc (Linux). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS;
}

/** Waits until the process is idle (under 2% of a core over a quarter second, at most 15 s). */
async function quiesce(pid: number): Promise<void> {
  const until = performance.now() + 15_000;
  while (performance.now() < until) {
    const before = cpuMicros(pid);
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (cpuMicros(pid) - before < 0.02 * 250_000) return;
  }
}

const headers = (minimal: boolean) => ({
  authorization: `Bearer ${CHILD_TOKENS.admin}`,
  'content-type': 'application/json',
  ...(minimal ? { prefer: 'return=minimal' } : {}),
});

/** A server on its own scratch database with the bench's process, and `cases` cases' approvals open. */
async function server(name: string, nodeArgs: string[], cases: number) {
  const dir = mkdtempSync(join(tmpdir(), `reflow-variants-${name}-`));
  const processesDir = join(dir, 'processes');
  mkdirSync(processesDir);
  copyFileSync('test/bench/business-registration.bpmn', join(processesDir, 'business-registration.bpmn'));
  const child = await startChild(
    {
      dataDir: join(dir, 'data'),
      databaseUrl: await scratchDatabase(`reflow_bench_variants_${name}`),
      processesDir,
      env: { REFLOW_SEED_DEMO: 'false' },
      nodeArgs,
    },
    60_000,
  );
  const post = async (path: string) => {
    const response = await fetch(`${child.url}${path}`, {
      method: 'POST',
      headers: headers(true),
      body: JSON.stringify(path === '/api/cases' ? { process: PROCESS } : {}),
    });
    if (response.status >= 300)
      throw new Error(`POST ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as { openTasks: { id: string }[] };
  };
  const approvals: string[] = [];
  let made = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (made++ < cases) {
        const started = await post('/api/cases');
        const accepted = await post(`/api/tasks/${started.openTasks[0].id}/complete`);
        approvals.push(...accepted.openTasks.map((t) => t.id));
      }
    }),
  );
  return { child, approvals, dir };
}

/** Server CPU (µs) per completion and p99 (ms) of `amount` completions from `approvals` at 32 connections. */
async function completions(
  child: ChildServer,
  approvals: string[],
  minimal: boolean,
): Promise<{ cpu: number; p99: number }> {
  await quiesce(child.pid);
  const before = cpuMicros(child.pid);
  const result = await autocannon({
    url: child.url,
    connections: 32,
    amount: CHUNK,
    method: 'POST',
    headers: headers(minimal),
    body: '{}',
    requests: [
      {
        setupRequest: (request) => {
          const id = approvals.pop();
          if (!id) throw new Error('out of open approvals');
          return { ...request, path: `/api/tasks/${id}/complete` };
        },
      },
    ],
  });
  await quiesce(child.pid);
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return { cpu: (cpuMicros(child.pid) - before) / result.requests.total, p99: result.latency.p99 };
}

// approvals: 4 a case; node's default server runs two variants (whole case, minimal), the other one
const perVariant = Math.ceil((ROUNDS * CHUNK) / 4) + 16;
const plain = await server('plain', [], 2 * perVariant);
const semi = await server('semi', [`--max-semi-space-size=${SEMI_SPACE_MB}`], perVariant);
const variants = {
  whole: () => completions(plain.child, plain.approvals, false),
  minimal: () => completions(plain.child, plain.approvals, true),
  semiSpace: () => completions(semi.child, semi.approvals, false),
};
type Variant = keyof typeof variants;
const names = Object.keys(variants) as Variant[];
const rounds: Record<Variant, { cpu: number; p99: number }>[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const result = {} as (typeof rounds)[number];
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      result[name] = await variants[name]();
    }
    console.log(
      `round ${round + 1}${round === 0 ? ' (warm-up)' : ''}: server CPU per completion: whole case ${result.whole.cpu.toFixed(0)} µs (p99 ${result.whole.p99} ms), minimal ${result.minimal.cpu.toFixed(0)} µs (p99 ${result.minimal.p99} ms), --max-semi-space-size=${SEMI_SPACE_MB} ${result.semiSpace.cpu.toFixed(0)} µs (p99 ${result.semiSpace.p99} ms)`,
    );
    if (round > 0) rounds.push(result);
  }
} finally {
  for (const { child, dir } of [plain, semi]) {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
const median = (values: number[]) => summarize(values).p50;
const ratio = (a: Variant, b: Variant, of: 'cpu' | 'p99') => median(rounds.map((r) => r[a][of] / r[b][of]));
const minimalCpu = ratio('minimal', 'whole', 'cpu');
const semiCpu = ratio('semiSpace', 'whole', 'cpu');
console.log(
  JSON.stringify({
    figure: `server CPU per completion: minimal answer ${median(rounds.map((r) => r.minimal.cpu)).toFixed(0)} µs, --max-semi-space-size=${SEMI_SPACE_MB} ${median(rounds.map((r) => r.semiSpace.cpu)).toFixed(0)} µs`,
    baseline: `whole case, node's defaults: ${median(rounds.map((r) => r.whole.cpu)).toFixed(0)} µs (same run)`,
    ratio: `minimal ${minimalCpu.toFixed(3)}× (p99 ${ratio('minimal', 'whole', 'p99').toFixed(2)}×); semi-space ${semiCpu.toFixed(3)}× (p99 ${ratio('semiSpace', 'whole', 'p99').toFixed(2)}×); medians of ${rounds.length} rounds`,
    minimalCpuRatio: minimalCpu,
    semiSpaceCpuRatio: semiCpu,
    semiSpaceMb: SEMI_SPACE_MB,
    rounds,
  }),
);
