/** Cases: start (intake), read, list, messages, cancel (admin), audit events. */

import { hash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../plugins/auth.js';
import { answeredWith, caseAnswerFor, PREFER_MINIMAL } from './prefer.js';
import {
  caseSchema,
  caseSummarySchema,
  caseWithLinksSchema,
  problemResponses,
  variablesSchema,
} from './schemas.js';
import { typed } from './typed.js';

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['id'],
} as const;
const channelSchema = { type: 'string', enum: ['online', 'window', 'app', 'sms', 'phone', 'mail'] } as const;

/**
 * A client's Idempotency-Key as stored: SHA-256 over the principal's whole token and the key, so two callers'
 * keys never meet and the table holds no token text (the token's length first: no token/key split collides).
 */
export const storedIdempotencyKey = (token: string, key: string): string =>
  hash('sha256', `reflow-idempotency-key\n${token.length}:${token}${key}`, 'hex');

export async function caseRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { cases: service, queries } = app.reflow;

  app.post(
    '/api/cases',
    {
      config: { roles: ['intake'] },
      schema: {
        tags: ['cases'],
        summary: '受理：发起办件 / start a case',
        description:
          'A `businessKey` names one case of a process: a second start with it is a 409 naming the case that has it. With an `Idempotency-Key` header (kept per caller: per bearer token), the same key and body again return the first case (200); the same key with another body is a 422 naming the key. Numbers must be finite: 1e400 is a 400 naming the field. ' +
          PREFER_MINIMAL,
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['process'],
          properties: {
            process: { type: 'string', minLength: 1, maxLength: 200 },
            version: { type: 'integer', minimum: 1 },
            businessKey: { type: 'string', minLength: 1, maxLength: 200 },
            variables: variablesSchema,
            materials: {
              type: 'array',
              items: { type: 'string', minLength: 1, maxLength: 200 },
              maxItems: 500,
              uniqueItems: true,
            },
            channel: channelSchema,
          },
        },
        response: { 200: caseSchema, 201: caseSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const principal = principalOf(request);
      const answer = caseAnswerFor(request);
      const { view, created } = await service.start(
        request.body,
        principal.userId,
        key ? storedIdempotencyKey(principal.token, key) : undefined,
        key,
        {},
        answer,
      );
      reply.status(created ? 201 : 200);
      return answeredWith(reply, answer, view);
    },
  );

  app.get(
    '/api/cases/:id',
    {
      config: { roles: ['intake', 'auditor', 'department', 'supervisor'] },
      schema: {
        tags: ['cases'],
        summary: '办件详情与时间线 / a case with its timeline',
        description:
          'Beside the case: `rootCaseId`, the master (主办件) whose message started it (null: none), and `oneThing`, the 一件事 it belongs to (null: none) — its cases, the master first, and its figures over them: trips summed, first time when none was corrected, working days end to end, from the earliest start to the latest end among its cases, null while one is open (engine/metrics/case-figures.ts `oneThingWorkingMs`).',
        params: idParams,
        response: { 200: caseWithLinksSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      await queries.assertVisible(principalOf(request), id);
      const view = await service.view(id);
      return { ...view, ...(await queries.links(id)) };
    },
  );

  app.get(
    '/api/cases',
    {
      config: { roles: ['intake', 'auditor', 'supervisor'] },
      schema: {
        tags: ['cases'],
        summary: '办件查询 / a page of cases, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            process: { type: 'string', maxLength: 200 },
            version: { type: 'integer', minimum: 1 },
            status: { type: 'string', enum: ['active', 'completed', 'cancelled', 'failed'] },
            businessKey: { type: 'string', maxLength: 200 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            after: { type: 'string', maxLength: 100, description: 'the `next` cursor of the previous page' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: { type: 'array', items: caseSummarySchema },
              next: { type: ['string', 'null'] },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => queries.page(request.query),
  );

  app.post(
    '/api/cases/:id/messages',
    {
      config: { roles: ['intake', 'department'] },
      schema: {
        tags: ['cases'],
        summary: '向办件发送消息（如补正材料）/ deliver a message to a case',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            variables: variablesSchema,
            channel: channelSchema,
          },
        },
        response: { 200: caseSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const principal = principalOf(request);
      await queries.assertVisible(principal, id);
      const body = request.body;
      return service.command(
        id,
        { type: 'deliverMessage', name: body.name, variables: body.variables, channel: body.channel },
        principal.userId,
      );
    },
  );

  app.post(
    '/api/cases/:id/cancel',
    {
      config: { roles: [] },
      schema: {
        tags: ['cases'],
        summary: '撤销办件 / cancel a case (admin)',
        params: idParams,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { reason: { type: 'string', maxLength: 1000 } },
        },
        response: { 200: caseSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params;
      const body = request.body ?? {};
      return service.command(id, { type: 'cancel', reason: body.reason }, principalOf(request).userId);
    },
  );

  app.get(
    '/api/cases/:id/events',
    {
      config: { roles: ['auditor'] },
      schema: {
        tags: ['cases'],
        summary: '办件审计日志（哈希链）/ the hash-chained audit log of a case',
        params: idParams,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                seq: { type: 'integer' },
                type: { type: 'string' },
                at: { type: 'string' },
                actor: { type: ['string', 'null'] },
                payload: { type: 'object', additionalProperties: true },
                prevHash: { type: 'string' },
                hash: { type: 'string' },
              },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      return queries.auditEvents(request.params.id);
    },
  );
}
