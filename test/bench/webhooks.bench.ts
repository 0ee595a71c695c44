// Whether a failing webhook endpoint slows case commands: HTTP task completions (PostgreSQL, the delivery worker in
// the same process with its default retries) timed with no endpoint, with a healthy endpoint (204 at once) and with a
// failing one (500 after 200 ms), each subscribed to every event type. The cases are started first; then
// BENCH_ROUNDS rounds (default 60), each a block of BENCH_WEBHOOK_TASKS completions (default 40) on 8 clients per
// setting in rotating order, so that a load drifting during the run touches every setting alike (after a block with
// the healthy endpoint its deliveries are left to finish); then BENCH_SERIAL_ROUNDS rounds (default 40) of 20
// completions on one client, no endpoint and the failing one in turn: there a completion's latency is its own work,
// not a queue behind the other clients. The figures are the changes of the p50 of all the completions of a setting,
// each with a 90% interval (the rounds resampled); the target is a change under 5% for the failing endpoint.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { sql } from 'kysely';
import { openDatabase } from '../../server/db/database.js';
import { DeliveryWorker } from '../../server/webhooks/delivery-worker.js';
import { EVENT_TYPES } from '../../server/webhooks/outbox.js';
import { summarize } from '../helpers/load-driver.js';
import { buildTestApp, TOKENS } from '../helpers/test-app.js';
import { scratchDatabase } from './scratch-database.js';

const BLOCK = Number(process.env.BENCH_WEBHOOK_TASKS ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const SERIAL_BLOCK = 20;
const SERIAL_ROUNDS = Number(process.env.BENCH_SERIAL_ROUNDS ?? 40);
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

/** Completes `tasks` on `clients` clients; the completions' latencies in ms. */
async function complete(tasks: string[], clients: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
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

await complete(await startCases(BLOCK * 3), CLIENTS); // warm-up
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
const waiting = await startCases(BLOCK * ROUNDS * 3 + SERIAL_BLOCK * SERIAL_ROUNDS * 2);
// what autovacuum does within a minute (this machine's PostgreSQL runs without it): statistics, so the plans of the
// case writer's statements are those of tables with rows in them
await sql`ANALYZE`.execute(database.db);
/** Each setting's completion latencies, a block per round. */
const rounds: Record<string, number[][]> = { none: [], healthy: [], failing: [] };
for (let round = 0; round < ROUNDS; round++) {
  // the order rotates each round, so a load that drifts during the run touches every setting alike
  const order = Object.keys(SETTINGS).map((_, i, keys) => keys[(i + round) % keys.length]);
  for (const name of order) {
    await setting(name);
    rounds[name].push(await complete(waiting.splice(0, BLOCK), CLIENTS));
    if (name === 'healthy') await drained();
  }
}
// one client: each completion's latency is the work it does, with no queue behind other clients
const serial: Record<string, number[][]> = { none: [], failing: [] };
for (let round = 0; round < SERIAL_ROUNDS; round++) {
  for (const name of round % 2 ? ['failing', 'none'] : ['none', 'failing']) {
    await setting(name);
    serial[name].push(await complete(waiting.splice(0, SERIAL_BLOCK), 1));
  }
}
const listed = await call('GET', '/api/webhooks', TOKENS.admin);
await worker.stop();
await test.close();
failing.close();
healthy.close();

const p50 = (blocks: number[][]) => summarize(blocks.flat()).p50;
/** The change of the pooled p50 from `base` to `other`. */
const changeOf = (other: number[][], base: number[][]) => (p50(other) - p50(base)) / p50(base);
/**
 * A 90% interval of that change: the rounds drawn again with replacement (a round's blocks ran one after the other,
 * so they are drawn together), 1,000 times, with a fixed seed.
 */
function interval(other: number[][], base: number[][]): [number, number] {
  let state = 7; // mulberry32: a fixed seed, the same draws every run
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  const draws: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const picked = other.map(() => Math.floor(random() * other.length));
    draws.push(
      changeOf(
        picked.map((r) => other[r]),
        picked.map((r) => base[r]),
      ),
    );
  }
  draws.sort((x, y) => x - y);
  return [draws[50], draws[949]];
}
const percent = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const change = changeOf(rounds.failing, rounds.none);
const [low, high] = interval(rounds.failing, rounds.none);
const changeVsHealthy = changeOf(rounds.failing, rounds.healthy);
const serialChange = changeOf(serial.failing, serial.none);
const [serialLow, serialHigh] = interval(serial.failing, serial.none);
console.log(
  JSON.stringify({
    figure: `task completion p50 ${p50(rounds.failing).toFixed(1)} ms with a failing endpoint, ${p50(rounds.healthy).toFixed(1)} ms with a healthy one (${CLIENTS} clients, ${ROUNDS} rounds of ${BLOCK} each, interleaved); one client: ${p50(serial.failing).toFixed(2)} ms failing`,
    baseline: `no endpoint: p50 ${p50(rounds.none).toFixed(1)} ms; one client ${p50(serial.none).toFixed(2)} ms`,
    ratio: `failing vs none ${percent(change)} (90% interval ${percent(low)} to ${percent(high)}); one client ${percent(serialChange)} (${percent(serialLow)} to ${percent(serialHigh)}); failing vs healthy ${percent(changeVsHealthy)} (target < 5%)`,
    tasksPerBlock: BLOCK,
    rounds: ROUNDS,
    serialTasksPerBlock: SERIAL_BLOCK,
    serialRounds: SERIAL_ROUNDS,
    summary: Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, summarize(v.flat())])),
    serialSummary: Object.fromEntries(Object.entries(serial).map(([k, v]) => [k, summarize(v.flat())])),
    endpoints: listed.map((e: { url: string; deliveries: unknown }) => ({
      url: e.url,
      deliveries: e.deliveries,
    })),
    p50Change: change,
    p50ChangeInterval: [low, high],
    serialP50Change: serialChange,
    serialP50ChangeInterval: [serialLow, serialHigh],
    p50ChangeVsHealthy: changeVsHealthy,
    pass: change < 0.05 && serialChange < 0.05,
  }),
);
process.exit(0);
