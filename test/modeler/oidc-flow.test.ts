// The browser's sign-in flow (modeler/src/api/oidc.ts) run in Node against a local OpenID provider: the
// authorization request carries an S256 challenge, the code is redeemed with its verifier, the token the page
// keeps is a JWT the server accepts as that person; a wrong verifier, a foreign state, a refusal and a provider
// answering for another issuer are errors saying so. The server tells the page the provider
// (GET /api/auth/config, public) and lets it connect there (CSP connect-src).
import { createHash } from 'node:crypto';
import t from 'tap';
import {
  beginSignIn,
  codeChallenge,
  completeSignIn,
  discover,
  jwtClaims,
  PENDING_KEY,
  SignInError,
} from '../../modeler/src/api/oidc.js';
import { JwtVerifier } from '../../server/auth/jwt.js';
import { startLocalIssuer } from '../helpers/local-issuer.js';
import { bearer, buildTestApp } from '../helpers/test-app.js';
import { openPglite } from '../helpers/test-database.js';

/** sessionStorage as the page has it. */
function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

const PAGE = { redirectUri: 'http://127.0.0.1:3000/', hash: '#/inbox' };
const CLERK = { sub: 'u-chen', name: '陈晓', roles: ['department'], department: '市场监管' };

/** What the user does at the provider: the login page, then 登录; answers the query the page is sent back with. */
async function logIn(authorizationUrl: string): Promise<string> {
  const page = await (await fetch(authorizationUrl)).text();
  const request = /name="request" value="([^"]+)"/.exec(page)?.[1];
  const state = /name="state" value="([^"]+)"/.exec(page)?.[1];
  if (!request || !state) throw new Error(`no login form: ${page}`);
  const answer = await fetch(new URL('/login', authorizationUrl), {
    method: 'POST',
    body: new URLSearchParams({ request, state }),
    redirect: 'manual',
  });
  return new URL(answer.headers.get('location')!).search;
}

