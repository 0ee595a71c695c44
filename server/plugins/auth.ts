/**
 * Bearer tokens and roles: each route declares which roles may call it (`config.roles`). A token is looked up
 * in the tokens file first, then, when an identity provider is configured, verified as a JWT
 * (server/auth/jwt.ts); both give the same identity (`request.principal`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { JwtRejected, type JwtVerifier, looksLikeJwt } from '../auth/jwt.js';
import type { Principal, Role } from '../auth/tokens.js';
import type { Detail } from '../problem-text.js';
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

const unknownToken = (reply: FastifyReply, detail: Detail): Problem => {
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
            ? {
                zh: '请求未带令牌：请发送 Authorization: Bearer <令牌>（统一身份认证的 JWT，或 REFLOW_TOKENS_FILE 中的令牌）',
                en: 'send Authorization: Bearer <token> (a JWT of the identity provider, or a token of REFLOW_TOKENS_FILE)',
              }
            : {
                zh: '请求未带令牌：请发送 Authorization: Bearer <令牌>（令牌在 REFLOW_TOKENS_FILE 中）',
                en: 'send Authorization: Bearer <token> (tokens are in REFLOW_TOKENS_FILE)',
              },
        );
      const token = match[1].trim();
      let principal = byToken.get(token);
      if (!principal && jwt && looksLikeJwt(token)) {
        try {
          principal = jwt.recall(token) ?? (await jwt.verify(token));
        } catch (error) {
          if (error instanceof JwtRejected)
            throw unknownToken(reply, {
              zh: `令牌未通过验证（${error.message}）：请重新登录`,
              en: error.message,
            });
          throw error;
        }
      }
      if (!principal)
        throw unknownToken(reply, {
          zh: '令牌无效：请核对右上角输入的 API 令牌',
          en: 'the bearer token is not known',
        });
      request.principal = principal;
      if (roles !== 'any' && !principal.roles.some((r) => r === 'admin' || roles.includes(r))) {
        throw new Problem(403, 'forbidden', 'Forbidden', {
          zh: `角色“${principal.roles.join('、')}”无权 ${request.method} ${request.routeOptions.url}；可以的角色：${['admin', ...roles].join('、')}`,
          en: `role '${principal.roles.join(', ')}' may not ${request.method} ${request.routeOptions.url}; allowed: ${['admin', ...roles].join(', ')}`,
        });
      }
    });
  },
);

/** The principal of an authenticated route. */
export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal)
    throw new Problem(401, 'unauthenticated', 'Authentication required', {
      zh: '未登录：请先提供 API 令牌',
      en: 'no principal',
    });
  return request.principal;
};
