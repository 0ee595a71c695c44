/**
 * Refuses input that no route can store or evaluate safely, before any route sees it, with a 400 naming the
 * field: text with NUL characters or unpaired UTF-16 surrogates (PostgreSQL text and jsonb cannot hold them),
 * numbers JSON.parse read as ±Infinity (1e400: the node would hold Infinity where the database keeps null),
 * JSON nested deeper than MAX_DEPTH (the engine, the hash chain and jsonb all recurse over variables), and
 * numbers in the path or query string outside PostgreSQL's integer range.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Text } from '../problem-text.js';
import { Problem } from '../problems.js';

/** Containers inside containers a JSON body may have (a form with nested groups needs a handful). */
export const MAX_DEPTH = 64;
const INT4_MAX = 2_147_483_647;

const wellFormed = (s: string): boolean =>
  !s.includes('\u0000') && (s as string & { isWellFormed(): boolean }).isWellFormed();

/** The first problem of a parsed value, iteratively (a hostile body must not exhaust the stack here either). */
function inspect(root: unknown, context: string): { field: string; message: Text } | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    const field = `${context}${path}`;
    if (typeof value === 'string') {
      if (!wellFormed(value))
        return {
          field,
          message: {
            zh: `字段 ${field} 含有 NUL 字符或不成对的 UTF-16 代理项：请删除这些字符`,
            en: `${field} holds a NUL character or an unpaired UTF-16 surrogate`,
          },
        };
      continue;
    }
    if (typeof value === 'number') {
      // JSON.parse reads 1e400 as Infinity, which JSON (and so the database) stores as null
      if (!Number.isFinite(value))
        return {
          field,
          message: {
            zh: `字段 ${field} 的数值超出双精度范围（±1.8e308）：请发送有限的数值`,
            en: `${field} is a number too large for a double (beyond ±1.8e308): send a finite number`,
          },
        };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH)
      return {
        field,
        message: {
          zh: `字段 ${field} 嵌套超过 ${MAX_DEPTH} 层：请发送层级更浅的数据`,
          en: `${field} is nested more than ${MAX_DEPTH} levels deep`,
        },
      };
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [String(i), v])
      : Object.entries(value);
    for (const [key, child] of entries) {
      if (!wellFormed(key))
        return {
          field: `${field}`,
          message: {
            zh: `字段 ${field} 的某个键含有 NUL 字符或不成对的 UTF-16 代理项：请改正键名`,
            en: `${field} has a key with a NUL character or an unpaired UTF-16 surrogate`,
          },
        };
      stack.push({ value: child, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return null;
}

const refuse = (problem: { field: string; message: Text }): Problem =>
  new Problem(400, 'invalid-request', 'The request is not valid', problem.message, [
    { field: problem.field.replace(/^\./, ''), message: problem.message },
  ]);

export const inputGuardPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    for (const [context, value] of [
      ['params', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const) {
      if (
        value === undefined ||
        value === null ||
        typeof value !== 'object' ||
        Buffer.isBuffer(value) ||
        typeof (value as { pipe?: unknown }).pipe === 'function'
      )
        continue;
      const found = inspect(value, context);
      if (found) throw refuse(found);
    }
  });
  // after validation has coerced them: ids, versions and limits are compared with int4 and int8 columns
  app.addHook('preHandler', async (request: FastifyRequest) => {
    for (const [context, value] of [
      ['params', request.params],
      ['querystring', request.query],
    ] as const) {
      if (!value || typeof value !== 'object') continue;
      for (const [key, v] of Object.entries(value)) {
        if (typeof v === 'number' && (!Number.isFinite(v) || Math.abs(v) > INT4_MAX)) {
          throw refuse({
            field: `${context}.${key}`,
            message: {
              zh: `${context}.${key} 须为 ${-INT4_MAX} 到 ${INT4_MAX} 之间的数`,
              en: `${context}.${key} must be a number between ${-INT4_MAX} and ${INT4_MAX}`,
            },
          });
        }
      }
    }
  });
});
