// Whether a failing webhook endpoint slows case commands: HTTP task completions (8 clients, PostgreSQL, the
// delivery worker in the same process with its default retries) timed with no endpoint, with a healthy endpoint
// (204 at once) and with a failing one (500 after 200 ms), each subscribed to every event type; BENCH_ROUNDS rounds
// (default 3) in rotating order, BENCH_WEBHOOK_TASKS completions per phase (default 300), medians of the phases'
// p50s. The target is a p50 change under 5% for the failing endpoint.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { openDatabase } from '../../server/db/database.js';
import { DeliveryWorker } from '../../server/webhooks/delivery-worker.js';
import { EVENT_TYPES } from '../../server/webhooks/outbox.js';
import { summarize } from '../helpers/load-driver.js';
import { buildTestApp, TOKENS } from '../helpers/test-app.js';
import { scratchDatabase } from './scratch-database.js';

const TASKS = Number(process.env.BENCH_WEBHOOK_TASKS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CLIENTS = 8;
const xml = readFileSync('test/server/fixtures/warnings.bpmn', 'utf8');

const failing = createServer((req, res) => {
  req.resume();
  setTimeout(() => res.writeHead(500).end('down'), 200);
});
await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
const address = failing.address();
const failingUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`;
const healthy = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(204).end());
});
await new Promise<void>((r) => healthy.listen(0, '127.0.0.1', r));
const healthyAddress = healthy.address();
const healthyUrl = `http://127.0.0.1:${typeof healthyAddress === 'object' && healthyAddress ? healthyAddress.port : 0}/hook`;

const database = await openDatabase({
  databaseUrl: await scratchDatabase('reflow_bench_webhooks'),
  poolSize: 20,
});
const test = await buildTestApp(database);
await test.app.listen({ port: 0, host: '127.0.0.1' });
const port = (test.app.server.address() as { port: number }).port;
const base = `http://127.0.0.1:${port}`;
await test.service.definitions.deploy(xml, new Date(test.clock.now));
// the defaults a node runs with: a first retry after 1 s, doubling
const worker = new DeliveryWorker(database.db, { nodeId: 'bench', pool: database.pool });
await worker.start();

const call = async (method: string, path: string, token: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res.json() as Promise<any>;
};

/** Starts `TASKS` cases, then completes their first task on 8 clients; the completions' latencies in ms. */
async function phase(): Promise<number[]> {
  const tasks: string[] = [];
  for (let i = 0; i < TASKS; i++) {
    const view = await call('POST', '/api/cases', TOKENS.intake, { process: 'licence' });
    tasks.push(view.openTasks[0].id);
  }
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < tasks.length) {
        const id = tasks[next++];
        const t0 = performance.now();
        await call('POST', `/api/tasks/${id}/complete`, TOKENS.market, {});
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return latencies;
}

await phase(); // warm-up
const secret = `whsec_${Buffer.from('reflow-bench-secret-key-0123456789').toString('base64')}`;
const endpoints: Record<string, string> = {};
for (const [name, url] of [
  ['healthy', healthyUrl],
  ['failing', failingUrl],
] as const) {
  const made = await call('POST', '/api/webhooks', TOKENS.admin, { url, events: [...EVENT_TYPES], secret });
  endpoints[name] = made.id;
}
/** Which endpoints are enabled in each setting. */
const SETTINGS: Record<string, string[]> = { none: [], healthy: ['healthy'], failing: ['failing'] };
const p50s: Record<string, number[]> = { none: [], healthy: [], failing: [] };
const all: Record<string, number[]> = { none: [], healthy: [], failing: [] };
for (let round = 0; round < ROUNDS; round++) {
  // the order rotates each round, so a load that drifts during the run touches every setting alike
  const order = Object.keys(SETTINGS).map((_, i, keys) => keys[(i + round) % keys.length]);
  for (const setting of order) {
    for (const [name, id] of Object.entries(endpoints))
      await database.db
        .updateTable('webhook_endpoints')
        .set({ enabled: SETTINGS[setting].includes(name) })
        .where('id', '=', id)
        .execute();
    const latencies = await phase();
    p50s[setting].push(summarize(latencies).p50);
    all[setting].push(...latencies);
  }
}
const listed = await call('GET', '/api/webhooks', TOKENS.admin);
await worker.stop();
await test.close();
failing.close();
healthy.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = Object.fromEntries(Object.entries(p50s).map(([k, v]) => [k, median(v)]));
const change = (m.failing - m.none) / m.none;
const changeVsHealthy = (m.failing - m.healthy) / m.healthy;
console.log(
  JSON.stringify({
    figure: `task completion p50 ${m.failing.toFixed(1)} ms with a failing endpoint, ${m.healthy.toFixed(1)} ms with a healthy one (medians of ${ROUNDS} rounds)`,
    baseline: `no endpoint: p50 ${m.none.toFixed(1)} ms`,
    ratio: `failing vs none ${(change * 100).toFixed(1)}%, failing vs healthy ${(changeVsHealthy * 100).toFixed(1)}% (target < 5%)`,
    tasksPerPhase: TASKS,
    rounds: ROUNDS,
    p50s,
    summary: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, summarize(v)])),
    endpoints: listed.map((e: { url: string; deliveries: unknown }) => ({
      url: e.url,
      deliveries: e.deliveries,
    })),
    p50Change: change,
    p50ChangeVsHealthy: changeVsHealthy,
    pass: change < 0.05,
  }),
);
process.exit(0);
