// Bad input, fuzzed with fast-check: every JSON route with random and malformed bodies, path parameters, query
// strings and headers (invalid JSON, wrong types, huge strings, deep nesting, __proto__/constructor keys, NUL
// and lone surrogates, other unicode), and deploy with mutated BPMN (truncated, byte flips, deep nesting, huge
// attributes, DOCTYPE and entity expansion, 10 MB bodies). Every answer is a 2xx or a 4xx problem+json, never
// a 5xx; a 4xx (and any GET) leaves the database's case tables exactly as they were (row counts and checksum).
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import t, { type Test } from 'tap';
import { tableState } from '../helpers/db-checksum.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { openPglite, testDatabases } from '../helpers/test-database.js';

const permit = readFileSync(new URL('./fixtures/correction.bpmn', import.meta.url), 'utf8');
const startup = readFileSync(new URL('../../processes/business-startup.after.bpmn', import.meta.url), 'utf8');
/**
 * Runs per property; FUZZ_RUNS scales them all. The defaults try every branch of each generator several times
 * over (a weight-1 branch of 13 is drawn about 8 times in 100 runs) at a few seconds per property.
 */
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** fast-check's seed: fixed, so every run tries the same inputs and a failure replays; FUZZ_SEED explores others. */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_105);

// ---------------------------------------------------------------------------------------------------------
// generators

const SPECIAL = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83d',
  '\ud83d\ude00',
  '\ufeff',
  '\u202e',
  '𠜎𠜎',
  '👩‍👩‍👧',
  'é',
  'e\u0301',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  '__defineGetter__',
  '../../etc/passwd',
  "'; DROP TABLE cases; --",
  '%00',
  '%',
  '%ZZ',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, as text
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'null',
  'true',
  '1e309',
  '-0',
  'NaN',
  '\n',
  '\r\n',
  '\t',
  '\\',
  '"',
];
const special = fc.constantFrom(...SPECIAL);
const huge = fc.integer({ min: 10_000, max: 400_000 }).map((n) => 'x'.repeat(n));
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 3, arbitrary: special },
  { weight: 1, arbitrary: huge },
);
const key = fc.oneof(fc.string({ maxLength: 8 }), special);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(2 ** 53 + 1, -(2 ** 31) - 1, 1e308, 5e-324),
    text,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));
