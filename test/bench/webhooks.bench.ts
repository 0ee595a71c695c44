// Whether a failing webhook endpoint slows case commands: HTTP task completions (8 clients, PostgreSQL, the
// delivery worker in the same process with its default retries) timed with no endpoint, with a healthy endpoint
// (204 at once) and with a failing one (500 after 200 ms), each subscribed to every event type. The cases are
// started first; then BENCH_ROUNDS rounds (default 30), each a block of BENCH_WEBHOOK_TASKS completions (default 40)
// per setting in rotating order, so that a load drifting during the run touches every setting alike (after a block
// with the healthy endpoint its deliveries are left to finish). The figure is the change of the p50 of all the
// completions of a setting; the target is a change under 5% for the failing endpoint.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { openDatabase } from '../../server/db/database.js';
import { DeliveryWorker } from '../../server/webhooks/delivery-worker.js';
import { EVENT_TYPES } from '../../server/webhooks/outbox.js';
import { summarize } from '../helpers/load-driver.js';
import { buildTestApp, TOKENS } from '../helpers/test-app.js';
import { scratchDatabase } from './scratch-database.js';

const BLOCK = Number(process.env.BENCH_WEBHOOK_TASKS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
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

/** Starts `n` cases (their first tasks' ids). */
async function startCases(n: number): Promise<string[]> {
  const tasks: string[] = [];
  for (let i = 0; i < n; i++) {
    const view = await call('POST', '/api/cases', TOKENS.intake, { process: 'licence' });
    tasks.push(view.openTasks[0].id);
  }
  return tasks;
}

/** Completes `tasks` on 8 clients; the completions' latencies in ms. */
async function complete(tasks: string[]): Promise<number[]> {
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

await complete(await startCases(BLOCK * 3)); // warm-up
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
const setting = async (name: string) => {
  for (const [endpoint, id] of Object.entries(endpoints))
    await database.db
      .updateTable('webhook_endpoints')
      .set({ enabled: SETTINGS[name].includes(endpoint) })
      .where('id', '=', id)
      .execute();
};
/** Waits until the healthy endpoint has nothing pending (its deliveries would load the next block). */
const drained = async () => {
  for (let i = 0; i < 200; i++) {
    const row = await database.db
      .selectFrom('webhook_deliveries')
      .select(({ fn }) => fn.countAll().as('n'))
      .where('endpoint_id', '=', endpoints.healthy)
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    if (Number(row.n) === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
};
// every case is started first, with no endpoint, so a block times completions only
await setting('none');
const waiting = await startCases(BLOCK * ROUNDS * 3);
const p50s: Record<string, number[]> = { none: [], healthy: [], failing: [] };
const all: Record<string, number[]> = { none: [], healthy: [], failing: [] };
for (let round = 0; round < ROUNDS; round++) {
  // the order rotates each round, so a load that drifts during the run touches every setting alike
  const order = Object.keys(SETTINGS).map((_, i, keys) => keys[(i + round) % keys.length]);
  for (const name of order) {
    await setting(name);
    const latencies = await complete(waiting.splice(0, BLOCK));
    if (name === 'healthy') await drained();
    p50s[name].push(summarize(latencies).p50);
    all[name].push(...latencies);
  }
}
const listed = await call('GET', '/api/webhooks', TOKENS.admin);
await worker.stop();
await test.close();
failing.close();
healthy.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// the blocks of the settings interleave finely, so the p50 of all a setting's completions is the figure; the median
// of the rounds' paired changes (each round's blocks ran one after the other) is shown beside it
const pooled = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, summarize(v).p50]));
const change = (pooled.failing - pooled.none) / pooled.none;
const changeVsHealthy = (pooled.failing - pooled.healthy) / pooled.healthy;
const pairedChange = median(p50s.failing.map((p50, round) => (p50 - p50s.none[round]) / p50s.none[round]));
console.log(
  JSON.stringify({
    figure: `task completion p50 ${pooled.failing.toFixed(1)} ms with a failing endpoint, ${pooled.healthy.toFixed(1)} ms with a healthy one (${ROUNDS} blocks of ${BLOCK} each, interleaved)`,
    baseline: `no endpoint: p50 ${pooled.none.toFixed(1)} ms`,
    ratio: `failing vs none ${(change * 100).toFixed(1)}% (median of the rounds' paired changes ${(pairedChange * 100).toFixed(1)}%), failing vs healthy ${(changeVsHealthy * 100).toFixed(1)}% (target < 5%)`,
    tasksPerBlock: BLOCK,
    rounds: ROUNDS,
    p50s,
    summary: Object.fromEntries(Object.entries(all).map(([k, v]) => [k, summarize(v)])),
    endpoints: listed.map((e: { url: string; deliveries: unknown }) => ({
      url: e.url,
      deliveries: e.deliveries,
    })),
    p50Change: change,
    p50PairedChange: pairedChange,
    p50ChangeVsHealthy: changeVsHealthy,
    pass: change < 0.05,
  }),
);
process.exit(0);
