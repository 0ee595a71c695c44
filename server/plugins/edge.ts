/**
 * The edge of the service, what keeps one client (or a crowd) from taking it down: timeouts and a connection cap
 * on the HTTP server, the security headers of @fastify/helmet with the Content-Security-Policy the modeler and
 * /docs work under, and rate limits per token and per address (@fastify/rate-limit: 429 problem+json with
 * Retry-After). Limits are per node.
 */
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../problems.js';

export interface EdgeOptions {
  /** Time a client has to send a request's headers (Node's headersTimeout); then 408 and the connection closes. */
  headersTimeoutMs: number;
  /** Time a client has to send a whole request, body included (requestTimeout); then 408 and closed. */
  requestTimeoutMs: number;
  /** How long a kept-alive connection may stay idle between requests. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: number;
  /** Requests a minute per bearer token (a known one); 0: no limit. */
  rateLimitPerToken: number;
  /** Requests a minute per client address, for requests without a known token; 0: no limit. */
  rateLimitPerAddress: number;
  /** The reverse proxies whose X-Forwarded-For names the client (addresses or CIDR ranges); false: none. */
  trustProxy: string | false;
}

/**
 * Generous: a limit is there to stop a runaway or hostile client, never a portal, a department or the benchmarks
 * (a few thousand requests a second from a handful of tokens). The keep-alive outlasts the 60 s idle timeout of
 * common reverse proxies (nginx's upstream keepalive_timeout), so the proxy, not Reflow, closes an idle connection
 * and never sends a request on one that is closing.
 */
export const EDGE_DEFAULTS: EdgeOptions = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 72_000,
  maxConnections: 2_000,
  rateLimitPerToken: 60_000,
  rateLimitPerAddress: 6_000,
  trustProxy: false,
};

/** The fastify options for the edge's timeouts and proxies. */
export function edgeServerOptions(edge: EdgeOptions): Pick<
  FastifyServerOptions,
  'requestTimeout' | 'keepAliveTimeout' | 'trustProxy'
> & {
  http: { headersTimeout: number; connectionsCheckingInterval: number };
} {
  return {
    // Node checks the headers and request timeouts every connectionsCheckingInterval (30 s by default)
    http: {
      headersTimeout: edge.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, edge.headersTimeoutMs),
    },
    requestTimeout: edge.requestTimeoutMs,
    keepAliveTimeout: edge.keepAliveTimeoutMs,
    trustProxy: edge.trustProxy === false ? false : edge.trustProxy,
  };
}

/** Connections past `max` are closed as they arrive (Node's maxConnections); logged at most once a minute. */
export function capConnections(app: FastifyInstance, max: number): void {
  app.server.maxConnections = max;
  let dropped = 0;
  let logged = 0;
  app.server.on('drop', () => {
    dropped++;
    if (Date.now() - logged < 60_000) return;
    app.log.warn(`${dropped} connection(s) refused: ${max} open already (REFLOW_MAX_CONNECTIONS)`);
    logged = Date.now();
    dropped = 0;
  });
}

/**
 * The Content-Security-Policy: everything from this origin only, no inline or evaluated script, no plugins,
 * not framed by other sites. Inline styles are allowed (bpmn-js, the properties panel and swagger-ui set style
 * attributes; the report opened from the modeler has a <style>), and data: and blob: images and fonts (the
 * bpmn.io logo, diagram exports). No upgrade-insecure-requests: a node on an intranet is reached over plain HTTP.
 */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'worker-src': ["'self'", 'blob:'],
};

/**
 * Helmet's settings; `connectSources` are origins the page may fetch from besides its own (the identity
 * provider's, when the browser signs in there: its discovery document and token endpoint).
 */
const helmetOptions = (connectSources: string[]): FastifyHelmetOptions => ({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      ...CONTENT_SECURITY_POLICY,
      'connect-src': [...CONTENT_SECURITY_POLICY['connect-src'], ...connectSources],
    },
  },
  // a year, this host only: other hosts of the domain may still be served over HTTP
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
});

