// Exactly once across nodes: three server processes on one PostgreSQL database deliver 400 correlated messages
// at once, each through any node — 200 keys with one waiting case and 100 keys with two waiting cases and two
// messages sent at the same moment through different nodes. Every message reaches exactly one case and every
// case exactly one message. Only with TEST_DATABASE_URL (the embedded PGlite is one node).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import t from 'tap';
import { openDatabase } from '../../server/db/database.js';
import {
  CHILD_TOKENS,
  type ChildServer,
  createPostgresDatabase,
  holdServerCluster,
  http,
  startChild,
} from '../helpers/child-server.js';

const fixture = new URL('./fixtures/messages/await-settlement.bpmn', import.meta.url).pathname;
// 200 single keys (800 before, for the same checks): the 100 paired keys, whose two messages race through two
// nodes, are all kept, and 400 messages still keep the 64 requests in flight busy across the nodes for several
// rounds; 600 more single deliveries only repeated the same uncontended path at seconds of CPU
const SINGLE = 200;
const PAIRED = 100;
const TOTAL = SINGLE + 2 * PAIRED;
const IN_FLIGHT = 64;
const url = process.env.TEST_DATABASE_URL;

/** At most `n` jobs at once. */
function limiter(n: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await job();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

t.setTimeout(300_000);

t.test(
  `3 server processes on one PostgreSQL deliver ${TOTAL} correlated messages concurrently, each exactly once`,
  { skip: url ? false : 'needs TEST_DATABASE_URL (PGlite is single-node)' },
  async (t) => {
    await holdServerCluster(t);
    const database = await createPostgresDatabase(url as string);
    const dir = mkdtempSync(join(tmpdir(), 'reflow-messages-'));
    const processesDir = join(dir, 'processes');
    mkdirSync(processesDir);
    copyFileSync(fixture, join(processesDir, 'await-settlement.bpmn'));
    const children: ChildServer[] = [];
    t.teardown(async () => {
      for (const c of children) await c.kill('SIGKILL');
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    const started = await Promise.allSettled(
      [0, 1, 2].map((i) =>
        startChild({ dataDir: join(dir, `node${i}`), databaseUrl: database.url, processesDir, pollMs: 200 }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') children.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const node = (i: number) => children[i % children.length];
    const limit = limiter(IN_FLIGHT);

    // given 400 cases waiting for fee-settled: 200 keys with one case, 100 keys with two
    const keys = [
      ...Array.from({ length: SINGLE }, (_, i) => ({ key: `S-${i}`, cases: 1 })),
      ...Array.from({ length: PAIRED }, (_, i) => ({ key: `P-${i}`, cases: 2 })),
    ];
    const waiting = new Map<string, string[]>();
    let n = 0;
    const startsBegan = performance.now();
    await Promise.all(
      keys.flatMap(({ key, cases }) =>
        Array.from({ length: cases }, () =>
          limit(async () => {
            const res = await http(node(n++).url, 'POST', '/api/cases', CHILD_TOKENS.intake, {
              process: 'await_settlement',
              variables: { orderNo: key },
            });
            if (res.status !== 201) throw new Error(`start: ${res.status} ${JSON.stringify(res.body)}`);
            const id = (res.body as { id: string }).id;
            waiting.set(key, [...(waiting.get(key) ?? []), id]);
          }),
        ),
      ),
    );
    const caseIds = [...waiting.values()].flat();
    const startSeconds = (performance.now() - startsBegan) / 1000;
    t.comment(
      `${caseIds.length} case starts in ${startSeconds.toFixed(2)} s: ${(caseIds.length / startSeconds).toFixed(0)} starts/s over 3 nodes`,
    );
    t.equal(caseIds.length, TOTAL, `${TOTAL} cases wait`);

    // when 400 messages are sent at once, each through some node (a paired key's two through two nodes)
    const sends = keys.flatMap(({ key, cases }, k) =>
      Array.from({ length: cases }, (_, c) => ({ key, via: k + c })),
    );
    const began = performance.now();
    const answers = await Promise.all(
      sends.map(({ key, via }) =>
        limit(async () => {
          const res = await http(node(via).url, 'POST', '/api/messages', CHILD_TOKENS.intake, {
            name: 'fee-settled',
            correlationKey: key,
            variables: { settledBy: `node ${via % 3}` },
          });
          return { key, status: res.status, body: res.body as { delivered: string[]; messageId: string } };
        }),
      ),
    );
    const seconds = (performance.now() - began) / 1000;
    t.comment(
      `${sends.length} correlated messages in ${seconds.toFixed(2)} s: ${(sends.length / seconds).toFixed(0)} messages/s over 3 nodes (${IN_FLIGHT} in flight)`,
    );

    // then every message was delivered to exactly one case, every case received exactly one, of its own key
    t.same(
      answers.filter((a) => a.status !== 200).map((a) => `${a.key}: ${a.status} ${JSON.stringify(a.body)}`),
      [],
      'every message answered 200',
    );
    const deliveredTo = answers.flatMap((a) => a.body.delivered ?? []);
    t.equal(deliveredTo.length, TOTAL, 'each message went to one case');
    t.equal(new Set(deliveredTo).size, TOTAL, 'no case got two');
    t.same(
      answers.filter((a) => a.body.delivered?.some((id) => !waiting.get(a.key)?.includes(id))).length,
      0,
      'each to a case waiting with its key',
    );

    await Promise.all(children.map((c) => c.stop()));
    const opened = await openDatabase({ databaseUrl: database.url });
    try {
      const { rows } = await sql<{ status: string; n: number }>`
        SELECT status, count(*)::int AS n FROM messages GROUP BY status ORDER BY status`.execute(opened.db);
      t.same(
        rows,
        [{ status: 'delivered', n: TOTAL }],
        `the database holds ${TOTAL} delivered messages, no other`,
      );
      const received = await sql<{ case_id: string; n: number }>`
        SELECT case_id, count(*)::int AS n FROM audit_events WHERE type = 'messageReceived'
        GROUP BY case_id HAVING count(*) <> 1`.execute(opened.db);
      t.same(received.rows, [], 'every case recorded exactly one messageReceived');
      const cases = await sql<{ status: string; n: number }>`
        SELECT status, count(*)::int AS n FROM cases GROUP BY status`.execute(opened.db);
      t.same(cases.rows, [{ status: 'completed', n: TOTAL }], 'every case completed');
      const waits = await sql<{ n: number }>`SELECT count(*)::int AS n FROM case_subscriptions`.execute(
        opened.db,
      );
      t.equal(waits.rows[0].n, 0, 'no wait left');
    } finally {
      await opened.close();
    }
  },
);
