/**
 * Polling with ETags (the inbox and the supervision view refresh this way, README: 实时更新 / Live updates): a list's
 * ETag is a hash of its JSON; a request whose If-None-Match names it is answered 304 without a body.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The ETag of an answer: a SHA-1 of its JSON, quoted. */
export const etagOf = (body: unknown): string =>
  `"${createHash('sha1').update(JSON.stringify(body)).digest('base64url')}"`;

/**
 * Sends `body` with its ETag, or 304 when the caller already holds it (If-None-Match: one tag, a list, or `*`; a
 * tag a proxy marked weak, `W/"…"`, matches too, as RFC 9110 §13.1.2 compares for If-None-Match).
 */
export function sendWithEtag<T>(request: FastifyRequest, reply: FastifyReply, body: T): T | FastifyReply {
  const etag = etagOf(body);
  reply.header('etag', etag).header('cache-control', 'private, no-cache');
  const held = request.headers['if-none-match'];
  if (held && (held === '*' || held.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)))
    return reply.code(304).send();
  return body;
}

/** The 304 answer in a route's response schema. */
export const notModified = {
  304: { type: 'null', description: 'unchanged since the ETag sent in If-None-Match' },
} as const;
