/**
 * Signing in at the identity provider (统一身份认证) with the authorization code flow and PKCE, written against
 * the specs (OpenID Connect Core 1.0 §3.1, Discovery 1.0, RFC 7636) — the browser is a public client, no secret:
 *
 * 1. `beginSignIn`: read the provider's discovery document, keep a random `state`, `nonce` and code verifier in
 *    sessionStorage, and go to its authorization endpoint with the verifier's S256 challenge.
 * 2. The provider sends the browser back to this page with `?code=…&state=…` (or `?error=…`).
 * 3. `completeSignIn`: check the state, redeem the code with the verifier at the token endpoint, check the ID
 *    token's nonce, issuer and audience (it came straight from the token endpoint, so its signature is the
 *    server's to check, Core §3.1.3.7), and hand back the token Reflow's API accepts: the access token when it
 *    is a JWT, else the ID token. The server verifies it against the JWKS like any JWT (server/auth/jwt.ts).
 *
 * No DOM here: storage, fetch and navigation are passed in, so the flow is tested in Node
 * (test/modeler/oidc-flow.test.ts) and end to end in Chromium (test/modeler/oidc-sign-in.test.ts).
 */

/** What GET /api/auth/config tells the page (null: paste an API token). */
export interface SignInConfig {
  issuer: string;
  clientId: string;
  scopes: string;
}

/** The endpoints of the provider's discovery document that the flow uses. */
export interface ProviderEndpoints {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
}

/** What is kept between leaving for the provider and coming back. */
interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  issuer: string;
  clientId: string;
  redirectUri: string;
  tokenEndpoint: string;
  /** The view the user was on (`#/inbox`), restored after the return. */
  hash: string;
}

export const PENDING_KEY = 'reflow.oidc.pending';

/**
 * A sign-in that failed: `message` is the English text (a key of the Chinese dictionary, with `{detail}`), the
 * page translates it.
 */
export class SignInError extends Error {
  constructor(
    readonly key: string,
    readonly detail = '',
  ) {
    super(key.replace('{detail}', detail));
  }
}

type Fetch = (url: string, init?: RequestInit) => Promise<Response>;
type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** 32 random bytes, base64url: 43 characters of the unreserved set (a valid code verifier, RFC 7636 §4.1). */
export function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge of a verifier: base64url(SHA-256(ASCII(verifier))) (RFC 7636 §4.2). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The provider's discovery document; its `issuer` must be the configured one (Discovery §4.3). */
export async function discover(issuer: string, fetcher: Fetch = fetch): Promise<ProviderEndpoints> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let document: Partial<ProviderEndpoints>;
  try {
    const response = await fetcher(url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    document = (await response.json()) as Partial<ProviderEndpoints>;
  } catch (error) {
    throw new SignInError(
      'The identity provider cannot be reached: {detail}',
      `${url}: ${(error as Error).message}`,
    );
  }
  if (document.issuer !== issuer)
    throw new SignInError(
      'The identity provider answered for another issuer: {detail}',
      `${document.issuer} ≠ ${issuer}`,
    );
  if (typeof document.authorization_endpoint !== 'string' || typeof document.token_endpoint !== 'string')
    throw new SignInError(
      'The identity provider answered for another issuer: {detail}',
      `${url}: no endpoints`,
    );
  return document as ProviderEndpoints;
}

/**
 * Prepares the sign-in and answers the URL of the provider's authorization endpoint to go to. `page` is where
 * the provider sends the browser back (this page, without query or hash) and the hash to come back to.
 */
export async function beginSignIn(
  config: SignInConfig,
  page: { redirectUri: string; hash: string },
  storage: KeyValueStore,
  fetcher: Fetch = fetch,
): Promise<string> {
  const provider = await discover(config.issuer, fetcher);
  const pending: Pending = {
    state: randomToken(),
    nonce: randomToken(),
    verifier: randomToken(),
    issuer: config.issuer,
    clientId: config.clientId,
    redirectUri: page.redirectUri,
    tokenEndpoint: provider.token_endpoint,
    hash: page.hash,
  };
  storage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(provider.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', page.redirectUri);
  url.searchParams.set('scope', config.scopes);
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', await codeChallenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return url.href;
}

/** The claims of a JWT's payload, unverified (null: not a JWT). */
export function jwtClaims(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Finishes a sign-in when the page's query is the provider's answer (`code` and `state`, or `error`): answers
 * the token for the API and the hash to return to; null when the query is no such answer.
 */
export async function completeSignIn(
  search: string,
  storage: KeyValueStore,
  fetcher: Fetch = fetch,
): Promise<{ token: string; hash: string } | null> {
  const query = new URLSearchParams(search);
  const state = query.get('state');
  if (state === null || (!query.has('code') && !query.has('error'))) return null;
  const saved = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY); // one use: a reloaded callback does not redeem the code again
  const pending = saved ? (JSON.parse(saved) as Pending) : null;
  if (!pending || pending.state !== state)
    throw new SignInError('The sign-in answer does not belong to this page (state differs): sign in again');
  const error = query.get('error');
  if (error !== null)
    throw new SignInError(
      'The identity provider refused the sign-in: {detail}',
      [error, query.get('error_description')].filter(Boolean).join(': '),
    );
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: query.get('code')!,
    redirect_uri: pending.redirectUri,
    client_id: pending.clientId,
    code_verifier: pending.verifier,
  });
  let answer: { access_token?: string; id_token?: string; error?: string; error_description?: string };
  try {
    const response = await fetcher(pending.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
    });
    answer = (await response.json()) as typeof answer;
    if (!response.ok)
      throw new Error([answer.error ?? response.status, answer.error_description].filter(Boolean).join(': '));
  } catch (e) {
    throw new SignInError('The identity provider refused the sign-in: {detail}', (e as Error).message);
  }
  const id = answer.id_token ? jwtClaims(answer.id_token) : null;
  if (answer.id_token) {
    const audience = id?.aud;
    const audiences = Array.isArray(audience) ? audience : [audience];
    if (
      !id ||
      id.nonce !== pending.nonce ||
      id.iss !== pending.issuer ||
      !audiences.includes(pending.clientId)
    )
      throw new SignInError('The ID token is not for this sign-in (nonce, issuer or audience differs)');
  }
  const access = answer.access_token && jwtClaims(answer.access_token) ? answer.access_token : undefined;
  const token = access ?? answer.id_token;
  if (!token) throw new SignInError('The identity provider answered no JWT (access_token or id_token)');
  return { token, hash: pending.hash };
}