/** `[[[…]]]` or `{"a":{"a":…}}`, as text: deeper than anything should accept. */
const deepJson = fc
  .tuple(fc.integer({ min: 50, max: 60_000 }), fc.boolean())
  .map(([n, arrays]) =>
    arrays ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`,
  );
const PROTO = [
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"process":"permit","variables":{"applicant":"A","__proto__":{"polluted":true}}}',
  '{"process":"permit","variables":{"applicant":"A","constructor":{"prototype":{"polluted":true}}}}',
  '{"variables":{"__proto__":{"complete":true}}}',
  '{"name":"materials-supplemented","variables":{"__proto__":{"isAdmin":true}}}',
];
const malformed = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '{',
    '}',
    '{"a":1,}',
    "{'a':1}",
    '{"a":undefined}',
    '{"a":NaN}',
    '[1,2',
    '"unterminated',
    '{"a":1}{"b":2}',
    '\u0000',
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    'null',
    '[]',
    '0',
    '"text"',
    'true',
    '{"a":1e999999}',
    '\ufeff{}',
  ),
  fc
    .tuple(
      fc.constantFrom(
        '{"process":"permit","variables":{"applicant":"张三"},"channel":"window"}',
        '{"variables":{"complete":true}}',
        '{"name":"materials-supplemented"}',
      ),
      fc.nat(),
    )
    .map(([s, cut]) => s.slice(0, cut % s.length)),
);

/** A URL path segment as a client might send it: encoded text, raw bad escapes, or an id that exists. */
const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return Buffer.from(s, 'utf16le').toString('hex').replace(/(..)/g, '%$1'); // a lone surrogate: bytes that are not UTF-8
  }
};
const rawSegment = fc.oneof(
  text.filter((s) => s.length < 5000).map(encode),
  fc.constantFrom(
    '%00',
    '%ZZ',
    '%C0%AF',
    '%ED%A0%80',
    '..%2F..%2Fetc',
    '%2e%2e',
    'a'.repeat(5000),
    '-1',
    '0',
    '1.5',
    '1e3',
    '99999999999999999999',
  ),
);
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/problem+json',
];
const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES, '') },
);
const query = (known: string[]) =>
  fc
    .array(
      fc.tuple(
        known.length > 0 ? fc.oneof(fc.constantFrom(...known), key.map(encode)) : key.map(encode),
        fc.oneof(
          rawSegment,
          fc.constantFrom('', '1', 'true', 'open', 'completed', '2', '1&limit=2', '[]', '{}'),
        ),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));

// ---------------------------------------------------------------------------------------------------------

interface Rig {
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Checks one answer and the database; mutating says whether a 2xx may have changed it. */
  judge(what: string, res: LightMyRequestResponse, mutating: boolean): Promise<void>;
  ids: { cases: string[]; tasks: string[]; keys: string[] };
  statuses: Map<number, number>;
}

async function rig(t: Test, open: typeof openPglite): Promise<Rig> {
  const database = await open();
  const { app, close } = await buildTestApp(database);
  t.teardown(close);
  for (const xml of [permit, startup]) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: xml,
    });
    if (res.statusCode !== 201) throw new Error(res.body);
  }
  // fixtures: a case at review, one waiting for a supplement, a completed one
  const ids = { cases: [] as string[], tasks: [] as string[], keys: ['permit', 'business_startup'] };
  const as = async (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    (await app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) })).json();
  for (let i = 0; i < 3; i++) {
    const view = await as(TOKENS.intake, 'POST', '/api/cases', {
      process: 'permit',
      variables: { applicant: `申请人${i}` },
    });
    ids.cases.push(view.id);
    const review = view.timeline[0].id;
    ids.tasks.push(review);
    if (i === 0) continue;
    const next = await as(TOKENS.market, 'POST', `/api/tasks/${review}/complete`, {
      variables: { complete: i === 2 },
    });
    const task = next.timeline.find((s: { status: string }) => s.status === 'active').id;
    ids.tasks.push(task);
    await as(i === 2 ? TOKENS.police : TOKENS.market, 'POST', `/api/tasks/${task}/complete`, {});
  }
  let baseline = await tableState(database.db);
  const statuses = new Map<number, number>();
  return {
    inject: (options) => app.inject(options),
    ids,
    statuses,
    async judge(what, res, mutating) {
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const show = () =>
        `${what} → ${res.statusCode} ${res.headers['content-type']} ${res.body.slice(0, 400)}`;
      if (res.statusCode >= 500 || res.statusCode < 200) throw new Error(`server error: ${show()}`);
      if (res.statusCode >= 400) {
        if (!/^application\/problem\+json/.test(String(res.headers['content-type'])))
          throw new Error(`not problem+json: ${show()}`);
        const body = res.json();
        if (
          typeof body.type !== 'string' ||
          !body.type.startsWith('urn:reflow:problem:') ||
          typeof body.title !== 'string' ||
          body.status !== res.statusCode ||
          typeof body.detail !== 'string'
        ) {
          throw new Error(`not a problem document: ${show()}`);
        }
      }
      const now = await tableState(database.db, baseline);
      const changed = Object.keys(now.checksums).filter((k) => now.checksums[k] !== baseline.checksums[k]);
      if (changed.length > 0 && !(mutating && res.statusCode < 300))
        throw new Error(`the database changed (${changed.join(', ')}): ${show()}`);
      baseline = now;
    },
  };
}

interface JsonRoute {
  method: 'GET' | 'POST';
  /** The URL with `:id`, `:key`, `:version` placeholders. */
  path: string;
  token: string;
  query: string[];
  /** A valid body, mutated by the generators; absent for GET. */
  body?: fc.Arbitrary<unknown>;
  mutating?: boolean;
}

const variables = fc.dictionary(key, value, { maxKeys: 5 });
const ROUTES: JsonRoute[] = [
  {
    method: 'POST',
    path: '/api/cases',
    token: TOKENS.intake,
    query: [],
    mutating: true,
    body: fc.record(
      {
        process: fc.oneof(fc.constantFrom('permit', 'business_startup'), text),
        version: fc.oneof(fc.constantFrom(1, 2, 0, -1, 1.5, '1'), value),
        businessKey: text,
        variables: fc.oneof(
          variables,
          value,
          fc.constant({ applicant: '\u0000' }),
          fc.constant({ applicant: 'A', companyName: '\ud800' }),
        ),
        materials: fc.oneof(fc.array(text, { maxLength: 3 }), value),
        channel: fc.oneof(fc.constantFrom('online', 'window'), text),
      },
      { requiredKeys: [] },
    ),
  },
  {
    method: 'GET',
    path: '/api/cases',
    token: TOKENS.auditor,
    query: ['process', 'version', 'status', 'businessKey', 'limit', 'after'],
  },
  { method: 'GET', path: '/api/cases/:id', token: TOKENS.intake, query: [] },
  {
    method: 'POST',
    path: '/api/cases/:id/messages',
    token: TOKENS.intake,
    query: [],
    mutating: true,
    body: fc.record(
      {
        name: fc.oneof(fc.constant('materials-supplemented'), text),
        variables: fc.oneof(variables, value),
        channel: fc.oneof(fc.constant('window'), text),
      },
      { requiredKeys: [] },
    ),
  },
  {
    method: 'POST',
    path: '/api/cases/:id/cancel',
    token: TOKENS.admin,
    query: [],
    mutating: true,
    body: fc.record({ reason: fc.oneof(text, value) }, { requiredKeys: [] }),
  },
  { method: 'GET', path: '/api/cases/:id/events', token: TOKENS.auditor, query: [] },
  {
    method: 'GET',
    path: '/api/tasks',
    token: TOKENS.market,
    query: ['department', 'caseId', 'status', 'limit'],
  },
  {
    method: 'GET',
    path: '/api/tasks',
    token: TOKENS.admin,
    query: ['department', 'caseId', 'status', 'limit'],
  },
  {
    method: 'POST',
    path: '/api/tasks/:id/complete',
    token: TOKENS.admin,
    query: [],
    mutating: true,
    body: fc.record(
      {
        variables: fc.oneof(
          variables,
          value,
          fc.constant({ complete: '\u0000' }),
          fc.constant({ complete: true, note: '\ud800' }),
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { method: 'GET', path: '/api/definitions', token: TOKENS.designer, query: [] },
  { method: 'GET', path: '/api/definitions/:key/versions/:version', token: TOKENS.designer, query: [] },
  { method: 'GET', path: '/api/processes/:key/versions/:version/metrics', token: TOKENS.auditor, query: [] },
  { method: 'GET', path: '/api/processes/:key/compare', token: TOKENS.auditor, query: ['from', 'to'] },
  { method: 'GET', path: '/api/processes/:key/report', token: TOKENS.auditor, query: ['from', 'to', 'lang'] },
  {
    method: 'GET',
    path: '/api/processes/:key/versions/:version/log.xes',
    token: TOKENS.auditor,
    query: ['status', 'handlers'],
  },
  {
    method: 'GET',
    path: '/api/processes/:key/versions/:version/log.csv',
    token: TOKENS.auditor,
    query: ['status', 'handlers'],
  },
  {
    method: 'POST',
    path: '/api/cases/:id/ratings',
    token: TOKENS.intake,
    query: [],
    mutating: true,
    body: fc.record(
      {
        level: fc.oneof(fc.constantFrom(1, 3, 5, 0, 6, 2.5, '5'), value),
        comment: fc.oneof(text, value),
        channel: fc.oneof(fc.constantFrom('online', 'window'), text),
        elementId: fc.oneof(fc.constantFrom('review', 'issue'), text),
      },
      { requiredKeys: [] },
    ),
  },
  { method: 'GET', path: '/api/cases/:id/ratings', token: TOKENS.auditor, query: [] },
  { method: 'GET', path: '/api/processes/:key/versions/:version/ratings', token: TOKENS.auditor, query: [] },
  {
    method: 'GET',
    path: '/api/audit/verify',
    token: TOKENS.auditor,
    query: ['caseId', 'process', 'version', 'limit'],
  },
];

/** A request to one route: its placeholders filled with real ids or junk, its body valid-ish, random or malformed. */
function request(route: JsonRoute, ids: Rig['ids']) {
  const segment = (real: string[]) =>
    fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...real) }, { weight: 3, arbitrary: rawSegment });
  const params = fc.record({
    id: segment([...ids.cases, ...ids.tasks]),
    key: segment(ids.keys),
    version: fc.oneof(fc.constantFrom('1', '2'), rawSegment),
  });
  const body: fc.Arbitrary<{ payload: string | undefined; type: string }> = route.body
    ? fc.record({
        payload: fc.oneof(
          { weight: 4, arbitrary: route.body.map((b) => JSON.stringify(b)) },
          { weight: 2, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
          { weight: 2, arbitrary: malformed },
          { weight: 1, arbitrary: deepJson },
          {
            weight: 1,
            arbitrary: deepJson.map(
              (d) =>
                `{"process":"permit","variables":{"applicant":"A","deep":${d}},"name":"materials-supplemented"}`,
            ),
          },
          { weight: 1, arbitrary: fc.constantFrom(...PROTO) },
          {
            weight: 1,
            arbitrary: fc
              .integer({ min: 900_000, max: 1_500_000 })
              .map((n) => JSON.stringify({ process: 'permit', businessKey: 'x'.repeat(n) })),
          },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        type: contentType,
      })
    : fc.record({
        payload: fc.oneof(
          { weight: 5, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: malformed },
        ),
        type: contentType,
      });
  const headers = fc.record(
    {
      'idempotency-key': fc
        .oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constant('k'.repeat(500)))
        .map((s) => s.replace(/[^\x20-\x7e]/g, '?')),
      accept: fc.constantFrom('application/json', 'text/html', '*/*', 'application/xml'),
    },
    { requiredKeys: [] },
  );
  return fc
    .record({ params, query: query(route.query), body, headers })
    .map(({ params: p, query: q, body: b, headers: h }) => {
      const url = route.path.replace(':id', p.id).replace(':key', p.key).replace(':version', p.version) + q;
      const options: InjectOptions = {
        method: route.method,
        url,
        headers: {
          ...bearer(route.token),
          ...h,
          ...(b.payload !== undefined && b.type ? { 'content-type': b.type } : {}),
        },
        ...(b.payload !== undefined ? { payload: b.payload } : {}),
      };
      return options;
    });
}

const describe = (o: InjectOptions) =>
  `${o.method} ${String(o.url).slice(0, 200)} [${String((o.headers as Record<string, string>)?.['content-type'] ?? '')}] ${typeof o.payload === 'string' ? `${o.payload.length} chars: ${o.payload.slice(0, 120)}` : ''}`;

t.setTimeout(180_000);

t.test(
  'fuzzed JSON routes: never a 5xx, always problem+json, the database unchanged by refusals',
  async (t) => {
    const r = await rig(t, openPglite);
    const started = Date.now();
    for (const [i, route] of ROUTES.entries()) {
      await fc.assert(
        fc.asyncProperty(request(route, r.ids), async (options) => {
          const res = await r.inject(options);
          await r.judge(describe(options), res, route.mutating === true && route.method === 'POST');
        }),
        // a seed per route: with one, every route would draw the same branches in the same order
        { numRuns: runs(route.body ? 100 : 50), seed: SEED + i },
      );
      t.pass(`${route.method} ${route.path} (as ${route.token.split('-')[0]})`);
    }
    t.comment(
      `answers: ${JSON.stringify(Object.fromEntries([...r.statuses].sort(([a], [b]) => a - b)))} in ${Date.now() - started} ms`,
    );
    t.ok(
      [...r.statuses.keys()].some((s) => s < 300),
      'some requests were valid enough to succeed',
    );
    t.ok([...r.statuses.keys()].filter((s) => s >= 400).length >= 4, 'many kinds of refusal were met');
  },
);

// ---------------------------------------------------------------------------------------------------------
// deploy

const LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
${permit.replace(/^<\?xml[^>]*>\s*/, '').replace('name="许可（测试）"', 'name="&lol9;"')}`;
const XXE = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${permit.replace(/^<\?xml[^>]*>\s*/, '').replace('name="许可（测试）"', 'name="&xxe;"')}`;
const LATE_DOCTYPE = `<?xml version="1.0"?><!--${' '.repeat(70_000)}--><!DOCTYPE d SYSTEM "http://127.0.0.1:1/evil.dtd">${permit.replace(/^<\?xml[^>]*>\s*/, '')}`;
const PARAMETER_ENTITY = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x">%p;]>${permit.replace(/^<\?xml[^>]*>\s*/, '')}`;
const UNDECLARED = permit.replace('name="许可（测试）"', 'name="&undeclared;"');
const deepNest = (n: number, inside: 'extension' | 'subProcess'): string => {
  if (inside === 'extension')
    return permit.replace(
      '<bpmn:startEvent id="start" />',
      `<bpmn:startEvent id="start"><bpmn:extensionElements>${'<gov:x>'.repeat(n)}${'</gov:x>'.repeat(n)}</bpmn:extensionElements></bpmn:startEvent>`,
    );
  const open = Array.from(
    { length: n },
    (_, i) => `<bpmn:subProcess id="s${i}"><bpmn:startEvent id="s${i}_start" />`,
  ).join('');
  return permit.replace(
    '<bpmn:endEvent id="end" />',
    `<bpmn:endEvent id="end" />${open}${'</bpmn:subProcess>'.repeat(n)}`,
  );
};

/** A fraction of a document, spread evenly (fast-check's numbers lean on small values and bounds). */
const fraction = fc.integer({ min: 0, max: 99_990 }).map((n) => ((n * 7919) % 99_991) / 99_991);

const bpmn = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(fc.constantFrom(permit, startup), fraction).map(([d, f]) => ({
      kind: 'truncated',
      body: d.slice(0, Math.floor(d.length * f)) as string | Buffer,
    })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(permit, startup),
        fc.array(fc.tuple(fraction, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      )
      .map(([d, flips]) => {
        const bytes = Buffer.from(d);
        for (const [at, byte] of flips)
          bytes[Math.min(bytes.length - 1, Math.floor(at * bytes.length))] = byte;
        return { kind: 'byte flips', body: bytes as string | Buffer };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      // up to 20,000 deep (tens of ms each, against a third of a second at 200,000): the deepest, 200,000,
      // is sent once below
      .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constant('extension' as const))
      .map(([n, w]) => ({ kind: `${n} nested elements`, body: deepNest(n, w) as string | Buffer })),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 20, max: 3000 })
      .map((n) => ({ kind: `${n} nested subprocesses`, body: deepNest(n, 'subProcess') as string | Buffer })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 1000, max: 6_000_000 }),
        fc.constantFrom('name', 'gov:serviceCode', 'gov:timeLimit', 'id'),
      )
      .map(([n, attr]) => ({
        kind: `a ${n}-character ${attr}`,
        body: permit.replace(
          '<bpmn:process id="permit"',
          `<bpmn:process ${attr === 'id' ? '' : 'id="permit" '}${attr}="${'9'.repeat(n)}"`,
        ) as string | Buffer,
      })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1000, max: 60_000 }).map((n) => ({
      kind: `${n} attributes`,
      body: permit.replace(
        '<bpmn:userTask id="ask"',
        `<bpmn:userTask id="ask" ${Array.from({ length: n }, (_, i) => `a${i}="${i}"`).join(' ')}`,
      ) as string | Buffer,
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(LAUGHS, XXE, LATE_DOCTYPE, PARAMETER_ENTITY)
      .map((body) => ({ kind: 'DOCTYPE / entities', body: body as string | Buffer })),
  },
  {
    weight: 1,
    arbitrary: fc.constant({ kind: 'an undeclared entity', body: UNDECLARED as string | Buffer }),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 5 * 1024 * 1024 + 1, max: 10 * 1024 * 1024 }).map((n) => ({
      kind: `${n}-byte body`,
      body: permit.replace('</bpmn:definitions>', `<!--${'x'.repeat(n)}--></bpmn:definitions>`) as
        | string
        | Buffer,
    })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        malformed,
        fc.constantFrom(
          '<',
          '<?xml version="1.0"?>',
          '<a/>',
          '<bpmn:definitions/>',
          '\u0000<x/>',
          '<x>\ud800</x>',
        ),
      )
      .map((body) => ({ kind: 'random', body: body as string | Buffer })),
  },
);

