// The edge (server/plugins/edge.ts and the log import): no client can hold the service. A refused upload does
// not stall its kept-alive connection; floods get 429 with Retry-After; half-sent requests and idle sockets are
// closed by the timeouts; connections past the cap are refused; every answer carries the security headers and a
// 401 says Bearer. After each, /healthz answers within a second and nothing stored is lost.
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import t from 'tap';
import { buildApp } from '../../server/app.js';
import { CaseService } from '../../server/cases/case-service.js';
import { ConfigError, readConfig } from '../../server/config.js';
import type { OpenedDatabase } from '../../server/db/database.js';
import { EDGE_DEFAULTS, type EdgeOptions } from '../../server/plugins/edge.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { bearer, principals, TOKENS } from '../helpers/test-app.js';
import { openPglite, testDatabases } from '../helpers/test-database.js';
import { fixture } from '../metrics/metrics-helpers.js';

/** The HTTP app on `database` with these edge settings, listening on a free port. */
async function serve(
  database: OpenedDatabase,
  edge: Partial<EdgeOptions> = {},
): Promise<{ app: FastifyInstance; port: number; url: string }> {
  const definitions = new DefinitionStore(database.db);
  const service = new CaseService(database.db, definitions, { clock: () => Date.UTC(2026, 0, 5, 1) });
  const app = await buildApp({ db: database.db, service, definitions, principals, edge });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  return { app, port, url: `http://127.0.0.1:${port}` };
}

/** A raw TCP client: what it sent, everything it read, and when the server closed it. */
class RawClient {
  readonly socket: Socket;
  text = '';
  closedAt: number | null = null;
  readonly openedAt = performance.now();
  private waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => {
      this.text += chunk;
      this.wake();
    });
    this.socket.on('error', () => {}); // a reset is a close here
    this.socket.on('close', () => {
      this.closedAt = performance.now();
      this.wake();
    });
  }

  private wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Resolves when `ready()` holds, or rejects after `ms`. */
  until(ready: () => boolean, ms: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${what}: not within ${ms} ms; read so far: ${this.text.slice(0, 300)}`)),
        ms,
      );
      const check = () => {
        if (ready()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** The status codes of the answers read so far. */
  statuses(): number[] {
    // an answer starts right after the previous one's body, which need not end with a newline
    return [...this.text.matchAll(/HTTP\/1\.1 (\d{3}) [A-Z]/g)].map((m) => Number(m[1]));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const post = (path: string, type: string, body: string | Buffer, token: string | null = TOKENS.admin) =>
  Buffer.concat([
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: reflow\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}` +
        `Content-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    ),
    Buffer.isBuffer(body) ? body : Buffer.from(body),
  ]);
const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: reflow\r\n\r\n';
const healthy = (client: RawClient) => /"status":"ok"/.test(client.text);

/** GET /healthz on a new connection: its status and how long it took. */
async function healthz(url: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - t0 };
}

const casesIn = async (database: OpenedDatabase) =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM cases`.execute(database.db)).rows[0].n);

