/**
 * The server's configuration: every environment variable of the README's table, parsed and checked once, at start
 * (env-schema: one JSON schema, coerced by ajv). A bad value stops the server with one line per variable naming it,
 * its value and what is allowed; an empty value counts as unset.
 */
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import envSchema from 'env-schema';
import type { JwtOptions } from './auth/jwt.js';
import { browserSignInConfig, jwtConfig } from './auth/sign-in-config.js';
import { EDGE_DEFAULTS, type EdgeOptions } from './plugins/edge.js';

/** One setting: its JSON schema (the value after coercion), what is allowed in words, and its default. */
interface Setting {
  schema: Record<string, unknown>;
  allowed: string;
  default?: string;
}

const whole = (minimum: number, maximum: number, unit: string): Setting => ({
  schema: { type: 'integer', minimum, maximum },
  allowed: `a whole number ${unit}from ${minimum} to ${maximum}`,
});
const path: Setting = { schema: { type: 'string' }, allowed: 'a file system path' };

/** The environment the server reads (README, 配置 / Configuration). */
export const SETTINGS = {
  PORT: { ...whole(0, 65_535, ''), default: '3000' },
  HOST: {
    schema: { type: 'string', pattern: '^[^\\s/]+$' },
    allowed: 'a host name or IP address to listen on, without scheme or port',
    default: '127.0.0.1',
  },
  DATABASE_URL: {
    schema: { type: 'string', pattern: '^postgres(ql)?://' },
    allowed:
      'a PostgreSQL connection string starting with postgres:// or postgresql:// (unset: embedded PGlite)',
  },
  REFLOW_DATA_DIR: { ...path, default: './data' },
  REFLOW_TOKENS_FILE: path,
  REFLOW_PROCESSES_DIR: { ...path, default: './processes' },
  REFLOW_TIMER_POLL_MS: { ...whole(10, 3_600_000, 'of milliseconds '), default: '1000' },
  REFLOW_CASE_CACHE: { ...whole(0, 10_000_000, 'of cases '), default: '5000' },
  REFLOW_STEP_BUDGET: { ...whole(1, 10_000_000, 'of element activations per command '), default: '10000' },
  REFLOW_COMMAND_CPU_MS: { ...whole(0, 600_000, 'of milliseconds (0: no limit) '), default: '500' },
  REFLOW_TIMER_ATTEMPTS: { ...whole(1, 1000, 'of attempts '), default: '5' },
  REFLOW_MESSAGE_TTL_SECONDS: {
    ...whole(0, 31_536_000, 'of seconds (0: not kept) '),
    default: '3600',
  },
  REFLOW_WARN_AT: {
    schema: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    allowed: 'a share of the time limit between 0 and 1 (exclusive), e.g. 0.8 for a yellow card at 80%',
    default: '0.8',
  },
  REFLOW_WEBHOOK_TIMEOUT_MS: { ...whole(100, 120_000, 'of milliseconds '), default: '10000' },
  REFLOW_WEBHOOK_ATTEMPTS: { ...whole(1, 100, 'of attempts '), default: '10' },
  REFLOW_WEBHOOK_RETRY_MS: { ...whole(10, 3_600_000, 'of milliseconds '), default: '1000' },
  REFLOW_SHUTDOWN_GRACE_MS: { ...whole(1000, 600_000, 'of milliseconds '), default: '10000' },
  LOG_LEVEL: {
    schema: { type: 'string', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    allowed: 'one of fatal, error, warn, info, debug, trace, silent',
    default: 'info',
  },
  REFLOW_RECTIFICATION_DAYS: { ...whole(1, 365, 'of working days '), default: '5' },
  REFLOW_DEFAULT_RATING_DAYS: { ...whole(1, 365, 'of days '), default: '7' },
  REFLOW_DEFAULT_RATING_LEVEL: { ...whole(1, 5, '(a rating level) '), default: '3' },
  REFLOW_SEED_DEMO: {
    schema: { type: 'string', enum: ['true', 'false', '1', '0', 'yes', 'no'] },
    allowed: 'true or false (also 1/0, yes/no); unset: true on the embedded database, false on PostgreSQL',
  },
  // the edge (server/plugins/edge.ts): rate limits, timeouts, connection cap, reverse proxies
  REFLOW_RATE_LIMIT_TOKEN: {
    ...whole(0, 100_000_000, 'of requests a minute (0: no limit) '),
    default: String(EDGE_DEFAULTS.rateLimitPerToken),
  },
  REFLOW_RATE_LIMIT_ADDRESS: {
    ...whole(0, 100_000_000, 'of requests a minute (0: no limit) '),
    default: String(EDGE_DEFAULTS.rateLimitPerAddress),
  },
  REFLOW_HEADERS_TIMEOUT_MS: {
    ...whole(1000, 600_000, 'of milliseconds '),
    default: String(EDGE_DEFAULTS.headersTimeoutMs),
  },
  REFLOW_REQUEST_TIMEOUT_MS: {
    ...whole(1000, 3_600_000, 'of milliseconds '),
    default: String(EDGE_DEFAULTS.requestTimeoutMs),
  },
  REFLOW_KEEP_ALIVE_TIMEOUT_MS: {
    ...whole(1000, 600_000, 'of milliseconds '),
    default: String(EDGE_DEFAULTS.keepAliveTimeoutMs),
  },
  REFLOW_MAX_CONNECTIONS: {
    ...whole(16, 1_000_000, 'of connections '),
    default: String(EDGE_DEFAULTS.maxConnections),
  },
  REFLOW_TRUST_PROXY: {
    schema: { type: 'string', pattern: '^[^\\s,]+(\\s*,\\s*[^\\s,]+)*$' },
    allowed:
      'the addresses or CIDR ranges of the reverse proxies in front, comma-separated (e.g. 10.0.0.5,10.1.0.0/16; also loopback, linklocal, uniquelocal)',
  },
  // JWT sign-in through the identity provider (server/auth/jwt.ts): the first three set together, or none
  REFLOW_JWT_ISSUER: {
    schema: { type: 'string', pattern: '^\\S+$' },
    allowed: "the identity provider's issuer (the JWT's iss), e.g. https://id.example.gov.cn/realms/staff",
  },
  REFLOW_JWT_AUDIENCE: {
    schema: { type: 'string', pattern: '^\\S+$' },
    allowed: "the audience Reflow's tokens carry (the JWT's aud), e.g. reflow",
  },
  REFLOW_JWT_JWKS_URL: {
    schema: { type: 'string', pattern: '^https?://\\S+$' },
    allowed:
      "the URL of the identity provider's JWKS (https://…; http:// only on this machine), e.g. https://id.example.gov.cn/realms/staff/protocol/openid-connect/certs",
  },
  REFLOW_JWT_CLAIMS: {
    schema: { type: 'string' },
    allowed:
      'a JSON object naming the claim of each of userId, name, roles, department, lead (defaults sub, name, roles, department, lead; a dotted name reads inside an object, e.g. {"roles":"realm_access.roles"})',
  },
  // the browser app's sign-in (modeler/src/api/oidc.ts): authorization code + PKCE at REFLOW_JWT_ISSUER
  REFLOW_OIDC_CLIENT_ID: {
    schema: { type: 'string', pattern: '^\\S+$' },
    allowed:
      "the browser app's client id at the identity provider (a public client: authorization code with PKCE, no secret), e.g. reflow-web",
  },
  REFLOW_OIDC_SCOPES: {
    schema: { type: 'string', pattern: '^(\\S+ )*openid( \\S+)*$' },
    allowed: 'the scopes the browser asks for, separated by single spaces, openid among them',
    default: 'openid profile',
  },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

/** A configuration the server refuses to start with: one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
  }
}

/** The configuration as the server uses it. */
export interface ServerConfig {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  tokensFile: string;
  processesDir: string;
  pollMs?: number;
  caseCache?: number;
  /** What one command may spend: element activations and CPU ms (0: no CPU limit). */
  stepBudget?: number;
  commandCpuMs?: number;
  /** Attempts to fire a timer before its case gets an incident. */
  timerAttempts?: number;
  /** How long a message a case sent is kept when nothing waits for it (0: recorded undelivered at once). */
  messageTtlSeconds?: number;
  /** The share of a time limit used at which a yellow card is raised when the model does not say. */
  warnAt?: number;
  /** Webhook deliveries: how long one POST may take, attempts before failed, the first retry's pause. */
  webhookTimeoutMs?: number;
  webhookAttempts?: number;
  webhookRetryMs?: number;
  /** The longest a shutdown on SIGTERM/SIGINT takes (server/shutdown.ts). */
  shutdownGraceMs: number;
  logLevel: string;
  rectificationDays?: number;
  defaultRatingDays?: number;
  defaultRatingLevel?: number;
  /** Unset: the caller's default (demo history on the embedded database only). */
  seedDemo?: boolean;
  /** Rate limits, timeouts, connection cap, reverse proxies (REFLOW_RATE_LIMIT_*, REFLOW_*_TIMEOUT_MS…). */
  edge: EdgeOptions;
  /** JWT sign-in through the identity provider (REFLOW_JWT_*); unset: the tokens file only. */
  jwt?: JwtOptions;
  /** The browser app's sign-in at the identity provider (REFLOW_OIDC_*); unset: pasted tokens only. */
  browserSignIn?: BrowserSignIn;
}

/** What the browser needs to sign in at the identity provider (GET /api/auth/config). */
export interface BrowserSignIn {
  issuer: string;
  clientId: string;
  scopes: string;
}

/** The set variables of `env` among the settings, as given (empty counts as unset). */
function setValues(env: NodeJS.ProcessEnv): Partial<Record<SettingName, string>> {
  const values: Partial<Record<SettingName, string>> = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const value = env[name];
    if (value !== undefined && value !== '') values[name] = value;
  }
  return values;
}

/** Reads and checks the environment; throws a ConfigError naming every bad variable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const given = setValues(env);
  const properties = Object.fromEntries(Object.entries(SETTINGS).map(([name, s]) => [name, s.schema]));
  let parsed: Record<string, unknown>;
  try {
    parsed = envSchema({ schema: { type: 'object', properties }, data: { ...given }, env: false });
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string }[] }).errors;
    if (!errors) throw error;
    const names = [...new Set(errors.map((e) => e.instancePath.slice(1) as SettingName))];
    throw new ConfigError(
      names.map((name) => {
        const setting: Setting = SETTINGS[name];
        const fallback = setting.default ? `; unset it for the default ${setting.default}` : '; or unset it';
        return `配置错误 / invalid configuration: ${name}=${JSON.stringify(given[name])} is not allowed: expected ${setting.allowed}${fallback}`;
      }),
    );
  }
  const number = (name: SettingName) => parsed[name] as number | undefined;
  const dataDir = resolve((parsed.REFLOW_DATA_DIR as string | undefined) ?? './data');
  const seed = parsed.REFLOW_SEED_DEMO as string | undefined;
  const jwt = jwtConfig(parsed, given);
  return {
    port: number('PORT') ?? 3000,
    host: (parsed.HOST as string | undefined) ?? '127.0.0.1',
    databaseUrl: parsed.DATABASE_URL as string | undefined,
    dataDir,
    tokensFile: resolve((parsed.REFLOW_TOKENS_FILE as string | undefined) ?? join(dataDir, 'tokens.json')),
    processesDir: resolve((parsed.REFLOW_PROCESSES_DIR as string | undefined) ?? 'processes'),
    pollMs: number('REFLOW_TIMER_POLL_MS'),
    caseCache: number('REFLOW_CASE_CACHE'),
    stepBudget: number('REFLOW_STEP_BUDGET'),
    commandCpuMs: number('REFLOW_COMMAND_CPU_MS'),
    timerAttempts: number('REFLOW_TIMER_ATTEMPTS'),
    messageTtlSeconds: number('REFLOW_MESSAGE_TTL_SECONDS'),
    warnAt: number('REFLOW_WARN_AT'),
    webhookTimeoutMs: number('REFLOW_WEBHOOK_TIMEOUT_MS'),
    webhookAttempts: number('REFLOW_WEBHOOK_ATTEMPTS'),
    webhookRetryMs: number('REFLOW_WEBHOOK_RETRY_MS'),
    shutdownGraceMs: number('REFLOW_SHUTDOWN_GRACE_MS') ?? 10_000,
    logLevel: (parsed.LOG_LEVEL as string | undefined) ?? 'info',
    rectificationDays: number('REFLOW_RECTIFICATION_DAYS'),
    defaultRatingDays: number('REFLOW_DEFAULT_RATING_DAYS'),
    defaultRatingLevel: number('REFLOW_DEFAULT_RATING_LEVEL'),
    seedDemo: seed === undefined ? undefined : ['true', '1', 'yes'].includes(seed),
    edge: edgeConfig(parsed, given),
    jwt,
    browserSignIn: browserSignInConfig(parsed, given, jwt),
  };
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address or CIDR range proxy-addr takes (`10.0.0.0/8`, `::1`), or one of its names. */
function isProxy(item: string): boolean {
  if (PROXY_NAMES.has(item)) return true;
  const [address, bits, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/** The edge settings, checked beyond their schemas: proxies that are addresses, headers within the request. */
function edgeConfig(
  parsed: Record<string, unknown>,
  given: Partial<Record<SettingName, string>>,
): EdgeOptions {
  const number = (name: SettingName, fallback: number) => (parsed[name] as number | undefined) ?? fallback;
  const proxies = (parsed.REFLOW_TRUST_PROXY as string | undefined)?.split(',').map((p) => p.trim());
  const edge: EdgeOptions = {
    rateLimitPerToken: number('REFLOW_RATE_LIMIT_TOKEN', EDGE_DEFAULTS.rateLimitPerToken),
    rateLimitPerAddress: number('REFLOW_RATE_LIMIT_ADDRESS', EDGE_DEFAULTS.rateLimitPerAddress),
    headersTimeoutMs: number('REFLOW_HEADERS_TIMEOUT_MS', EDGE_DEFAULTS.headersTimeoutMs),
    requestTimeoutMs: number('REFLOW_REQUEST_TIMEOUT_MS', EDGE_DEFAULTS.requestTimeoutMs),
    keepAliveTimeoutMs: number('REFLOW_KEEP_ALIVE_TIMEOUT_MS', EDGE_DEFAULTS.keepAliveTimeoutMs),
    maxConnections: number('REFLOW_MAX_CONNECTIONS', EDGE_DEFAULTS.maxConnections),
    trustProxy: proxies ? proxies.join(',') : EDGE_DEFAULTS.trustProxy,
  };
  const lines: string[] = [];
  const bad = proxies?.filter((p) => !isProxy(p)) ?? [];
  if (bad.length > 0)
    lines.push(
      `配置错误 / invalid configuration: REFLOW_TRUST_PROXY=${JSON.stringify(given.REFLOW_TRUST_PROXY)} is not allowed: ${bad.map((b) => `'${b}'`).join(', ')} is not an IP address or CIDR range; expected ${SETTINGS.REFLOW_TRUST_PROXY.allowed}; or unset it`,
    );
  if (edge.headersTimeoutMs > edge.requestTimeoutMs)
    lines.push(
      `配置错误 / invalid configuration: REFLOW_HEADERS_TIMEOUT_MS=${edge.headersTimeoutMs} is longer than REFLOW_REQUEST_TIMEOUT_MS=${edge.requestTimeoutMs}: the headers are part of the request; make it at most the request timeout`,
    );
  if (lines.length > 0) throw new ConfigError(lines);
  return edge;
}
