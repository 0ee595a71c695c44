/**
 * Messages and signals between cases (server/messages/message-service.ts): a message correlated by name and
 * correlation key (for portals that know only the business number), the messages sent and what became of them,
 * and signals broadcast to every waiting case.
 */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../plugins/auth.js';
import { problemResponses, variablesSchema } from './schemas.js';
import { typed } from './typed.js';

const messageSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['message', 'signal'] },
    name: { type: 'string' },
    correlationKey: { type: ['string', 'null'] },
    status: {
      type: 'string',
      enum: ['pending', 'claimed', 'buffered', 'delivered', 'started', 'undelivered'],
    },
    sourceCaseId: { type: ['string', 'null'] },
    sourceElementId: { type: ['string', 'null'] },
    targetCaseId: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
    doneAt: { type: ['string', 'null'], format: 'date-time' },
    reason: { type: ['string', 'null'] },
  },
} as const;

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export async function messageRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { messages } = app.reflow;

  app.post(
    '/api/messages',
    {
      config: { roles: ['intake', 'department'] },
      schema: {
        tags: ['messages'],
        summary: '按名称和关联键发送消息 / send a message correlated by name and key',
        description:
          '送达一个等待该消息（名称相同、关联键相等）的案件，或由消息开始事件开始案件；无人等待时，有 ttlSeconds 则缓存至过期，否则 409。 / Delivered to one case waiting for the message (same name, equal correlation key), or starts a case by a message start event; with nothing waiting it is kept for ttlSeconds, else 409.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            correlationKey: { type: ['string', 'null'], maxLength: 500 },
            variables: variablesSchema,
            ttlSeconds: { type: 'integer', minimum: 0, maximum: 31_536_000 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              delivered: { type: 'array', items: { type: 'string' } },
              started: { type: 'array', items: { type: 'string' } },
              buffered: { type: 'boolean' },
              messageId: { type: 'string' },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => messages.send(request.body, principalOf(request).userId),
  );

  app.get(
    '/api/messages',
    {
      config: { roles: ['auditor'] },
      schema: {
        tags: ['messages'],
        summary: '案件间消息及其去向 / messages between cases and what became of them',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: {
              type: 'string',
              enum: ['pending', 'claimed', 'buffered', 'delivered', 'started', 'undelivered'],
            },
            name: { type: 'string', maxLength: 200 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: { type: 'array', items: messageSchema }, ...problemResponses },
      },
    },
    async (request) => {
      const rows = await messages.list(request.query);
      return rows.map((m) => ({
        id: m.id,
        kind: m.kind,
        name: m.name,
        correlationKey: m.correlation_key,
        status: m.status,
        sourceCaseId: m.source_case_id,
        sourceElementId: m.source_element_id,
        targetCaseId: m.target_case_id,
        createdAt: iso(m.created_at),
        expiresAt: iso(m.expires_at),
        doneAt: iso(m.done_at),
        reason: m.reason,
      }));
    },
  );

  app.post(
    '/api/signals',
    {
      config: { roles: [] },
      schema: {
        tags: ['messages'],
        summary: '广播信号 / broadcast a signal',
        description:
          '送达每个等待该信号的案件，并由每个信号开始事件开始案件。 / Reaches every case waiting for the signal; each signal start event starts a case.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            variables: variablesSchema,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { delivered: { type: 'integer' }, started: { type: 'integer' } },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => messages.signal(request.body, principalOf(request).userId),
  );
}