for (const database of testDatabases()) {
  t.test(`a refused log import does not stall its kept-alive connection (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, port, url } = await serve(opened);
    t.teardown(async () => {
      await app.close();
      await opened.close();
    });
    const deployed = await fetch(`${url}/api/definitions`, {
      method: 'POST',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      body: fixture('permit.bpmn'),
    });
    t.equal(deployed.status, 201);
    const log = '/api/processes/permit/versions/1/log';
    // about a megabyte after the line that fails: more than the socket buffers hold, so most of it is unread
    const rows = 'A,审查,2026-01-05T09:00:00+08:00\n'.repeat(30_000);
    const refusals: [string, Buffer, number][] = [
      [
        'a CSV log with an empty case id on line 2',
        post(log, 'text/csv', `case_id,activity,timestamp\n,审查,2026-01-05T09:00:00Z\n${rows}`),
        400,
      ],
      [
        'an XES log that is not well-formed',
        post(
          log,
          'application/xml',
          `<log><trace><event><bad${'<x/>'.repeat(250_000)}</event></trace></log>`,
        ),
        400,
      ],
      [
        'a CSV log that is not UTF-8',
        post(
          log,
          'text/csv',
          Buffer.concat([
            Buffer.from('case_id,activity,timestamp\n'),
            Buffer.from([0xff, 0xfe]),
            Buffer.from(rows),
          ]),
        ),
        400,
      ],
      [
        'a log for a version that does not exist',
        post('/api/processes/permit/versions/9/log', 'text/csv', rows),
        404,
      ],
      ['a log sent without a token', post(log, 'text/csv', rows, null), 401],
      ['a log sent by a role that may not import', post(log, 'text/csv', rows, TOKENS.auditor), 403],
    ];
    const before = await casesIn(opened);
    for (const [what, request, status] of refusals) {
      // given a kept-alive connection that sends a log the server refuses, then GET /healthz
      const client = new RawClient(port);
      client.write(request);
      client.write(HEALTHZ);
      // when the refusal has arrived
      await client.until(() => client.statuses().length >= 1, 10_000, `${what}: the refusal`);
      const refusedAt = performance.now();
      // then the same connection answers /healthz at once (within 3 s on a loaded machine; reading the rest of an
      // undrained upload would take far longer)
      await client.until(() => healthy(client) || client.closedAt !== null, 5_000, `${what}: /healthz`);
      t.same(client.statuses(), [status, 200], `${what}: ${status}, then /healthz on the same connection`);
      t.ok(
        performance.now() - refusedAt < 3000,
        `${what}: /healthz ${Math.round(performance.now() - refusedAt)} ms after the refusal`,
      );
      t.match(client.text, /content-type: application\/problem\+json/i, `${what}: a problem document`);
      t.equal(client.closedAt, null, `${what}: the connection stays open`);
      client.destroy();
    }

    // a log declared larger than the 200 MB an upload may have: 413 before reading it, the connection closed
    const big = new RawClient(port);
    big.write(
      `POST ${log} HTTP/1.1\r\nHost: reflow\r\nAuthorization: Bearer ${TOKENS.admin}\r\nContent-Type: text/csv\r\nContent-Length: ${300 * 1024 * 1024}\r\n\r\ncase_id,activity,timestamp\n`,
    );
    await big.until(() => big.closedAt !== null, 5000, 'the oversized upload is closed');
    t.same(big.statuses(), [413], 'an oversized log: 413');
    t.match(big.text, /connection: close/i, 'and the connection is closed, not drained');
    const after = await healthz(url);
    t.ok(
      after.status === 200 && after.ms < 3000,
      `then /healthz: ${after.status} in ${Math.round(after.ms)} ms`,
    );

    // nothing was imported by the refusals, and a good log still imports on a kept-alive connection
    t.equal(await casesIn(opened), before, 'no case stored by a refused log');
    const good = new RawClient(port);
    good.write(post(log, 'text/csv', fixture('permit-log.csv')));
    good.write(HEALTHZ);
    await good.until(() => healthy(good), 10_000, 'a good import, then /healthz');
    t.same(good.statuses(), [200, 200], 'a good log imports; the connection goes on');
    t.equal(await casesIn(opened), before + 4, 'its four cases are stored');
    good.destroy();
  });
}

t.test(
  'rate limits: per address without a known token, per token with one; 429 with Retry-After',
  async (t) => {
    const opened = await openPglite();
    const { app, url } = await serve(opened, { rateLimitPerAddress: 100, rateLimitPerToken: 300 });
    t.teardown(async () => {
      await app.close();
      await opened.close();
    });
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${url}${path}`, { headers }).then(async (res) => ({
        status: res.status,
        headers: res.headers,
        body: await res.text(),
      }));

    // given 1,000 requests without a token from one address, as fast as 50 connections send them (a thousand
    // connections opened at once overflow the listen backlog of a loaded machine and are reset by the kernel)
    const t0 = performance.now();
    const flood: Awaited<ReturnType<typeof get>>[] = [];
    let sent = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (sent < 1000) {
          const i = sent++;
          flood[i] = await get('/api/definitions');
        }
      }),
    );
    t.comment(`1000 anonymous requests in ${Math.round(performance.now() - t0)} ms`);
    // then the first 100 are answered (401: no token), the rest refused with 429
    t.equal(flood.filter((r) => r.status === 401).length, 100, '100 answered');
    const limited = flood.filter((r) => r.status === 429);
    t.equal(limited.length, 900, '900 refused');
    const sample = limited[0];
    t.match(sample.headers.get('content-type'), /application\/problem\+json/);
    t.match(JSON.parse(sample.body), {
      type: 'urn:reflow:problem:rate-limited',
      title: '请求过于频繁', // Chinese unless English is asked for (server/problem-text.ts)
      status: 429,
      detail: /^地址 127\.0\.0\.1一分钟内发送的请求超过 100 个（REFLOW_RATE_LIMIT_ADDRESS）：请 \d+ 秒后重试/,
    });
    const retryAfter = Number(sample.headers.get('retry-after'));
    t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter} s`);
    t.equal(sample.headers.get('x-ratelimit-limit'), '100');
    t.ok(sample.headers.get('content-security-policy'), 'a 429 carries the security headers');
    const unauthenticated = flood.find((r) => r.status === 401)!;
    t.equal(
      unauthenticated.headers.get('www-authenticate'),
      'Bearer realm="reflow"',
      '401: WWW-Authenticate',
    );

    // and guessing tokens spends the same allowance: an unknown token is refused before it is checked
    t.equal((await get('/api/definitions', bearer('guess-0001'))).status, 429, 'an unknown token: 429');
    // while /healthz is never throttled and answers within a second
    const health = await healthz(url);
    t.ok(
      health.status === 200 && health.ms < 3000,
      `/healthz: ${health.status} in ${Math.round(health.ms)} ms`,
    );

    // a known token has its own allowance, apart from its address (spent on GET /api/me, which reads no table:
    // every route counts alike)
    const auditor = await Promise.all(
      Array.from({ length: 301 }, () => get('/api/me', bearer(TOKENS.auditor))),
    );
    t.equal(auditor.filter((r) => r.status === 200).length, 300, 'the auditor token: 300 answered');
    const over = auditor.find((r) => r.status === 429)!;
    t.match(JSON.parse(over.body).detail, /^此令牌一分钟内发送的请求超过 300 个（REFLOW_RATE_LIMIT_TOKEN）/);
    t.equal(
      (await get('/api/definitions', bearer(TOKENS.designer))).status,
      200,
      'another token is unaffected',
    );
  },
);

t.test('the default limits do not throttle a busy client', async (t) => {
  const opened = await openPglite();
  const definitions = new DefinitionStore(opened.db);
  const service = new CaseService(opened.db, definitions);
  const app = await buildApp({ db: opened.db, service, definitions, principals });
  t.teardown(async () => {
    await app.close();
    await opened.close();
  });
  // the burst asks GET /api/me, which reads no table: the limit counts every route alike (one onRequest hook,
  // server/plugins/edge.ts), and 3,000 reads of the definitions cost the suite seconds of the database's CPU
  const statuses = new Map<number, number>();
  for (let i = 0; i < 3000; i++) {
    const res = await app.inject({ url: '/api/me', headers: bearer(TOKENS.auditor) });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  }
  t.same(Object.fromEntries(statuses), { 200: 3000 }, '3,000 requests of one token in a burst: all 200');
  const last = await app.inject({ url: '/api/definitions', headers: bearer(TOKENS.auditor) });
  t.equal(last.headers['x-ratelimit-limit'], String(EDGE_DEFAULTS.rateLimitPerToken));
  const anonymous = await app.inject({ url: '/nowhere' });
  t.equal(anonymous.headers['x-ratelimit-limit'], String(EDGE_DEFAULTS.rateLimitPerAddress));
});

t.test('behind a trusted reverse proxy, each client address has its own allowance', async (t) => {
  const opened = await openPglite();
  const definitions = new DefinitionStore(opened.db);
  const service = new CaseService(opened.db, definitions);
  const build = (edge: Partial<EdgeOptions>) =>
    buildApp({ db: opened.db, service, definitions, principals, edge: { rateLimitPerAddress: 2, ...edge } });
  const trusting = await build({ trustProxy: '10.0.0.5' });
  const plain = await build({});
  t.teardown(async () => {
    await trusting.close();
    await plain.close();
    await opened.close();
  });
  const from = (app: FastifyInstance, client: string) =>
    app
      .inject({ url: '/nowhere', remoteAddress: '10.0.0.5', headers: { 'x-forwarded-for': client } })
      .then((r) => r.statusCode);
  const clients = ['203.0.113.1', '203.0.113.1', '203.0.113.1', '203.0.113.2'];
  const trusted: number[] = [];
  for (const c of clients) trusted.push(await from(trusting, c));
  t.same(trusted, [404, 404, 429, 404], 'REFLOW_TRUST_PROXY: the forwarded address is the client');
  const untrusted: number[] = [];
  for (const c of clients) untrusted.push(await from(plain, c));
  t.same(untrusted, [404, 404, 429, 429], 'no proxy trusted: every client behind it shares the address');
});

t.test('timeouts and the connection cap close what a client holds open', async (t) => {
  const opened = await openPglite();
  const { app, port, url } = await serve(opened, {
    maxConnections: 50,
    headersTimeoutMs: 1000,
    requestTimeoutMs: 2000,
    keepAliveTimeoutMs: 1000,
  });
  t.teardown(async () => {
    await app.close();
    await opened.close();
  });
  // given 200 sockets: half of them say nothing, half send half a request's headers
  const clients = Array.from({ length: 200 }, (_, i) => {
    const client = new RawClient(port);
    if (i % 2 === 1) client.write('GET /api/definitions HTTP/1.1\r\nHost: reflow\r\nX-Slow: ');
    return client;
  });
  // then the 150 past the cap of 50 are closed at once
  await new Promise((r) => setTimeout(r, 800));
  const early = clients.filter((c) => c.closedAt !== null).length;
  t.equal(early, 150, `past the cap: ${early} of 200 closed within 0.8 s`);
  // and the other 50 when the headers timeout (1 s) has passed, with 408
  await Promise.all(
    clients.map((c) => c.until(() => c.closedAt !== null, 4000, 'closed by the headers timeout')),
  );
  const answered = clients.filter((c) => c.statuses().length > 0);
  t.ok(
    answered.length === 50 && answered.every((c) => c.statuses()[0] === 408),
    `${answered.length} held connections answered 408 and closed`,
  );
  const slowest = Math.max(...clients.map((c) => (c.closedAt ?? 0) - c.openedAt));
  t.ok(slowest < 3500, `every socket closed within ${Math.round(slowest)} ms`);
  const afterFlood = await healthz(url);
  t.ok(
    afterFlood.status === 200 && afterFlood.ms < 3000,
    `/healthz: ${afterFlood.status} in ${Math.round(afterFlood.ms)} ms`,
  );

  // a body that trickles in, a byte every 200 ms: closed when the request timeout (2 s) has passed
  const slowBody = new RawClient(port);
  slowBody.write(
    `POST /api/cases HTTP/1.1\r\nHost: reflow\r\nAuthorization: Bearer ${TOKENS.intake}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
  );
  const drip = setInterval(() => slowBody.write(' '), 200);
  await slowBody.until(() => slowBody.closedAt !== null, 5000, 'a trickling body is closed');
  clearInterval(drip);
  const bodyMs = slowBody.closedAt! - slowBody.openedAt;
  t.ok(bodyMs >= 1500 && bodyMs < 5000, `a trickling body: closed after ${Math.round(bodyMs)} ms`);
  t.same(slowBody.statuses(), [408], 'with 408 Request Timeout');

  // an idle kept-alive connection: closed after the keep-alive timeout (1 s)
  const idle = new RawClient(port);
  idle.write(HEALTHZ);
  await idle.until(() => healthy(idle), 2000, '/healthz');
  const answeredAt = performance.now();
  await idle.until(() => idle.closedAt !== null, 3000, 'the idle connection is closed');
  const idleMs = idle.closedAt! - answeredAt;
  t.ok(idleMs >= 800 && idleMs < 2500, `idle after an answer: closed after ${Math.round(idleMs)} ms`);
});

