/** Bearer tokens and roles: each route declares which roles may call it (`config.roles`). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
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

export const authPlugin = fp(async (app: FastifyInstance, options: { principals: Principal[] }) => {
  const byToken = new Map(options.principals.map((p) => [p.token, p]));
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
        'send Authorization: Bearer <token> (tokens are in REFLOW_TOKENS_FILE)',
      );
    const principal = byToken.get(match[1].trim());
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="reflow", error="invalid_token"'); // RFC 6750 §3
      throw new Problem(401, 'unauthenticated', 'Authentication required', 'the bearer token is not known');
    }
    request.principal = principal;
    if (roles !== 'any' && principal.role !== 'admin' && !roles.includes(principal.role)) {
      throw new Problem(
        403,
        'forbidden',
        'Forbidden',
        `role '${principal.role}' may not ${request.method} ${request.routeOptions.url}; allowed: ${['admin', ...roles].join(', ')}`,
      );
    }
  });
});

/** The principal of an authenticated route. */
export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal)
    throw new Problem(401, 'unauthenticated', 'Authentication required', 'no principal');
  return request.principal;
};
