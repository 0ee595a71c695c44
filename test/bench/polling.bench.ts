// Live updates by ETag polling (the inbox and the supervision view ask again every 15 s): what an unchanged poll
// costs the server against a full answer, in the same run. A department's inbox (GET /api/tasks, 200 open tasks)
// and the supervisor's cards (GET /api/warnings, 400 cards) are asked through the whole HTTP stack (app.inject:
// authentication, the route, the query, serialisation), full and with the ETag of the last answer (304, no
// body), interleaved so both see the same machine; the department's own cards too (what its inbox polls). The server still runs the query for a 304: what it saves is
// serialising and sending the body, and the page's redraw. From the p50 of a poll, how many open pages one core
// serves at a poll per 15 s. On PGlite (in process) and, when its server answers, on PostgreSQL (a scratch
// database on the server of DATABASE_URL, default the local test server), each reported.
import { readFileSync } from 'node:fs';
import { type OpenedDatabase, openDatabase } from '../../server/db/database.js';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { openPglite } from '../helpers/test-database.js';
import { scratchDatabase } from './scratch-database.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const CASES = 200;
const POLL_MS = 15_000;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const permit = readFileSync(new URL('../../test/server/fixtures/correction.bpmn', import.meta.url), 'utf8');

/** The polls of one database: the inbox, a department's own cards and all the cards, full and unchanged. */
async function run(opened: OpenedDatabase) {
  const built = await buildTestApp(opened);
  const { app } = built;
  const deployed = await app.inject({
    method: 'POST',
    url: '/api/definitions',
    headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
    payload: permit,
  });
  if (deployed.statusCode !== 201) throw new Error(deployed.body);
  for (let i = 0; i < CASES; i++) {
    const created = await app.inject({
      method: 'POST',
      url: '/api/cases',
      headers: bearer(TOKENS.intake),
      payload: { process: 'permit', variables: { applicant: `申请人${i}` } },
    });
    if (created.statusCode !== 201) throw new Error(created.body);
  }
  const scheduler = new WarningScheduler(app.reflow.db, built.service, {
    nodeId: 'bench',
    clock: () => built.clock.now + 30 * 86_400_000,
  });
  const cards = await scheduler.tick();
  await scheduler.stop();

  /** One poll: its time in µs and the bytes of its body; the status must be the one expected. */
  async function poll(url: string, token: string, etag: string | null, status: number) {
    const t0 = process.hrtime.bigint();
    const res = await app.inject({
      method: 'GET',
      url,
      headers: { ...bearer(token), ...(etag ? { 'if-none-match': etag } : {}) },
    });
    const micros = Number(process.hrtime.bigint() - t0) / 1000;
    if (res.statusCode !== status) throw new Error(`${url} answered ${res.statusCode}, not ${status}`);
    return { micros, bytes: res.rawPayload.length, etag: String(res.headers.etag) };
  }

  async function measure(url: string, token: string) {
    const first = await poll(url, token, null, 200);
    for (let i = 0; i < 50; i++) {
      await poll(url, token, null, 200);
      await poll(url, token, first.etag, 304);
    }
    const full: number[] = [];
    const unchanged: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      full.push((await poll(url, token, null, 200)).micros);
      unchanged.push((await poll(url, token, first.etag, 304)).micros);
    }
    return { fullP50: percentile(full, 50), unchangedP50: percentile(unchanged, 50), bytes: first.bytes };
  }

  const inbox = await measure('/api/tasks?status=open&claimed=false&sort=due', TOKENS.market);
  const ownCards = await measure('/api/warnings?limit=5000', TOKENS.market);
  const warnings = await measure('/api/warnings?limit=5000', TOKENS.supervisor);
  await built.close();
  /** Inbox pages one core serves at a poll per POLL_MS: an unchanged poll of the tasks and of the department's cards. */
  const pagesPerCore = Math.floor(POLL_MS / ((inbox.unchangedP50 + ownCards.unchangedP50) / 1000));
  return { cards, inbox, ownCards, warnings, pagesPerCore };
}

