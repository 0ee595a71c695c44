/** Electronic supervision (电子监察): the yellow and red cards, and follow-up notes (督办意见) on them. */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../plugins/auth.js';
import { notModified, sendWithEtag } from './etag.js';
import { problemResponses } from './schemas.js';
import { typed } from './typed.js';

const noteSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    author: { type: 'string' },
    text: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const warningSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    level: { type: 'string', enum: ['yellow', 'red'], description: 'yellow 黄牌预警 / red 红牌' },
    subject: { type: 'string', enum: ['task', 'case'] },
    caseId: { type: 'string' },
    taskId: { type: ['string', 'null'] },
    processKey: { type: 'string' },
    version: { type: 'integer' },
    elementId: { type: 'string', description: 'the step (a task card) or the process (a case card)' },
    department: { type: ['string', 'null'] },
    raisedAt: { type: 'string', format: 'date-time' },
    dueAt: { type: ['string', 'null'], format: 'date-time' },
    usedShare: { type: 'number', description: 'share of the time limit used when raised (1 = all)' },
    warnAt: { type: 'number' },
    limitDays: { type: 'number' },
    clearedAt: { type: ['string', 'null'], format: 'date-time' },
    notes: { type: 'array', items: noteSchema },
  },
} as const;

export async function warningRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { warnings } = app.reflow;

  app.get(
    '/api/warnings',
    {
      config: { roles: ['auditor', 'supervisor', 'department'] },
      schema: {
        tags: ['supervision'],
        summary: '黄牌红牌 / open yellow and red cards (a department: its own)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            level: { type: 'string', enum: ['yellow', 'red'] },
            department: { type: 'string', maxLength: 200 },
            process: { type: 'string', maxLength: 200 },
            caseId: { type: 'string', maxLength: 100 },
            history: { type: 'boolean', default: false, description: 'cleared cards too' },
            limit: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
          },
        },
        response: {
          200: { type: 'array', items: warningSchema },
          ...notModified,
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      // ETag polling (the supervision view, the inbox): an unchanged list answers 304 without a body
      return sendWithEtag(request, reply, await warnings.list(principalOf(request), request.query));
    },
  );

  app.post(
    '/api/warnings/:id/notes',
    {
      config: { roles: ['supervisor'] },
      schema: {
        tags: ['supervision'],
        summary: '督办意见 / write a follow-up note on a card',
        params: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
          required: ['id'],
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: { text: { type: 'string', minLength: 1, maxLength: 4000 } },
        },
        response: { 201: warningSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const card = await warnings.addNote(principalOf(request), request.params.id, request.body.text);
      return reply.code(201).send(card);
    },
  );
}
