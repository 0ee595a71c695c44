/** Cases: start (intake), read, list, messages, cancel (admin), audit events. */
import { hash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Principal } from '../auth/tokens.js';
import { principalOf } from '../plugins/auth.js';
import { Problem } from '../problems.js';
import { caseSchema, caseSummarySchema, problemResponses, variablesSchema } from './schemas.js';

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
  required: ['id'],
} as const;
const channelSchema = { type: 'string', enum: ['online', 'window', 'app', 'sms', 'phone', 'mail'] } as const;

/** A department may read a case only when one of its steps is the department's. */
export async function assertCaseVisible(
  app: FastifyInstance,
  principal: Principal,
  caseId: string,
): Promise<void> {
  if (principal.role !== 'department') return;
  const own = await app.reflow.db
    .selectFrom('tasks')
    .select('id')
    .where('case_id', '=', caseId)
    .where('department', '=', principal.department ?? '')
    .limit(1)
    .executeTakeFirst();
  if (!own) {
    const exists = await app.reflow.db
      .selectFrom('cases')
      .select('id')
      .where('id', '=', caseId)
      .executeTakeFirst();
    if (!exists) throw new Problem(404, 'not-found', 'Not found', `case '${caseId}' does not exist`);
    throw new Problem(
      403,
      'forbidden',
      'Forbidden',
      `case '${caseId}' has no task of department '${principal.department}'`,
    );
  }
}

/**
 * A client's Idempotency-Key as stored: SHA-256 over the principal's whole token and the key, so two callers'
 * keys never meet and the table holds no token text (the token's length first: no token/key split collides).
 */
export const storedIdempotencyKey = (token: string, key: string): string =>
  hash('sha256', `reflow-idempotency-key\n${token.length}:${token}${key}`, 'hex');

export async function caseRoutes(app: FastifyInstance): Promise<void> {
  const { service, db } = app.reflow;

  app.post(
    '/api/cases',
    {
      config: { roles: ['intake'] },
      schema: {
        tags: ['cases'],
        summary: '受理：发起办件 / start a case',
        description:
          'A `businessKey` names one case of a process: a second start with it is a 409 naming the case that has it. With an `Idempotency-Key` header (kept per caller: per bearer token), the same key and body again return the first case (200); the same key with another body is a 422 naming the key. Numbers must be finite: 1e400 is a 400 naming the field.',
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
      const key = request.headers['idempotency-key'] as string | undefined;
      const principal = principalOf(request);
      const { view, created } = await service.start(
        request.body as never,
        principal.name,
        key ? storedIdempotencyKey(principal.token, key) : undefined,
        key,
      );
      reply.status(created ? 201 : 200);
      return view;
    },
  );

  app.get(
    '/api/cases/:id',
    {
      config: { roles: ['intake', 'auditor', 'department'] },
      schema: {
        tags: ['cases'],
        summary: '办件详情与时间线 / a case with its timeline',
        params: idParams,
        response: { 200: caseSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      await assertCaseVisible(app, principalOf(request), id);
      return service.view(id);
    },
  );

  app.get(
    '/api/cases',
    {
      config: { roles: ['intake', 'auditor'] },
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
    async (request) => {
      const q = request.query as {
        process?: string;
        version?: number;
        status?: string;
        businessKey?: string;
        limit: number;
        after?: string;
      };
      let query = db
        .selectFrom('cases')
        .select([
          'id',
          'process_key',
          'version',
          'business_key',
          'status',
          'channel',
          'started_at',
          'ended_at',
          'trips',
          'working_ms',
        ]);
      if (q.process) query = query.where('process_key', '=', q.process);
      if (q.version) query = query.where('version', '=', q.version);
      if (q.status) query = query.where('status', '=', q.status);
      if (q.businessKey) query = query.where('business_key', '=', q.businessKey);
      if (q.after) {
        const anchor = await db
          .selectFrom('cases')
          .select(['started_at', 'id'])
          .where('id', '=', q.after)
          .executeTakeFirst();
        if (!anchor)
          throw new Problem(
            400,
            'invalid-request',
            'The request is not valid',
            `after: no case '${q.after}' to continue from`,
            [{ field: 'querystring.after', message: 'unknown cursor' }],
          );
        query = query.where(sql<boolean>`(started_at, id) < (${anchor.started_at}, ${anchor.id})`);
      }
      const rows = await query
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      const page = rows.slice(0, q.limit);
      const perDay = service.calendar.msPerWorkingDay;
      return {
        items: page.map((r) => ({
          id: r.id,
          process: r.process_key,
          version: r.version,
          businessKey: r.business_key,
          status: r.status,
          channel: r.channel,
          startedAt: r.started_at.toISOString(),
          endedAt: r.ended_at?.toISOString() ?? null,
          trips: r.trips,
          workingDays: r.working_ms === null ? null : Number(r.working_ms) / perDay,
          calendarEstimated:
            r.working_ms !== null &&
            r.ended_at !== null &&
            service.calendar.beyondHorizon(r.ended_at.getTime()),
        })),
        next: rows.length > q.limit ? page[page.length - 1].id : null,
      };
    },
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
      const { id } = request.params as { id: string };
      const principal = principalOf(request);
      await assertCaseVisible(app, principal, id);
      const body = request.body as { name: string; variables?: Record<string, unknown>; channel?: string };
      return service.command(
        id,
        { type: 'deliverMessage', name: body.name, variables: body.variables, channel: body.channel },
        principal.name,
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
      const { id } = request.params as { id: string };
      const body = (request.body ?? {}) as { reason?: string };
      return service.command(id, { type: 'cancel', reason: body.reason }, principalOf(request).name);
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
      const { id } = request.params as { id: string };
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('case_id', '=', id)
        .orderBy('seq')
        .execute();
      if (rows.length === 0) {
        const exists = await db.selectFrom('cases').select('id').where('id', '=', id).executeTakeFirst();
        if (!exists) throw new Problem(404, 'not-found', 'Not found', `case '${id}' does not exist`);
      }
      return rows.map((r) => ({
        seq: r.seq,
        type: r.type,
        at: r.at.toISOString(),
        actor: r.actor,
        payload: r.payload,
        prevHash: r.prev_hash,
        hash: r.hash,
      }));
    },
  );
}