t.test('security headers and WWW-Authenticate on every kind of answer', async (t) => {
  const opened = await openPglite();
  const definitions = new DefinitionStore(opened.db);
  const service = new CaseService(opened.db, definitions);
  const app = await buildApp({ db: opened.db, service, definitions, principals });
  t.teardown(async () => {
    await app.close();
    await opened.close();
  });
  for (const url of ['/', '/docs', '/docs/json', '/healthz', '/api/definitions', '/nowhere']) {
    const res = await app.inject({ url });
    const csp = String(res.headers['content-security-policy']);
    t.match(csp, /default-src 'self'/, `${url}: CSP`);
    t.match(csp, /script-src 'self'(;|$)/, `${url}: no inline or evaluated script`);
    t.match(csp, /object-src 'none'/, `${url}: no plugins`);
    t.notMatch(csp, /upgrade-insecure-requests/, `${url}: plain HTTP on an intranet keeps working`);
    t.match(
      res.headers,
      {
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'strict-transport-security': 'max-age=31536000',
        'cross-origin-opener-policy': 'same-origin',
      },
      `${url}: helmet's headers`,
    );
  }
  const missing = await app.inject({ url: '/api/definitions' });
  t.equal(missing.statusCode, 401);
  t.equal(missing.headers['www-authenticate'], 'Bearer realm="reflow"', 'no token: the scheme');
  const unknown = await app.inject({ url: '/api/definitions', headers: bearer('not-a-token') });
  t.equal(
    unknown.headers['www-authenticate'],
    'Bearer realm="reflow", error="invalid_token"',
    'unknown token',
  );
  const forbidden = await app.inject({
    method: 'POST',
    url: '/api/definitions',
    headers: { ...bearer(TOKENS.auditor), 'content-type': 'application/xml' },
    payload: '<x/>',
  });
  t.equal(forbidden.statusCode, 403);
  t.equal(forbidden.headers['www-authenticate'], undefined, 'a 403 does not ask to authenticate');
});

