/**
 * JWT bearer tokens from the identity provider (统一身份认证, OIDC): verified against the provider's JWKS (fetched
 * again when a token names an unknown `kid`, at most once per cooldown, so keys rotate without a restart), its
 * issuer, audience and expiry (with a clock skew), asymmetric algorithms only (`none` and HS* are refused: a
 * JWKS publishes public keys). The claims are mapped to Reflow's identity by REFLOW_JWT_CLAIMS.
 */
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from 'jose';
import { type Principal, primaryRole, ROLES, type Role } from './tokens.js';

/** Which claim gives each part of the identity; a dotted name reads inside an object (`realm_access.roles`). */
export interface ClaimMap {
  userId: string;
  name: string;
  roles: string;
  department: string;
  lead: string;
}

export const DEFAULT_CLAIMS: ClaimMap = {
  userId: 'sub',
  name: 'name',
  roles: 'roles',
  department: 'department',
  lead: 'lead',
};

export interface JwtOptions {
  issuer: string;
  audience: string;
  jwksUrl: string;
  claims?: Partial<ClaimMap>;
  /** Seconds a token's exp/nbf/iat may be off (default 60). */
  clockSkewSeconds?: number;
  /** After a successful JWKS fetch, how long an unknown `kid` waits before the next fetch (default 30 s). */
  cooldownMs?: number;
  /** How long fetched keys are kept before they are fetched again anyway (default 10 min). */
  cacheMaxAgeMs?: number;
  /** The clock (injected in tests). */
  now?: () => number;
}

/** Asymmetric signatures only: the keys come from a public JWKS. */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** A token refused, with the reason in words (the 401's detail). */
export class JwtRejected extends Error {}

/** Whether a bearer token has the shape of a JWT (three base64url parts). */
export const looksLikeJwt = (token: string): boolean =>
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);

/** The claim a dotted name reads. */
function claimOf(payload: JWTPayload, name: string): unknown {
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Roles as providers send them: an array, or one string of names separated by spaces or commas. */
function rolesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

const MAX_REMEMBERED = 10_000;
/** A verified token is trusted again without its signature check for at most this long (and never past exp). */
const REMEMBER_MS = 60_000;

export class JwtVerifier {
  readonly claims: ClaimMap;
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;
  private readonly skew: number;
  private readonly now: () => number;
  /** Tokens verified recently: a client sends the same token with every request until it is refreshed. */
  private readonly remembered = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly options: JwtOptions) {
    this.claims = { ...DEFAULT_CLAIMS, ...options.claims };
    this.skew = options.clockSkewSeconds ?? 60;
    this.now = options.now ?? Date.now;
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: options.cooldownMs ?? 30_000,
      cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
      timeoutDuration: 5_000,
    });
  }

  /** The principal of a token verified in the last minute and not expired since (no signature check). */
  recall(token: string): Principal | undefined {
    const known = this.remembered.get(token);
    if (!known) return undefined;
    if (this.now() < known.until) return known.principal;
    this.remembered.delete(token);
    return undefined;
  }

  /** Verifies a token and maps its claims; a refused token throws JwtRejected naming why. */
  async verify(token: string): Promise<Principal> {
    const recalled = this.recall(token);
    if (recalled) return recalled;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: JWT_ALGORITHMS,
        clockTolerance: this.skew,
        currentDate: new Date(this.now()),
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new JwtRejected(this.why(error));
    }
    const principal = this.principalOf(payload);
    const exp = (payload.exp as number) * 1000 + this.skew * 1000;
    if (this.remembered.size >= MAX_REMEMBERED) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    this.remembered.set(token, { principal, until: Math.min(exp, this.now() + REMEMBER_MS) });
    return principal;
  }

  /** Forgets remembered tokens (tests; a key withdrawn at the provider stops its tokens within a minute anyway). */
  forget(): void {
    this.remembered.clear();
  }

  private why(error: unknown): string {
    if (error instanceof errors.JWTExpired) return 'the JWT has expired (exp is past): sign in again';
    if (error instanceof errors.JWTClaimValidationFailed) {
      if (error.claim === 'iss')
        return `the JWT's issuer (iss) is not REFLOW_JWT_ISSUER '${this.options.issuer}'`;
      if (error.claim === 'aud')
        return `the JWT's audience (aud) does not include REFLOW_JWT_AUDIENCE '${this.options.audience}'`;
      if (error.claim === 'nbf') return 'the JWT is not valid yet (nbf is in the future)';
      return `the JWT's claim '${error.claim}' is not acceptable (${error.reason}): ${error.message}`;
    }
    if (error instanceof errors.JOSEAlgNotAllowed)
      return `the JWT's algorithm is not allowed: sign with one of ${JWT_ALGORITHMS.join(', ')} (never none or HS*)`;
    if (error instanceof errors.JWKSNoMatchingKey)
      return `no key of the identity provider's JWKS (REFLOW_JWT_JWKS_URL) matches the JWT's kid and alg`;
    if (error instanceof errors.JWSSignatureVerificationFailed)
      return "the JWT's signature does not verify with the identity provider's key";
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
      return `the identity provider's JWKS could not be read (${(error as Error).message}): try again`;
    if (error instanceof errors.JOSEError) return `the JWT is not valid: ${(error as Error).message}`;
    return `the JWT could not be checked: ${(error as Error).message}`;
  }

  /** The principal the claims map to; a token without a user id or a usable role is refused. */
  principalOf(payload: JWTPayload): Principal {
    const c = this.claims;
    const userId = claimOf(payload, c.userId);
    if (typeof userId !== 'string' || userId === '')
      throw new JwtRejected(`the JWT has no user id in claim '${c.userId}' (REFLOW_JWT_CLAIMS.userId)`);
    const roles = ROLES.filter((r) => rolesOf(claimOf(payload, c.roles)).includes(r));
    const role = primaryRole(roles);
    if (!role)
      throw new JwtRejected(
        `the JWT's claim '${c.roles}' (REFLOW_JWT_CLAIMS.roles) names none of Reflow's roles ${ROLES.join(', ')}`,
      );
    const department = claimOf(payload, c.department);
    const hasDepartment = typeof department === 'string' && department !== '';
    if (roles.includes('department') && !hasDepartment)
      throw new JwtRejected(
        `the JWT has role department but no department in claim '${c.department}' (REFLOW_JWT_CLAIMS.department)`,
      );
    const name = claimOf(payload, c.name);
    const lead = claimOf(payload, c.lead);
    return {
      token: `jwt ${payload.iss} ${userId}`,
      role: role as Role,
      roles,
      userId,
      name: typeof name === 'string' && name !== '' ? name : userId,
      department: hasDepartment ? department : null,
      lead: roles.includes('department') && (lead === true || lead === 'true'),
    };
  }
}