t.test('authorization code with PKCE against a local provider', async (t) => {
  const issuer = await startLocalIssuer();
  t.teardown(() => issuer.close());
  const config = { issuer: issuer.issuer, clientId: 'reflow-web', scopes: 'openid profile' };
  issuer.signInAs(CLERK);

  await t.test('the S256 challenge is RFC 7636 appendix B', async (t) => {
    t.equal(
      await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  await t.test('a sign-in gives a JWT the server accepts as the person', async (t) => {
    const storage = memoryStorage();
    const url = new URL(await beginSignIn(config, PAGE, storage));
    t.equal(
      url.origin + url.pathname,
      `${issuer.issuer}/authorize`,
      "to the provider's authorization endpoint",
    );
    const pending = JSON.parse(storage.getItem(PENDING_KEY)!);
    t.match(Object.fromEntries(url.searchParams), {
      response_type: 'code',
      client_id: 'reflow-web',
      redirect_uri: PAGE.redirectUri,
      scope: 'openid profile',
      state: pending.state,
      nonce: pending.nonce,
      code_challenge_method: 'S256',
      code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
    });
    t.match(pending.verifier, /^[A-Za-z0-9_-]{43}$/, 'a verifier of 43 unreserved characters');
    const done = await completeSignIn(await logIn(url.href), storage);
    t.equal(done?.hash, '#/inbox', 'back to the view the user was on');
    t.equal(storage.getItem(PENDING_KEY), null, 'the pending sign-in is used once');
    t.match(
      jwtClaims(done!.token),
      { aud: 'reflow', sub: 'u-chen' },
      "the access token, for Reflow's audience",
    );
    const principal = await new JwtVerifier({
      issuer: issuer.issuer,
      audience: 'reflow',
      jwksUrl: issuer.jwksUrl,
    }).verify(done!.token);
    t.match(principal, { userId: 'u-chen', name: '陈晓', department: '市场监管' });
    t.same(issuer.tokenRequests, { granted: 1, refused: [] });
  });

  await t.test('the code is refused with another verifier', async (t) => {
    const storage = memoryStorage();
    const url = await beginSignIn(config, PAGE, storage);
    const pending = JSON.parse(storage.getItem(PENDING_KEY)!);
    storage.setItem(PENDING_KEY, JSON.stringify({ ...pending, verifier: `${pending.verifier.slice(1)}x` }));
    const refused = await completeSignIn(await logIn(url), storage).catch((e) => e);
    t.type(refused, SignInError);
    t.match(refused.message, /refused the sign-in: invalid_grant: code_verifier does not match/);
    t.match(issuer.tokenRequests.refused, ['code_verifier does not match the code_challenge']);
  });

  await t.test('an ID token of another sign-in (nonce differs) is refused', async (t) => {
    const storage = memoryStorage();
    const url = await beginSignIn(config, PAGE, storage);
    const pending = JSON.parse(storage.getItem(PENDING_KEY)!);
    storage.setItem(PENDING_KEY, JSON.stringify({ ...pending, nonce: 'another-nonce' }));
    const refused = await completeSignIn(await logIn(url), storage).catch((e) => e);
    t.match(refused, { key: /ID token is not for this sign-in/ });
    t.equal(jwtClaims('not-a-jwt'), null, 'not a JWT');
    t.equal(jwtClaims('a.b.c'), null, 'no JSON inside');
  });

  await t.test('an answer to another sign-in, a refusal, and no answer at all', async (t) => {
    const storage = memoryStorage();
    await beginSignIn(config, PAGE, storage);
    const foreign = await completeSignIn('?code=abc&state=not-ours', storage).catch((e) => e);
    t.match(foreign, { key: /state differs/ });
    await beginSignIn(config, PAGE, storage);
    const state = JSON.parse(storage.getItem(PENDING_KEY)!).state;
    const denied = await completeSignIn(
      `?error=access_denied&error_description=user+cancelled&state=${state}`,
      storage,
    ).catch((e) => e);
    t.match(denied.message, /refused the sign-in: access_denied: user cancelled/);
    t.equal(await completeSignIn('?tab=mine', storage), null, 'a query that is no answer');
    t.equal(await completeSignIn('', storage), null);
  });

  await t.test('a provider answering for another issuer, or none, is named', async (t) => {
    const other = await discover(`${issuer.issuer}/`).catch((e) => e);
    t.match(other, { key: /another issuer/, detail: new RegExp(`${issuer.issuer} ≠ ${issuer.issuer}/`) });
    const none = await discover('http://127.0.0.1:9').catch((e) => e);
    t.match(none, { key: /cannot be reached/, detail: /127\.0\.0\.1:9\/\.well-known\/openid-configuration/ });
  });
});

t.test('the server tells the page its provider and lets it connect there', async (t) => {
  const issuer = await startLocalIssuer();
  t.teardown(() => issuer.close());
  const jwt = new JwtVerifier({ issuer: issuer.issuer, audience: 'reflow', jwksUrl: issuer.jwksUrl });
  const browserSignIn = { issuer: issuer.issuer, clientId: 'reflow-web', scopes: 'openid profile' };
  const withProvider = await buildTestApp(await openPglite(), { jwt, browserSignIn });
  t.teardown(withProvider.close);
  const answer = await withProvider.app.inject({ method: 'GET', url: '/api/auth/config' });
  t.equal(answer.statusCode, 200, 'public: asked before anyone signed in');
  t.same(answer.json(), { oidc: browserSignIn });
  const csp = String(answer.headers['content-security-policy']);
  t.match(csp, `connect-src 'self' ${issuer.issuer};`, "the page may fetch from the provider's origin");
  issuer.signInAs(CLERK);
  const storage = memoryStorage();
  const done = await completeSignIn(
    await logIn(await beginSignIn(answer.json().oidc, PAGE, storage)),
    storage,
  );
  const me = await withProvider.app.inject({ method: 'GET', url: '/api/me', headers: bearer(done!.token) });
  t.match(me.json(), { userId: 'u-chen', name: '陈晓', roles: ['department'] }, 'the token signs in');

  const plain = await buildTestApp(await openPglite());
  t.teardown(plain.close);
  const none = await plain.app.inject({ method: 'GET', url: '/api/auth/config' });
  t.same(none.json(), { oidc: null }, 'no provider: paste a token');
  t.match(String(none.headers['content-security-policy']), "connect-src 'self';");
});