t.test('the edge settings: defaults, values, and what is refused', async (t) => {
  t.same(readConfig({}).edge, EDGE_DEFAULTS, 'unset: the defaults');
  t.same(
    readConfig({
      REFLOW_RATE_LIMIT_TOKEN: '0',
      REFLOW_RATE_LIMIT_ADDRESS: '600',
      REFLOW_HEADERS_TIMEOUT_MS: '5000',
      REFLOW_REQUEST_TIMEOUT_MS: '5000',
      REFLOW_KEEP_ALIVE_TIMEOUT_MS: '65000',
      REFLOW_MAX_CONNECTIONS: '500',
      REFLOW_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,loopback,::1',
    }).edge,
    {
      rateLimitPerToken: 0,
      rateLimitPerAddress: 600,
      headersTimeoutMs: 5000,
      requestTimeoutMs: 5000,
      keepAliveTimeoutMs: 65000,
      maxConnections: 500,
      trustProxy: '10.0.0.5,10.1.0.0/16,loopback,::1',
    },
  );
  const longer = t.throws(() =>
    readConfig({ REFLOW_HEADERS_TIMEOUT_MS: '60000', REFLOW_REQUEST_TIMEOUT_MS: '30000' }),
  ) as ConfigError;
  t.type(longer, ConfigError);
  t.match(longer.lines, [/REFLOW_HEADERS_TIMEOUT_MS=60000 is longer than REFLOW_REQUEST_TIMEOUT_MS=30000/]);
  for (const proxy of ['10.0.0.0/33', 'proxy.internal', '10.0.0.5/8/1', 'fe80::/129'])
    t.throws(() => readConfig({ REFLOW_TRUST_PROXY: proxy }), ConfigError, `REFLOW_TRUST_PROXY=${proxy}`);
  t.throws(() => readConfig({ REFLOW_TRUST_PROXY: '10.0.0.5,,10.0.0.6' }), ConfigError, 'an empty item');
});

t.test('a rate limit of 0 turns that limit off', async (t) => {
  const opened = await openPglite();
  const definitions = new DefinitionStore(opened.db);
  const service = new CaseService(opened.db, definitions);
  const app = await buildApp({
    db: opened.db,
    service,
    definitions,
    principals,
    edge: { rateLimitPerAddress: 0, rateLimitPerToken: 1 },
  });
  t.teardown(async () => {
    await app.close();
    await opened.close();
  });
  const anonymous: number[] = [];
  for (let i = 0; i < 20; i++) anonymous.push((await app.inject({ url: '/nowhere' })).statusCode);
  t.same(new Set(anonymous), new Set([404]), 'no address limit');
  const token = [];
  for (let i = 0; i < 3; i++)
    token.push((await app.inject({ url: '/api/definitions', headers: bearer(TOKENS.auditor) })).statusCode);
  t.same(token, [200, 429, 429], 'the token limit still applies');
});
