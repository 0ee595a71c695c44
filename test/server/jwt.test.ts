// JWT sign-in: tokens of a local identity provider (keys made here, JWKS served by this process) verified for
// issuer, audience, expiry and signature; every refused token is a 401 naming why; keys rotate without a
// restart; the claims' mapping is configurable; the tokens file keeps working beside it, with the same identity.
import { generateKeyPair } from 'jose';
import t from 'tap';
import { JwtVerifier } from '../../server/auth/jwt.js';
import { startLocalIssuer } from '../helpers/local-issuer.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { openPglite } from '../helpers/test-database.js';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

t.test('JWT sign-in through a local identity provider', async (t) => {
  const issuer = await startLocalIssuer();
  t.teardown(() => issuer.close());
  const clock = { now: Date.UTC(2026, 0, 5, 1, 0, 0) };
  const jwt = new JwtVerifier({
    issuer: issuer.issuer,
    audience: 'reflow',
    jwksUrl: issuer.jwksUrl,
    cooldownMs: 0,
    now: () => clock.now,
  });
  const built = await buildTestApp(await openPglite(), { jwt, now: clock.now });
  t.teardown(built.close);
  const { app } = built;
  const me = (token: string) => app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
  const seconds = Math.floor(clock.now / 1000);
  const clerk = {
    sub: 'u-1001',
    name: '王芳',
    roles: ['department'],
    department: '税务',
    iat: seconds,
    exp: seconds + 3600,
  };

  await t.test('a valid token gives the identity, the same shape as a token of the file', async (t) => {
    const res = await me(await issuer.sign(clerk));
    t.equal(res.statusCode, 200, res.body);
    t.same(res.json(), {
      userId: 'u-1001',
      name: '王芳',
      roles: ['department'],
      department: '税务',
      lead: false,
    });
    const lead = await me(await issuer.sign({ ...clerk, sub: 'u-1', lead: true }));
    t.equal(lead.json().lead, true, 'a lead by claim');
    const file = await me(TOKENS.tax);
    t.equal(file.statusCode, 200, 'the tokens file still works');
    t.same(file.json(), {
      userId: 'department:税务',
      name: 'department:税务',
      roles: ['department'],
      department: '税务',
      lead: false,
    });
    const tasks = await app.inject({
      method: 'GET',
      url: '/api/tasks',
      headers: bearer(await issuer.sign(clerk)),
    });
    t.equal(tasks.statusCode, 200, 'a JWT department member lists the department tasks');
    const forbidden = await app.inject({
      method: 'GET',
      url: '/api/audit/verify',
      headers: bearer(await issuer.sign(clerk)),
    });
    t.equal(forbidden.statusCode, 403, 'roles come from the token: a department member is no auditor');
  });

  await t.test('refused tokens are 401 with the reason and WWW-Authenticate', async (t) => {
    const { privateKey: strangerKey } = await generateKeyPair('ES256');
    const header = JSON.parse(Buffer.from((await issuer.sign(clerk)).split('.')[0], 'base64url').toString());
    const cases: [string, string, RegExp][] = [
      ['wrong issuer', await issuer.sign({ ...clerk, iss: 'https://elsewhere.example' }), /issuer \(iss\)/],
      ['wrong audience', await issuer.sign({ ...clerk, aud: 'another-app' }), /audience \(aud\)/],
      ['expired', await issuer.sign({ ...clerk, iat: seconds - 7200, exp: seconds - 120 }), /expired/],
      ['bad signature', await issuer.sign(clerk, { key: strangerKey }), /signature does not verify/],
      ['unknown kid', await issuer.sign(clerk, { kid: 'key-unknown' }), /no key .* matches the JWT's kid/],
      [
        'alg none',
        `${b64({ ...header, alg: 'none' })}.${b64({ ...clerk, iss: issuer.issuer, aud: 'reflow' })}.`,
        /not allowed|not valid/,
      ],
      [
        'HS256 with a shared secret',
        await issuer.sign(clerk, {
          key: new TextEncoder().encode('a shared secret of 32 bytes!!!!!') as never,
          alg: 'HS256',
        }),
        /algorithm is not allowed/,
      ],
      ['no role', await issuer.sign({ ...clerk, roles: ['clerk'] }), /names none of Reflow's roles/],
      [
        'department role without a department',
        await issuer.sign({ ...clerk, department: undefined }),
        /no department/,
      ],
      ['no exp', await issuer.sign({ ...clerk, exp: undefined }), /exp/],
    ];
    for (const [what, token, reason] of cases) {
      const res = await me(token);
      t.equal(res.statusCode, 401, what);
      t.match(res.json().detail, reason, `${what}: ${res.json().detail}`);
      t.match(res.headers['www-authenticate'], /invalid_token/, `${what}: WWW-Authenticate`);
    }
    t.equal((await me('not-a-token-at-all')).statusCode, 401, 'a token of neither kind');
  });

  await t.test('the clock skew: a token expired 30 s ago still passes, 2 minutes ago does not', async (t) => {
    t.equal((await me(await issuer.sign({ ...clerk, exp: seconds - 30 }))).statusCode, 200);
    t.equal((await me(await issuer.sign({ ...clerk, exp: seconds - 120 }))).statusCode, 401);
  });

  await t.test('a remembered token stops at its expiry', async (t) => {
    const token = await issuer.sign({ ...clerk, sub: 'u-short', exp: seconds + 10 });
    t.equal((await me(token)).statusCode, 200);
    clock.now += 75_000; // past exp + 60 s skew
    t.equal((await me(token)).statusCode, 401, 'expired since it was verified');
    clock.now -= 75_000;
  });

  await t.test('a rotated key is picked up without a restart', async (t) => {
    const before = await issuer.sign(clerk);
    t.equal((await me(before)).statusCode, 200);
    const fetches = issuer.fetches;
    await issuer.rotate();
    const after = await issuer.sign({ ...clerk, sub: 'u-after' });
    const res = await me(after);
    t.equal(res.statusCode, 200, `signed with ${issuer.kid}: ${res.body}`);
    t.equal(issuer.fetches, fetches + 1, 'the unknown kid fetched the JWKS once more');
    jwt.forget();
    t.equal((await me(before)).statusCode, 401, 'the withdrawn key signs no more');
  });
});

t.test('the claims mapping is configurable (dotted names read inside objects)', async (t) => {
  const issuer = await startLocalIssuer({ alg: 'RS256' });
  t.teardown(() => issuer.close());
  const jwt = new JwtVerifier({
    issuer: issuer.issuer,
    audience: 'reflow',
    jwksUrl: issuer.jwksUrl,
    claims: {
      userId: 'employee_no',
      name: 'preferred_username',
      roles: 'realm_access.roles',
      department: 'org.unit',
      lead: 'org.head',
    },
  });
  const principal = await jwt.verify(
    await issuer.sign({
      sub: 'ignored',
      employee_no: 'E-7',
      preferred_username: '李强',
      realm_access: { roles: ['offline_access', 'department', 'auditor'] },
      org: { unit: '公安', head: 'true' },
    }),
  );
  t.same(
    { ...principal },
    {
      token: `jwt ${issuer.issuer} E-7`,
      role: 'department',
      roles: ['department', 'auditor'],
      userId: 'E-7',
      name: '李强',
      department: '公安',
      lead: true,
    },
  );
  const spaced = await jwt.verify(
    await issuer.sign({ employee_no: 'E-8', realm_access: { roles: 'admin auditor' } }),
  );
  t.same(spaced.roles, ['admin', 'auditor'], 'roles as one string of names');
  t.equal(spaced.name, 'E-8', 'no name claim: the user id');
  t.equal(spaced.department, null);
});
