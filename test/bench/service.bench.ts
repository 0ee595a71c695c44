// Persisted steps/s through the engine's command path on PostgreSQL at 16 concurrent clients, beside pgbench
// TPC-B tps on the same server in the same run; and HTTP task completion latency at 32 concurrent clients.
// Targets: steps/s ≥ 0.8 × pgbench tps; HTTP p99 ≤ 20 ms.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { buildApp } from '../../server/app.js';
import { parseTokens } from '../../server/auth/tokens.js';
import { CaseService } from '../../server/cases/case-service.js';
import { openDatabase } from '../../server/db/database.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { scratchDatabase } from './scratch-database.js';

const xml = readFileSync('test/bench/business-registration.bpmn', 'utf8');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

function pgbenchTps(url: string): number | null {
  try {
    execFileSync('pgbench', ['-i', '-q', '-s', '10', url], { stdio: 'ignore' });
    const out = execFileSync('pgbench', ['-c', '16', '-j', '2', '-T', String(SECONDS), url], {
      encoding: 'utf8',
    });
    const match = /tps = ([\d.]+)/.exec(out);
    return match ? Number(match[1]) : null;
  } catch {
    return null; // pgbench is not installed here
  }
}

async function persistedSteps(url: string): Promise<{ stepsPerSec: number; commandsPerSec: number }> {
  const database = await openDatabase({ databaseUrl: url, poolSize: 20 });
  const definitions = new DefinitionStore(database.db);
  const { key } = await definitions.deploy(xml, new Date());
  const service = new CaseService(database.db, definitions);
  let steps = 0;
  let commands = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const { view } = await service.start({ process: key }, 'bench');
      commands++;
      for (;;) {
        const open = await database.db
          .selectFrom('tasks')
          .select('id')
          .where('case_id', '=', view.id)
          .where('status', '=', 'open')
          .execute();
        if (open.length === 0) break;
        for (const task of open) {
          await service.completeTask(task.id, {}, 'bench');
          commands++;
          steps++;
        }
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, client));
  const seconds = (performance.now() - t0) / 1000;
  await database.close();
  return { stepsPerSec: steps / seconds, commandsPerSec: commands / seconds };
}

async function httpLatency(url: string): Promise<{ p50: number; p99: number; count: number }> {
  const database = await openDatabase({ databaseUrl: url, poolSize: 20 });
  const definitions = new DefinitionStore(database.db);
  const { key } = await definitions.deploy(xml, new Date());
  const service = new CaseService(database.db, definitions);
  const token = 'bench-admin-token';
  const app = await buildApp({
    db: database.db,
    service,
    definitions,
    principals: parseTokens(JSON.stringify([{ token, role: 'admin' }]), 'bench'),
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const cases = 600;
  const taskIds: string[] = [];
  for (let i = 0; i < cases; i++) {
    const { view } = await service.start({ process: key }, 'bench');
    const [accept] = await database.db
      .selectFrom('tasks')
      .select('id')
      .where('case_id', '=', view.id)
      .execute();
    await service.completeTask(accept.id, {}, 'bench');
    const open = await database.db
      .selectFrom('tasks')
      .select('id')
      .where('case_id', '=', view.id)
      .where('status', '=', 'open')
      .execute();
    taskIds.push(...open.map((t) => t.id));
  }
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < taskIds.length; i = next++) {
      const t0 = performance.now();
      const response = await fetch(`${address}/api/tasks/${taskIds[i]}/complete`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  await app.close();
  await database.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { p50: at(0.5), p99: at(0.99), count: latencies.length };
}

const tps = pgbenchTps(await scratchDatabase('reflow_bench_pgbench'));
const persisted = await persistedSteps(await scratchDatabase('reflow_bench_steps'));
const http = await httpLatency(await scratchDatabase('reflow_bench_http'));
const ratio = tps ? persisted.stepsPerSec / tps : null;
console.log(
  `persisted: ${persisted.stepsPerSec.toFixed(0)} steps/s (${persisted.commandsPerSec.toFixed(0)} commands/s) at 16 clients`,
);
console.log(`pgbench TPC-B: ${tps?.toFixed(0) ?? 'not available'} tps at 16 clients`);
console.log(
  `HTTP task completion at 32 clients: p50 ${http.p50.toFixed(1)} ms, p99 ${http.p99.toFixed(1)} ms over ${http.count} requests`,
);
console.log(
  JSON.stringify({
    figure: `${persisted.stepsPerSec.toFixed(0)} persisted steps/s; HTTP p50 ${http.p50.toFixed(1)} ms, p99 ${http.p99.toFixed(1)} ms`,
    baseline: tps ? `pgbench ${tps.toFixed(0)} tps` : 'pgbench not installed',
    ratio: ratio ? `${ratio.toFixed(2)}× pgbench (≥ 0.8); p99 ≤ 20 ms` : 'n/a',
    stepsPerSec: persisted.stepsPerSec,
    pgbenchTps: tps,
    ratioValue: ratio,
    httpP50Ms: http.p50,
    httpP99Ms: http.p99,
    pass: (ratio ?? 0) >= 0.8 && http.p99 <= 20,
  }),
);