t.test('deploy with mutated BPMN: never a 5xx, refusals change nothing', async (t) => {
  const r = await rig(t, openPglite);
  const kinds = new Map<string, Map<number | string, number>>();
  await fc.assert(
    fc.asyncProperty(
      bpmn,
      fc.constantFrom(
        'application/xml',
        'text/xml',
        'application/bpmn+xml',
        'application/xml; charset=utf-8',
      ),
      async ({ kind, body }, type) => {
        const began = performance.now();
        const res = await r.inject({
          method: 'POST',
          url: '/api/definitions',
          headers: { ...bearer(TOKENS.designer), 'content-type': type },
          payload: body,
        });
        const label = kind.replace(/\d+/g, 'N');
        const seen = kinds.get(label) ?? new Map<number | string, number>();
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        seen.set('ms', (seen.get('ms') ?? 0) + Math.round(performance.now() - began));
        kinds.set(label, seen);
        await r.judge(`deploy ${kind} (${body.length} bytes)`, res, true);
        if (/DOCTYPE|byte body/.test(kind) && res.statusCode < 300) throw new Error(`${kind} was accepted`);
      },
    ),
    { numRuns: runs(100), seed: SEED },
  );
  for (const [kind, seen] of kinds) t.comment(`${kind}: ${JSON.stringify(Object.fromEntries(seen))}`);
  // the hostile documents, once each, with what they must get
  const expect: [string, string | Buffer, number][] = [
    ['billion laughs', LAUGHS, 400],
    ['a DOCTYPE after 70 kB of comment', LATE_DOCTYPE, 400],
    ['external entity', XXE, 400],
    ['parameter entity', PARAMETER_ENTITY, 400],
    [
      '10 MB',
      permit.replace('</bpmn:definitions>', `<!--${'x'.repeat(10 * 1024 * 1024)}--></bpmn:definitions>`),
      413,
    ],
    ['truncated', permit.slice(0, 700), 422],
    ['200,000 nested elements', deepNest(200_000, 'extension'), 422],
  ];
  for (const [what, body, status] of expect) {
    const res = await r.inject({
      method: 'POST',
      url: '/api/definitions',
      headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
      payload: body,
    });
    t.equal(res.statusCode, status, `${what} → ${res.statusCode} ${res.body.slice(0, 200)}`);
    await r.judge(what, res, false);
  }
});

