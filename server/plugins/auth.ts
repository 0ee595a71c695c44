/**
 * Bearer tokens and roles: each route declares which roles may call it (`config.roles`). A token is looked up
 * in the tokens file first, then, when an identity provider is configured, verified as a JWT
 * (server/auth/jwt.ts); both give the same identity (`request.principal`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { JwtRejected, type JwtVerifier, looksLikeJwt } from '../auth/jwt.js';
import type { Principal, Role } from '../auth/tokens.js';
import { Problem } from '../problems.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent: public. Admin is always allowed. */
    roles?: Role[] | 'any';
  }
}

const unknownToken = (reply: FastifyReply, detail: string): Problem => {
  reply.header('www-authenticate', 'Bearer realm="reflow", error="invalid_token"'); // RFC 6750 §3
  return new Problem(401, 'unauthenticated', 'Authentication required', detail);
};

export const authPlugin = fp(
  async (app: FastifyInstance, options: { principals: Principal[]; jwt?: JwtVerifier }) => {
    const byToken = new Map(options.principals.map((p) => [p.token, p]));
    const { jwt } = options;
    app.decorateRequest('principal', null);
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const roles = request.routeOptions.config?.roles;
      if (!roles) return;
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(.+)$/i.exec(header);
      if (!match)
        throw new Problem(
          401,
          'unauthenticated',
          'Authentication required',
          jwt
            ? 'send Authorization: Bearer <token> (a JWT of the identity provider, or a token of REFLOW_TOKENS_FILE)'
            : 'send Authorization: Bearer <token> (tokens are in REFLOW_TOKENS_FILE)',
        );
      const token = match[1].trim();
      let principal = byToken.get(token);
      if (!principal && jwt && looksLikeJwt(token)) {
        try {
          principal = jwt.recall(token) ?? (await jwt.verify(token));
        } catch (error) {
          if (error instanceof JwtRejected) throw unknownToken(reply, error.message);
          throw error;
        }
      }
      if (!principal) throw unknownToken(reply, 'the bearer token is not known');
      request.principal = principal;
      if (roles !== 'any' && !principal.roles.some((r) => r === 'admin' || roles.includes(r))) {
        throw new Problem(
          403,
          'forbidden',
          'Forbidden',
          `role '${principal.roles.join(', ')}' may not ${request.method} ${request.routeOptions.url}; allowed: ${['admin', ...roles].join(', ')}`,
        );
      }
    });
  },
);

/** The principal of an authenticated route. */
export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal)
    throw new Problem(401, 'unauthenticated', 'Authentication required', 'no principal');
  return request.principal;
};
