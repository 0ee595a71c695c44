/**
 * The sign-in settings checked beyond their schemas (server/config.ts reads them): JWT sign-in's three settings
 * together or none, its claim mapping a JSON object, the JWKS over https; the browser's client only with JWT
 * sign-in, at an issuer the page can reach.
 */
import { type BrowserSignIn, ConfigError, SETTINGS, type SettingName } from '../config.js';
import { type ClaimMap, DEFAULT_CLAIMS, type JwtOptions } from './jwt.js';

/** The browser's sign-in: a client id needs JWT sign-in (its tokens are JWTs of that issuer); scopes need a client. */
export function browserSignInConfig(
  parsed: Record<string, unknown>,
  given: Partial<Record<SettingName, string>>,
  jwt: JwtOptions | undefined,
): BrowserSignIn | undefined {
  const clientId = parsed.REFLOW_OIDC_CLIENT_ID as string | undefined;
  const scopes = parsed.REFLOW_OIDC_SCOPES as string | undefined;
  const line = (name: SettingName, why: string) =>
    `配置错误 / invalid configuration: ${name}=${JSON.stringify(given[name])} is not allowed: ${why}`;
  if (clientId !== undefined && !jwt)
    throw new ConfigError([
      line(
        'REFLOW_OIDC_CLIENT_ID',
        'the browser signs in at the identity provider of JWT sign-in, which is off: set REFLOW_JWT_ISSUER, _AUDIENCE and _JWKS_URL too',
      ),
    ]);
  if (clientId === undefined) {
    if (scopes !== undefined)
      throw new ConfigError([
        line(
          'REFLOW_OIDC_SCOPES',
          "scopes of the browser's sign-in, which is off: set REFLOW_OIDC_CLIENT_ID too",
        ),
      ]);
    return undefined;
  }
  let issuer: URL | null = null;
  try {
    issuer = new URL(jwt!.issuer);
  } catch {}
  if (
    !issuer ||
    !(issuer.protocol === 'https:' || (issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname)))
  )
    throw new ConfigError([
      line(
        'REFLOW_OIDC_CLIENT_ID',
        `the browser finds the identity provider at REFLOW_JWT_ISSUER (${jwt!.issuer}/.well-known/openid-configuration), which must then be an https:// URL (http:// only on this machine)`,
      ),
    ]);
  return { issuer: jwt!.issuer, clientId, scopes: scopes ?? SETTINGS.REFLOW_OIDC_SCOPES.default };
}

const CLAIM_PARTS = Object.keys(DEFAULT_CLAIMS) as (keyof ClaimMap)[];
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The identity provider's settings, checked beyond their schemas: all three or none, claims a JSON object. */
export function jwtConfig(
  parsed: Record<string, unknown>,
  given: Partial<Record<SettingName, string>>,
): JwtOptions | undefined {
  const line = (name: SettingName, why: string) =>
    `配置错误 / invalid configuration: ${name}=${JSON.stringify(given[name])} is not allowed: ${why}`;
  const text = parsed.REFLOW_JWT_CLAIMS as string | undefined;
  let claims: Partial<ClaimMap> | undefined;
  if (text !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      value = (error as Error).message;
    }
    const bad =
      value === null || typeof value !== 'object' || Array.isArray(value)
        ? ['(not a JSON object)']
        : Object.entries(value).filter(
            ([k, v]) => !CLAIM_PARTS.includes(k as keyof ClaimMap) || typeof v !== 'string' || v === '',
          );
    if (bad.length > 0)
      throw new ConfigError([
        line(
          'REFLOW_JWT_CLAIMS',
          `${bad.map((b) => (Array.isArray(b) ? `'${b[0]}'` : b)).join(', ')}: expected ${SETTINGS.REFLOW_JWT_CLAIMS.allowed}`,
        ),
      ]);
    claims = value as Partial<ClaimMap>;
  }
  const issuer = parsed.REFLOW_JWT_ISSUER as string | undefined;
  const audience = parsed.REFLOW_JWT_AUDIENCE as string | undefined;
  const jwksUrl = parsed.REFLOW_JWT_JWKS_URL as string | undefined;
  const set = [issuer, audience, jwksUrl].filter((v) => v !== undefined).length;
  const lines: string[] = [];
  if (jwksUrl !== undefined) {
    let url: URL | null = null;
    try {
      url = new URL(jwksUrl);
    } catch {}
    if (!url)
      lines.push(line('REFLOW_JWT_JWKS_URL', `not a URL: expected ${SETTINGS.REFLOW_JWT_JWKS_URL.allowed}`));
    else if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname))
      lines.push(
        line(
          'REFLOW_JWT_JWKS_URL',
          'http:// is only allowed on this machine (localhost): the keys that sign staff in must come over https://',
        ),
      );
  }
  if (set > 0 && set < 3)
    lines.push(
      `配置错误 / invalid configuration: JWT sign-in needs REFLOW_JWT_ISSUER, REFLOW_JWT_AUDIENCE and REFLOW_JWT_JWKS_URL together; missing: ${[
        ['REFLOW_JWT_ISSUER', issuer],
        ['REFLOW_JWT_AUDIENCE', audience],
        ['REFLOW_JWT_JWKS_URL', jwksUrl],
      ]
        .filter(([, v]) => v === undefined)
        .map(([n]) => n)
        .join(', ')}`,
    );
  if (set === 0 && claims)
    lines.push(
      line(
        'REFLOW_JWT_CLAIMS',
        'it maps JWT claims, but JWT sign-in is off: set REFLOW_JWT_ISSUER, _AUDIENCE and _JWKS_URL too',
      ),
    );
  if (lines.length > 0) throw new ConfigError(lines);
  if (set === 0) return undefined;
  return { issuer: issuer!, audience: audience!, jwksUrl: jwksUrl!, ...(claims ? { claims } : {}) };
}
