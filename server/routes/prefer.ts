/**
 * `Prefer: return=minimal` (RFC 7240) on the commands that answer with a case (task completion, case start):
 * the answer is the case's id, status and open tasks only (`minimalCaseSchema`), with
 * `Preference-Applied: return=minimal`. Without it, or with `return=representation`, the answer is the whole case.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CaseAnswer, caseView, minimalCaseView } from '../cases/case-view.js';
import { minimalCaseSchema } from './schemas.js';

/**
 * The `return` preference of a `Prefer` header (several headers arrive joined by commas): `minimal`,
 * `representation`, or undefined without one. Names and values are case-insensitive, a value may be quoted,
 * and a preference's parameters (after `;`) are ignored; the first `return` preference counts (RFC 7240 §2).
 */
export function returnPreference(
  header: string | string[] | undefined,
): 'minimal' | 'representation' | undefined {
  if (header === undefined) return undefined;
  for (const preference of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [name, value = ''] = preference.split(';')[0].split('=');
    if (name.trim().toLowerCase() !== 'return') continue;
    const token = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (token === 'minimal' || token === 'representation') return token;
  }
  return undefined;
}

/** The OpenAPI description of the preference, on each route that honours it. */
export const PREFER_MINIMAL =
  'With `Prefer: return=minimal` (RFC 7240) the answer is the case’s `id`, `status` and `openTasks` only, with `Preference-Applied: return=minimal`; without it, or with `return=representation`, the whole case.';

/** How a command route has the service show the case it left: minimal under `Prefer: return=minimal`. */
export function caseAnswerFor(request: FastifyRequest): CaseAnswer<object> {
  return returnPreference(request.headers.prefer) === 'minimal' ? minimalCaseView : caseView;
}

/**
 * Once the command landed: a minimal answer is serialized by its own schema, and `Preference-Applied` says the
 * preference was honoured (set only now, so an error answer is a problem document as ever).
 */
export function answeredWith<T>(reply: FastifyReply, answer: CaseAnswer<object>, view: T): T {
  if (answer === minimalCaseView) {
    reply.header('preference-applied', 'return=minimal');
    reply.serializer(reply.compileSerializationSchema(minimalCaseSchema));
  }
  return view;
}
