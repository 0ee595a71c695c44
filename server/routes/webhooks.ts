/** Webhooks (admin): register endpoints for event types, list them, and read an endpoint's deliveries. */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../plugins/auth.js';
import { EVENT_TYPES } from '../webhooks/outbox.js';
import { problemResponses } from './schemas.js';
import { typed } from './typed.js';

const endpointSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string' } },
    enabled: { type: 'boolean' },
    description: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    deliveries: {
      type: 'object',
      properties: {
        pending: { type: 'integer' },
        delivered: { type: 'integer' },
        failed: { type: 'integer' },
      },
    },
    failures: {
      type: 'integer',
      description:
        '连续失败次数，大于 0 时暂停推送 / failed attempts in a row: above 0 the endpoint is paused',
    },
    retryAt: {
      type: ['string', 'null'],
      format: 'date-time',
      description: '暂停的推送地址下次试推的时间 / when a paused endpoint is next tried (one delivery)',
    },
  },
} as const;

const deliverySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    eventId: { type: 'string', description: 'the webhook-id header of every attempt' },
    type: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    nextAt: { type: ['string', 'null'], format: 'date-time' },
    lastAttemptAt: { type: ['string', 'null'], format: 'date-time' },
    lastStatus: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    deliveredAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    data: {},
  },
} as const;

export async function webhookRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { webhooks } = app.reflow;

  app.post(
    '/api/webhooks',
    {
      config: { roles: [] },
      schema: {
        tags: ['webhooks'],
        summary: '登记推送地址 / register a webhook endpoint',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['url', 'events', 'secret'],
          properties: {
            url: { type: 'string', minLength: 1, maxLength: 2000 },
            events: {
              type: 'array',
              minItems: 1,
              maxItems: 20,
              items: { type: 'string', enum: [...EVENT_TYPES] },
            },
            secret: { type: 'string', minLength: 10, maxLength: 200, description: 'whsec_<base64 key>' },
            description: { type: 'string', maxLength: 500 },
            enabled: { type: 'boolean' },
          },
        },
        response: { 201: endpointSchema, ...problemResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await webhooks.register(request.body, principalOf(request).name)),
  );

  app.get(
    '/api/webhooks',
    {
      config: { roles: [] },
      schema: {
        tags: ['webhooks'],
        summary: '推送地址 / webhook endpoints with their delivery counts',
        response: { 200: { type: 'array', items: endpointSchema }, ...problemResponses },
      },
    },
    async () => webhooks.list(),
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      config: { roles: [] },
      schema: {
        tags: ['webhooks'],
        summary: '推送记录 / an endpoint’s deliveries, newest first, with the last attempt',
        params: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
          required: ['id'],
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: { type: 'array', items: deliverySchema }, ...problemResponses },
      },
    },
    async (request) => webhooks.deliveries(request.params.id, request.query),
  );
}