/** A scratch database on the PostgreSQL server of DATABASE_URL (the local test server), or why there is none. */
async function postgres(): Promise<OpenedDatabase | string> {
  try {
    return await openDatabase({ databaseUrl: await scratchDatabase('reflow_bench_polling'), poolSize: 10 });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const ms = (micros: number) => (micros / 1000).toFixed(2);
const results: { name: 'PGlite' | 'PostgreSQL'; r: Awaited<ReturnType<typeof run>> }[] = [];
results.push({ name: 'PGlite', r: await run(await openPglite()) });
const pgDatabase = await postgres();
if (typeof pgDatabase === 'string') console.log(`PostgreSQL not measured: ${pgDatabase}`);
else results.push({ name: 'PostgreSQL', r: await run(pgDatabase) });

for (const { name, r } of results) {
  const where = name === 'PGlite' ? 'PGlite, in process' : 'PostgreSQL, local server';
  console.log(
    `${name}: inbox (${CASES} tasks, ${r.inbox.bytes} B): full p50 ${ms(r.inbox.fullP50)} ms, unchanged (304) ${ms(r.inbox.unchangedP50)} ms`,
  );
  console.log(
    `${name}: cards (${r.cards}, ${r.warnings.bytes} B): full p50 ${ms(r.warnings.fullP50)} ms, unchanged (304) ${ms(r.warnings.unchangedP50)} ms`,
  );
  console.log(
    `${name}: the department's own cards (${r.ownCards.bytes} B): full p50 ${ms(r.ownCards.fullP50)} ms, unchanged (304) ${ms(r.ownCards.unchangedP50)} ms; an inbox page polls its tasks and cards every 15 s: about ${r.pagesPerCore} open pages per core (${where})`,
  );
}
const figures = (r: Awaited<ReturnType<typeof run>>) => ({
  tasks: CASES,
  cards: r.cards,
  inboxFullP50Micros: r.inbox.fullP50,
  inboxUnchangedP50Micros: r.inbox.unchangedP50,
  inboxBytes: r.inbox.bytes,
  ownCardsFullP50Micros: r.ownCards.fullP50,
  ownCardsUnchangedP50Micros: r.ownCards.unchangedP50,
  ownCardsBytes: r.ownCards.bytes,
  cardsFullP50Micros: r.warnings.fullP50,
  cardsUnchangedP50Micros: r.warnings.unchangedP50,
  cardsBytes: r.warnings.bytes,
  pagesPerCore: r.pagesPerCore,
});
const side = (name: string, r: Awaited<ReturnType<typeof run>>) =>
  `${name}: inbox of ${CASES} tasks p50 ${ms(r.inbox.unchangedP50)} ms + its cards ${ms(r.ownCards.unchangedP50)} ms (~${r.pagesPerCore} inbox pages per core at a poll per 15 s); all ${r.cards} cards p50 ${ms(r.warnings.unchangedP50)} ms`;
const full = (name: string, r: Awaited<ReturnType<typeof run>>) =>
  `${name}: inbox p50 ${ms(r.inbox.fullP50)} ms (${r.inbox.bytes} B), cards p50 ${ms(r.warnings.fullP50)} ms (${r.warnings.bytes} B)`;
const ratio = (name: string, r: Awaited<ReturnType<typeof run>>) =>
  `${name}: inbox ${(r.inbox.unchangedP50 / r.inbox.fullP50).toFixed(2)}×, cards ${(r.warnings.unchangedP50 / r.warnings.fullP50).toFixed(2)}×`;
console.log(
  JSON.stringify({
    figure: `unchanged poll (304, 0 B) — ${results.map(({ name, r }) => side(name, r)).join('; ')}`,
    baseline: `full answer — ${results.map(({ name, r }) => full(name, r)).join('; ')}`,
    ratio: `304 ÷ 200 — ${results.map(({ name, r }) => ratio(name, r)).join('; ')}`,
    // the PGlite figures at the top level, as before; each database's under its name
    ...figures(results[0].r),
    pglite: figures(results[0].r),
    postgres: results[1] ? figures(results[1].r) : null,
    rounds: ROUNDS,
  }),
);
