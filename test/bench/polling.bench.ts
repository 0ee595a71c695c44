// Live updates by ETag polling (the inbox and the supervision view ask again every 15 s): what an unchanged poll
// costs the server against a full answer, in the same run. A department's inbox (GET /api/tasks, 200 open tasks)
// and the supervisor's cards (GET /api/warnings, 400 cards) are asked through the whole HTTP stack (app.inject:
// authentication, the route, the query, serialisation), full and with the ETag of the last answer (304, no
// body), interleaved so both see the same machine; the department's own cards too (what its inbox polls). The server still runs the query for a 304: what it saves is
// serialising and sending the body, and the page's redraw. From the p50 of a poll, how many open pages one core
// serves at a poll per 15 s.
import { readFileSync } from 'node:fs';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { openPglite } from '../helpers/test-database.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const CASES = 200;
const POLL_MS = 15_000;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const permit = readFileSync(new URL('../../test/server/fixtures/correction.bpmn', import.meta.url), 'utf8');
const built = await buildTestApp(await openPglite());
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

const ms = (micros: number) => (micros / 1000).toFixed(2);
/** Inbox pages one core serves at a poll per POLL_MS: an unchanged poll of the tasks and of the department's cards. */
const pagesPerCore = Math.floor(POLL_MS / ((inbox.unchangedP50 + ownCards.unchangedP50) / 1000));
console.log(
  `inbox (${CASES} tasks, ${inbox.bytes} B): full p50 ${ms(inbox.fullP50)} ms, unchanged (304) ${ms(inbox.unchangedP50)} ms`,
);
console.log(
  `cards (${cards}, ${warnings.bytes} B): full p50 ${ms(warnings.fullP50)} ms, unchanged (304) ${ms(warnings.unchangedP50)} ms`,
);
console.log(
  `the department's own cards (${ownCards.bytes} B): full p50 ${ms(ownCards.fullP50)} ms, unchanged (304) ${ms(ownCards.unchangedP50)} ms; an inbox page polls its tasks and cards every 15 s: about ${pagesPerCore} open pages per core (PGlite, in process)`,
);
console.log(
  JSON.stringify({
    figure: `unchanged poll (304, 0 B): inbox of ${CASES} tasks p50 ${ms(inbox.unchangedP50)} ms + its cards ${ms(ownCards.unchangedP50)} ms (~${pagesPerCore} inbox pages per core at a poll per 15 s); all ${cards} cards p50 ${ms(warnings.unchangedP50)} ms (PGlite)`,
    baseline: `full answer: inbox p50 ${ms(inbox.fullP50)} ms (${inbox.bytes} B), cards p50 ${ms(warnings.fullP50)} ms (${warnings.bytes} B)`,
    ratio: `304 ÷ 200: inbox ${(inbox.unchangedP50 / inbox.fullP50).toFixed(2)}×, cards ${(warnings.unchangedP50 / warnings.fullP50).toFixed(2)}×`,
    tasks: CASES,
    cards,
    inboxFullP50Micros: inbox.fullP50,
    inboxUnchangedP50Micros: inbox.unchangedP50,
    inboxBytes: inbox.bytes,
    ownCardsFullP50Micros: ownCards.fullP50,
    ownCardsUnchangedP50Micros: ownCards.unchangedP50,
    ownCardsBytes: ownCards.bytes,
    cardsFullP50Micros: warnings.fullP50,
    cardsUnchangedP50Micros: warnings.unchangedP50,
    cardsBytes: warnings.bytes,
    pagesPerCore,
    rounds: ROUNDS,
  }),
);
