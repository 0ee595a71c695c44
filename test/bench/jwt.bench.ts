// What JWT sign-in adds to a request, beside the tokens-file path in the same run: GET /api/me through the whole
// HTTP stack (app.inject, authentication, the route) with a token of the tokens file and with JWTs of a local
// identity provider (keys made here, JWKS served by this process), the two interleaved so both see the same
// machine. A client sends the same JWT with each request until it refreshes it, so the steady state is a token
// verified earlier; the first sight of a token (signature verified: ES256 and RS256) is measured apart.
// Target: the JWT check adds under 50 µs per request at p50.
import { JwtVerifier } from '../../server/auth/jwt.js';
import { startLocalIssuer } from '../helpers/local-issuer.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { openPglite } from '../helpers/test-database.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20_000);
const USERS = 200;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const es = await startLocalIssuer({ alg: 'ES256' });
const rs = await startLocalIssuer({ alg: 'RS256' });
const verifier = (issuer: typeof es) =>
  new JwtVerifier({ issuer: issuer.issuer, audience: 'reflow', jwksUrl: issuer.jwksUrl });
const jwt = verifier(es);
const built = await buildTestApp(await openPglite(), { jwt, now: Date.now() });
const { app } = built;
const claims = (i: number) => ({
  sub: `u-${i}`,
  name: `工作人员${i}`,
  roles: ['department'],
  department: '税务',
});
const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => es.sign(claims(i))));

/** One request's time in µs; the answer must be the caller's identity. */
async function request(token: string, userId: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const res = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
  const micros = Number(process.hrtime.bigint() - t0) / 1000;
  if (res.statusCode !== 200 || res.json().userId !== userId)
    throw new Error(`GET /api/me answered ${res.statusCode} ${res.body}`);
  return micros;
}

// warm-up: the JIT, the JWKS fetch, every token seen once
for (let i = 0; i < 2000; i++) {
  await request(TOKENS.tax, 'department:税务');
  await request(tokens[i % USERS], `u-${i % USERS}`);
}
const file: number[] = [];
const viaJwt: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  file.push(await request(TOKENS.tax, 'department:税务'));
  viaJwt.push(await request(tokens[i % USERS], `u-${i % USERS}`));
}

/** The first sight of a token: its signature verified, claims checked and mapped (no HTTP). */
async function firstSight(issuer: typeof es, n: number): Promise<number[]> {
  const v = verifier(issuer);
  const fresh = await Promise.all(Array.from({ length: n }, (_, i) => issuer.sign(claims(i))));
  await v.verify(fresh[0]); // the JWKS fetch
  const times: number[] = [];
  for (const token of fresh.slice(1)) {
    const t0 = process.hrtime.bigint();
    await v.verify(token);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return times;
}
const firstEs = await firstSight(es, 2001);
const firstRs = await firstSight(rs, 2001);

await built.close();
await es.close();
await rs.close();

const fileP50 = percentile(file, 50);
const jwtP50 = percentile(viaJwt, 50);
const added = jwtP50 - fileP50;
const esP50 = percentile(firstEs, 50);
const rsP50 = percentile(firstRs, 50);
console.log(
  `GET /api/me p50: tokens file ${fileP50.toFixed(1)} µs, JWT ${jwtP50.toFixed(1)} µs (p99 ${percentile(file, 99).toFixed(0)} / ${percentile(viaJwt, 99).toFixed(0)} µs), ${ROUNDS} requests each, interleaved`,
);
console.log(
  `first sight of a token (signature verified) p50: ES256 ${esP50.toFixed(0)} µs, RS256 ${rsP50.toFixed(0)} µs`,
);
console.log(
  JSON.stringify({
    figure: `JWT request p50 ${jwtP50.toFixed(1)} µs (+${added.toFixed(1)} µs); first sight ES256 ${esP50.toFixed(0)} µs, RS256 ${rsP50.toFixed(0)} µs`,
    baseline: `tokens file p50 ${fileP50.toFixed(1)} µs`,
    ratio: `${(jwtP50 / fileP50).toFixed(2)}×; target added < 50 µs`,
    fileP50Micros: fileP50,
    jwtP50Micros: jwtP50,
    addedP50Micros: added,
    firstSightEs256P50Micros: esP50,
    firstSightRs256P50Micros: rsP50,
    rounds: ROUNDS,
    pass: added < 50,
  }),
);
