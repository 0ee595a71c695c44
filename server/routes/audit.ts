/** GET /api/audit/verify (auditor): checks the audit hash chains and the tables derived from them (审计校验). */
import type { FastifyInstance } from 'fastify';
import { sayNotDeployed, sayNoVersion } from '../problem-text.js';
import { Problem } from '../problems.js';
import { problemResponses } from './schemas.js';
import { typed } from './typed.js';

const brokenLinkSchema = {
  type: 'object',
  properties: {
    caseId: { type: 'string' },
    process: { type: 'string' },
    version: { type: 'integer' },
    seq: {
      type: ['integer', 'null'],
      description:
        'the audit event where the case breaks: the first bad or missing event of its chain, or the event a derived row contradicts; null for a row no event accounts for',
    },
    eventType: { type: ['string', 'null'] },
    kind: {
      type: 'string',
      enum: ['chain', 'head', 'case', 'variable', 'snapshot', 'step', 'task', 'timer'],
      description:
        '`variable`: a case variable in the engine state differs from what the audit events set; `snapshot`: another part of that state (status, times, trips, pending timers) does',
    },
    table: { type: 'string', enum: ['audit_events', 'cases', 'steps', 'tasks', 'timers'] },
    rowId: { type: 'string' },
    elementId: { type: 'string' },
    field: { type: 'string' },
    expected: { description: 'what the audit log says' },
    actual: { description: 'what the table holds' },
    message: { type: 'string' },
    more: { type: 'integer', description: 'further differences in the same case' },
  },
  required: ['caseId', 'process', 'version', 'seq', 'kind', 'table', 'message', 'more'],
} as const;

export const verifyReportSchema = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    scope: {
      type: 'object',
      properties: { caseId: { type: 'string' }, process: { type: 'string' }, version: { type: 'integer' } },
    },
    checkedCases: { type: 'integer' },
    checkedEvents: { type: 'integer' },
    unchainedCases: { type: 'integer', description: 'imported cases that carry no audit chain' },
    brokenCases: { type: 'integer' },
    broken: { type: 'array', items: brokenLinkSchema },
    truncated: { type: 'boolean', description: 'more cases are broken than listed (see brokenCases)' },
    publications: {
      type: 'object',
      description:
        'publications (发布) against the system audit log (unless one case is in scope): each publication row agrees with its definitionPublished entry and the chain recomputes',
      properties: {
        checked: { type: 'integer' },
        broken: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              publication: { type: ['integer', 'null'] },
              systemSeq: { type: ['integer', 'null'] },
              message: { type: 'string' },
            },
          },
        },
      },
    },
    durationMs: { type: 'integer' },
  },
  required: ['ok', 'checkedCases', 'checkedEvents', 'brokenCases', 'broken', 'truncated'],
} as const;

export async function auditRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { queries, definitions, records } = app.reflow;

  app.get(
    '/api/audit/verify',
    {
      config: { roles: ['auditor'] },
      schema: {
        tags: ['audit'],
        summary: '审计校验 / verify audit hash chains and the timing records derived from them',
        description:
          'Recomputes the hash chain of each case in scope (one case, a version, a process, or the whole database) from the genesis hash, checks the chain head on the case row, and checks the steps, tasks, timers and case rows and the engine state kept on the case (its variables, one by one, status, times, trips and pending timers) against the audit events. 200 with `ok: false` and, per broken case, its first broken link when anything was altered.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            caseId: { type: 'string', minLength: 1, maxLength: 100 },
            process: { type: 'string', minLength: 1, maxLength: 200 },
            version: { type: 'integer', minimum: 1 },
            limit: {
              type: 'integer',
              minimum: 0,
              maximum: 1000,
              default: 100,
              description: 'broken cases to list',
            },
          },
        },
        response: { 200: verifyReportSchema, ...problemResponses },
      },
    },
    async (request) => {
      const q = request.query;
      if (q.version !== undefined && q.process === undefined) {
        throw new Problem(
          400,
          'invalid-request',
          'The request is not valid',
          { zh: '给出 version 时须同时给出 process', en: 'version needs process' },
          [
            {
              field: 'querystring.version',
              message: { zh: '请同时给出 process', en: 'give process with version' },
            },
          ],
        );
      }
      if (q.caseId !== undefined) {
        await queries.requireCase(q.caseId);
      } else if (q.process !== undefined) {
        if ((await definitions.idOf(q.process, q.version)) === undefined) {
          throw new Problem(
            404,
            'not-found',
            'Not found',
            q.version === undefined ? sayNotDeployed(q.process) : sayNoVersion(q.process, q.version),
          );
        }
      }
      const scope = {
        ...(q.caseId !== undefined ? { caseId: q.caseId } : {}),
        ...(q.process !== undefined ? { process: q.process } : {}),
        ...(q.version !== undefined ? { version: q.version } : {}),
      };
      const report = await records.verify(scope, q.limit);
      if (!report.ok)
        request.log.warn(
          { brokenCases: report.brokenCases, first: report.broken[0] },
          'audit verification found broken cases',
        );
      return report;
    },
  );
}
