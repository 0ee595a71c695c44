// A local identity provider for tests: keys generated here, the JWKS served on 127.0.0.1 by this process;
// rotating a key swaps what the JWKS publishes. Never the internet. For the browser's sign-in it is also an
// OpenID provider (discovery, an authorization endpoint with a login page, a token endpoint checking PKCE).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export interface LocalIssuer {
  issuer: string;
  jwksUrl: string;
  /** The current signing key's id. */
  kid: string;
  /** How often the JWKS was fetched. */
  fetches: number;
  /** Signs a token with the current key (or `key`), expiring in an hour unless the claims say otherwise. */
  sign(claims: JWTPayload, options?: { key?: CryptoKey; kid?: string; alg?: string }): Promise<string>;
  /** A new signing key replaces the old one in the JWKS. */
  rotate(): Promise<void>;
  /** The claims of whoever signs in next at the login page (the access token's; `sub` also the ID token's). */
  signInAs(claims: JWTPayload): void;
  /** Token requests answered, and refused with why (a wrong code verifier, an unknown code…). */
  readonly tokenRequests: { granted: number; refused: string[] };
  close(): Promise<void>;
}

/** The sign-in of a browser: OIDC authorization code flow with PKCE (S256), one public client. */
interface Authorization {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | null;
  claims: JWTPayload;
}

const html = (body: string) =>
  `<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>统一身份认证（测试）</title></head><body>${body}</body></html>`;
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function formOf(request: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
}

export async function startLocalIssuer(
  options: { alg?: string; audience?: string; now?: () => number } = {},
): Promise<LocalIssuer> {
  const alg = options.alg ?? 'ES256';
  const now = options.now ?? Date.now;
  let seq = 0;
  let current: { kid: string; privateKey: CryptoKey; jwk: JWK };
  const makeKey = async () => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `key-${++seq}`;
    current = { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
  };
  await makeKey();
  const state = { fetches: 0 };
  const tokenRequests = { granted: 0, refused: [] as string[] };
  let signingIn: JWTPayload = {};
  /** Authorization requests waiting at the login page, and codes not yet redeemed. */
  const requests = new Map<string, Authorization>();
  const codes = new Map<string, Authorization>();
  const json = (response: ServerResponse, status: number, value: unknown) => {
    // the page calls discovery and the token endpoint from its own origin (CORS)
    response.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    response.end(JSON.stringify(value));
  };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', base);
    if (url.pathname === '/jwks') {
      state.fetches++;
      json(response, 200, { keys: [current.jwk] });
    } else if (url.pathname === '/.well-known/openid-configuration') {
      json(response, 200, {
        issuer: base,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: [alg],
      });
    } else if (url.pathname === '/authorize') authorize(url, response);
    else if (url.pathname === '/login' && request.method === 'POST')
      void formOf(request).then((form) => login(form, response));
    else if (url.pathname === '/token' && request.method === 'POST')
      void formOf(request).then((form) => redeem(form, response));
    else if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-headers': 'content-type, accept',
        'access-control-allow-methods': 'GET, POST',
      });
      response.end();
    } else response.writeHead(404).end();
  });
  /** The authorization endpoint: checks the request, then shows the login page. */
  const authorize = (url: URL, response: ServerResponse) => {
    const q = url.searchParams;
    const redirectUri = q.get('redirect_uri');
    const wrong =
      q.get('response_type') !== 'code'
        ? 'response_type must be code'
        : !q.get('client_id')
          ? 'client_id missing'
          : !redirectUri
            ? 'redirect_uri missing'
            : q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')
              ? 'PKCE with S256 required'
              : !q.get('state')
                ? 'state missing'
                : null;
    if (wrong) {
      response.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(html(escapeHtml(wrong)));
      return;
    }
    const id = randomBytes(16).toString('hex');
    requests.set(id, {
      clientId: q.get('client_id')!,
      redirectUri: redirectUri!,
      challenge: q.get('code_challenge')!,
      nonce: q.get('nonce'),
      claims: signingIn,
    });
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      html(
        `<form method="post" action="/login"><p id="idp-user">${escapeHtml(String(signingIn.name ?? signingIn.sub))}</p>` +
          `<input type="hidden" name="request" value="${id}"><input type="hidden" name="state" value="${escapeHtml(q.get('state')!)}">` +
          '<button id="idp-login" type="submit">登录</button></form>',
      ),
    );
  };
  /** The user confirmed: back to the client with a one-time code. */
  const login = (form: URLSearchParams, response: ServerResponse) => {
    const pending = requests.get(form.get('request') ?? '');
    if (!pending) {
      response.writeHead(400).end('unknown authorization request');
      return;
    }
    requests.delete(form.get('request')!);
    const code = randomBytes(16).toString('base64url');
    codes.set(code, pending);
    const back = new URL(pending.redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', form.get('state') ?? '');
    response.writeHead(302, { location: back.href }).end();
  };
  /** The token endpoint: the code once, for the same client and redirect URI, with the verifier of its challenge. */
  const redeem = async (form: URLSearchParams, response: ServerResponse) => {
    const grant = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const why =
      form.get('grant_type') !== 'authorization_code'
        ? 'grant_type must be authorization_code'
        : !grant
          ? 'unknown or used code'
          : grant.clientId !== form.get('client_id') || grant.redirectUri !== form.get('redirect_uri')
            ? 'client_id or redirect_uri differs from the authorization request'
            : createHash('sha256').update(verifier).digest('base64url') !== grant.challenge
              ? 'code_verifier does not match the code_challenge'
              : null;
    if (why || !grant) {
      tokenRequests.refused.push(why ?? 'unknown code');
      json(response, 400, { error: 'invalid_grant', error_description: why });
      return;
    }
    tokenRequests.granted++;
    const seconds = Math.floor(now() / 1000);
    const signed = (claims: JWTPayload) =>
      new SignJWT({ iss: base, iat: seconds, exp: seconds + 3600, ...claims })
        .setProtectedHeader({ alg, kid: current.kid })
        .sign(current.privateKey);
    json(response, 200, {
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: await signed({ aud: options.audience ?? 'reflow', ...grant.claims }),
      id_token: await signed({
        sub: grant.claims.sub,
        name: grant.claims.name,
        aud: grant.clientId,
        ...(grant.nonce ? { nonce: grant.nonce } : {}),
      }),
    });
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: base,
    jwksUrl: `${base}/jwks`,
    get kid() {
      return current.kid;
    },
    get fetches() {
      return state.fetches;
    },
    async sign(claims, signOptions = {}) {
      const seconds = Math.floor(now() / 1000);
      return new SignJWT({
        iss: base,
        aud: options.audience ?? 'reflow',
        iat: seconds,
        exp: seconds + 3600,
        ...claims,
      })
        .setProtectedHeader({ alg: signOptions.alg ?? alg, kid: signOptions.kid ?? current.kid })
        .sign(signOptions.key ?? current.privateKey);
    },
    rotate: makeKey,
    signInAs(claims) {
      signingIn = claims;
    },
    tokenRequests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