/** Headers fastify sets itself, not helmet's. */
const OWN_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The headers @fastify/helmet sets, taken once from a probe instance: registered as such, the plugin rebuilds
 * helmet's middleware on every request, +31 µs of server CPU per request over HTTP against +8 µs for setting the
 * same headers (measured; the rate limit adds another 8 µs). The headers never change.
 */
async function helmetHeaders(connectSources: string[]): Promise<[string, string][]> {
  const probe = Fastify();
  await probe.register(fastifyHelmet, helmetOptions(connectSources));
  probe.get('/', async () => '');
  const response = await probe.inject('/');
  await probe.close();
  return Object.entries(response.headers)
    .filter(([name]) => !OWN_HEADERS.has(name))
    .map(([name, value]) => [name, String(value)]);
}

/** The bearer token of a request, when it has one. */
const bearerOf = (request: FastifyRequest): string | null => {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  return match ? match[1].trim() : null;
};

const MINUTE = 60_000;

/**
 * Security headers on every answer, then the rate limits; registered before authentication, so a 401 is
 * counted too (guessing tokens spends the address's allowance) and carries the headers.
 */
export const edgePlugin = fp(
  async (
    app: FastifyInstance,
    options: {
      edge: EdgeOptions;
      tokens: Iterable<string>;
      /** The caller a JWT verified earlier belongs to (its rate limit is the caller's, not the address's). */
      recall?: (token: string) => { token: string } | undefined;
      /** Origins the page may fetch from besides its own (the identity provider's). */
      connectSources?: string[];
    },
  ) => {
    const headers = await helmetHeaders(options.connectSources ?? []);
    app.addHook('onRequest', (_request, reply, done) => {
      for (const [name, value] of headers) reply.raw.setHeader(name, value);
      done();
    });

    const { rateLimitPerToken: perToken, rateLimitPerAddress: perAddress } = options.edge;
    if (perToken === 0 && perAddress === 0) return;
    const tokens = new Set(options.tokens);
    /**
     * `token …` for a known bearer token (a verified JWT by its issuer and subject), else `address …` (an IPv6
     * client by its /64, as providers hand them out).
     */
    const keyOf = (request: FastifyRequest): string => {
      const token = bearerOf(request);
      if (token !== null && tokens.has(token)) return `token ${token}`;
      const caller = token === null ? undefined : options.recall?.(token);
      return caller ? `token ${caller.token}` : `address ${normalizeIP(request.ip, 64)}`;
    };
    const isToken = (key: string) => key.startsWith('token ');
    await app.register(rateLimit, {
      global: false,
      timeWindow: MINUTE,
      cache: 20_000,
      keyGenerator: keyOf,
      max: (_request, key) => (isToken(key) ? perToken : perAddress),
      // health probes are never throttled (one `select 1` each)
      allowList: (request, key) =>
        request.routeOptions.url === '/healthz' || (isToken(key) ? perToken : perAddress) === 0,
      errorResponseBuilder: (request, context) => {
        const who = isToken(keyOf(request)) ? 'this token' : `the address ${request.ip}`;
        const whoZh = isToken(keyOf(request)) ? '此令牌' : `地址 ${request.ip}`;
        const retry = Math.ceil(context.ttl / 1000);
        const setting = isToken(keyOf(request)) ? 'REFLOW_RATE_LIMIT_TOKEN' : 'REFLOW_RATE_LIMIT_ADDRESS';
        return new Problem(429, 'rate-limited', 'Too many requests', {
          zh: `${whoZh}一分钟内发送的请求超过 ${context.max} 个（${setting}）：请 ${retry} 秒后重试（Retry-After）`,
          en: `${who} sent more than ${context.max} requests in a minute (${setting}); retry in ${retry} s (Retry-After)`,
        });
      },
    });
    app.addHook('onRequest', app.rateLimit());
  },
  { name: 'reflow-edge' },
);
