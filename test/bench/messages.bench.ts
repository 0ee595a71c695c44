// Correlated messages/s with persistence, beside case starts/s in the same run: on PostgreSQL, 16 concurrent
// clients start cases that wait for a message keyed by =orderNo, then 16 clients send each case its message by name
// and key (POST /api/messages' path: the message stored, claimed with its wait, delivered by a command, marked
// delivered). BENCH_ROUNDS rounds (default 3), medians reported.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { CaseService } from '../../server/cases/case-service.js';
import { openDatabase } from '../../server/db/database.js';
import { MessageService } from '../../server/messages/message-service.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { summarize } from '../helpers/load-driver.js';
import { scratchDatabase } from './scratch-database.js';

const xml = readFileSync('test/server/fixtures/messages/await-settlement.bpmn', 'utf8');
const CASES = Number(process.env.BENCH_MESSAGES ?? 3000);
const CLIENTS = 16;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Runs `job(i)` for i in 0..count-1 on `clients` concurrent clients; returns the seconds it took. */
async function timed(count: number, clients: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return (performance.now() - t0) / 1000;
}

async function round(url: string): Promise<{ startsPerSec: number; messagesPerSec: number }> {
  const database = await openDatabase({ databaseUrl: url, poolSize: 20 });
  try {
    const definitions = new DefinitionStore(database.db);
    const { key } = await definitions.deploy(xml, new Date());
    const cases = new CaseService(database.db, definitions);
    const messages = new MessageService(database.db, cases, definitions);
    // warm-up: a first tenth, then ANALYZE (as autovacuum would within a minute)
    const warm = Math.floor(CASES / 10);
    await timed(warm, CLIENTS, async (i) => {
      await cases.start({ process: key, variables: { orderNo: `W-${i}` } }, 'bench');
    });
    await timed(warm, CLIENTS, async (i) => {
      await messages.send({ name: 'fee-settled', correlationKey: `W-${i}` }, 'bench');
    });
    await sql`ANALYZE`.execute(database.db);
    const startSeconds = await timed(CASES, CLIENTS, async (i) => {
      await cases.start({ process: key, variables: { orderNo: `O-${i}` } }, 'bench');
    });
    const messageSeconds = await timed(CASES, CLIENTS, async (i) => {
      const sent = await messages.send({ name: 'fee-settled', correlationKey: `O-${i}` }, 'bench');
      if (sent.delivered.length !== 1) throw new Error(`message O-${i} was not delivered`);
    });
    await messages.stop();
    return { startsPerSec: CASES / startSeconds, messagesPerSec: CASES / messageSeconds };
  } finally {
    await database.close();
  }
}

const rounds: { startsPerSec: number; messagesPerSec: number }[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = await round(await scratchDatabase('reflow_bench_messages'));
  rounds.push(r);
  console.log(
    `round ${i + 1}: ${r.messagesPerSec.toFixed(0)} correlated messages/s, ${r.startsPerSec.toFixed(0)} case starts/s (${CASES} each, ${CLIENTS} clients)`,
  );
}
const median = (values: number[]) => summarize(values).p50;
const messagesPerSec = median(rounds.map((r) => r.messagesPerSec));
const startsPerSec = median(rounds.map((r) => r.startsPerSec));
console.log(
  JSON.stringify({
    figure: `${messagesPerSec.toFixed(0)} correlated messages/s delivered and persisted (${CLIENTS} clients, median of ${ROUNDS})`,
    baseline: `${startsPerSec.toFixed(0)} case starts/s`,
    ratio: `${(messagesPerSec / startsPerSec).toFixed(2)}× case starts`,
    messagesPerSec,
    startsPerSec,
  }),
);
