/** 好差评 routes: rate a case (intake), read its ratings, and the rating loop's figures of a version. */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../plugins/auth.js';
import { versionParams } from './metrics-schemas.js';
import { personSchema, problemResponses } from './schemas.js';
import { typed } from './typed.js';

const ratingSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseId: { type: 'string' },
    level: { type: 'integer' },
    levelName: { type: 'string' },
    channel: { type: 'string' },
    comment: { type: ['string', 'null'] },
    elementId: { type: ['string', 'null'] },
    department: { type: ['string', 'null'] },
    defaulted: { type: 'boolean' },
    ratedAt: { type: 'string', format: 'date-time' },
    deadlineDays: { type: ['number', 'null'] },
    rectificationCaseId: { type: ['string', 'null'] },
    handler: personSchema,
  },
} as const;

const figuresSchema = {
  type: 'object',
  properties: {
    department: { type: ['string', 'null'] },
    ratings: { type: 'integer' },
    satisfaction: { type: ['number', 'null'] },
    badRatings: { type: 'integer' },
    defaulted: { type: 'integer' },
    rectified: { type: 'integer' },
    rectifiedOnTime: { type: 'integer' },
    calledBack: { type: 'integer' },
    appealsUpheld: { type: 'integer' },
    open: { type: 'integer' },
  },
} as const;

const caseParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['id'],
} as const;

export async function ratingRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { ratings, cases } = app.reflow;
  app.post(
    '/api/cases/:id/ratings',
    {
      config: { roles: ['intake'] },
      schema: {
        tags: ['ratings'],
        summary:
          '好差评：评价办件 / rate a case (5 非常满意 … 1 非常不满意; 1–2 start the rectification loop)',
        params: caseParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['level'],
          properties: {
            level: { type: 'integer', minimum: 1, maximum: 5 },
            comment: { type: 'string', maxLength: 2000 },
            channel: { type: 'string', enum: ['window', 'online', 'sms', 'app', 'phone'] },
            elementId: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: { 201: ratingSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const rating = await ratings.rate(request.params.id, request.body, principalOf(request).userId);
      reply.status(201);
      return rating;
    },
  );

  app.get(
    '/api/cases/:id/ratings',
    {
      config: { roles: ['intake', 'auditor'] },
      schema: {
        tags: ['ratings'],
        summary: '办件的评价 / the ratings of a case',
        params: caseParams,
        response: { 200: { type: 'array', items: ratingSchema }, ...problemResponses },
      },
    },
    async (request) => ratings.list(request.params.id),
  );

  app.get(
    '/api/processes/:key/versions/:version/ratings',
    {
      config: { roles: ['auditor', 'designer'] },
      schema: {
        tags: ['ratings'],
        summary: '好差评闭环指标 / the rating loop of a version, in total and per department',
        params: versionParams,
        response: {
          200: {
            type: 'object',
            properties: { total: figuresSchema, departments: { type: 'array', items: figuresSchema } },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { key, version } = request.params;
      return ratings.loopFigures(key, version, cases.calendar.msPerWorkingDay);
    },
  );
}