// ---------------------------------------------------------------------------------------------------------
// a fixed corpus of the worst inputs, on every database (PostgreSQL refuses NUL and lone surrogates itself)

const CORPUS: [string, InjectOptions][] = [
  [
    'NUL in a business key',
    {
      method: 'POST',
      url: '/api/cases',
      payload: { process: 'permit', businessKey: 'a\u0000b', variables: { applicant: 'A' } },
    },
  ],
  [
    'NUL in a variable',
    {
      method: 'POST',
      url: '/api/cases',
      payload: { process: 'permit', variables: { applicant: 'A\u0000' } },
    },
  ],
  [
    'NUL in a variable name',
    {
      method: 'POST',
      url: '/api/cases',
      payload: { process: 'permit', variables: { applicant: 'A', 'x\u0000': 1 } },
    },
  ],
  [
    'a lone surrogate in a variable',
    {
      method: 'POST',
      url: '/api/cases',
      payload: '{"process":"permit","variables":{"applicant":"\\ud800"}}',
    },
  ],
  [
    'a 20,000-deep variable',
    {
      method: 'POST',
      url: '/api/cases',
      payload: `{"process":"permit","variables":{"applicant":"A","deep":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
    },
  ],
  [
    'a 2,000-deep variable',
    {
      method: 'POST',
      url: '/api/cases',
      payload: `{"process":"permit","variables":{"applicant":"A","deep":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}}`,
    },
  ],
  ['__proto__ in variables', { method: 'POST', url: '/api/cases', payload: PROTO[2] }],
  ['NUL in a case id', { method: 'GET', url: '/api/cases/a%00b' }],
  ['a lone surrogate in a case id', { method: 'GET', url: '/api/cases/%ED%A0%80' }],
  ['NUL in a query', { method: 'GET', url: '/api/cases?businessKey=%00' }],
  ['NUL in an after cursor', { method: 'GET', url: '/api/cases?after=a%00' }],
  ['NUL in a task department', { method: 'GET', url: '/api/tasks?department=%00' }],
  ['NUL in a task id', { method: 'POST', url: '/api/tasks/%00/complete', payload: {} }],
  ['NUL in a message name', { method: 'POST', url: '/api/cases/x/messages', payload: { name: '\u0000' } }],
  ['NUL in a process key', { method: 'GET', url: '/api/definitions/%00/versions/1' }],
  ['NUL in the audit check', { method: 'GET', url: '/api/audit/verify?caseId=%00' }],
  ['NUL in a metrics key', { method: 'GET', url: '/api/processes/%00/versions/1/metrics' }],
  ['NUL in a report key', { method: 'GET', url: '/api/processes/%00/report' }],
  ['NUL in a log key', { method: 'GET', url: '/api/processes/%00/versions/1/log.csv' }],
  ['a huge version', { method: 'GET', url: '/api/definitions/permit/versions/99999999999999999999' }],
  ['a huge limit', { method: 'GET', url: '/api/cases?limit=1e400' }],
];

for (const database of testDatabases()) {
  t.test(`the worst inputs, once each (${database.name})`, async (t) => {
    const r = await rig(t, database.open);
    for (const [what, options] of CORPUS) {
      const json = typeof options.payload === 'string' ? { 'content-type': 'application/json' } : {};
      const res = await r.inject({
        ...options,
        headers: { ...bearer(TOKENS.admin), ...json, ...(options.headers as object) },
      });
      t.ok(
        res.statusCode >= 400 && res.statusCode < 500,
        `${what} → ${res.statusCode} ${res.statusCode >= 500 ? res.body.slice(0, 300) : ''}`,
      );
      await r.judge(what, res, false).then(
        () => t.pass(`${what}: problem+json, nothing changed`),
        (error) => t.fail((error as Error).message),
      );
    }
  });
}
