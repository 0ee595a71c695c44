/**
 * Department work items: list (own department only), claim, release, assign, transfer (转办) and complete
 * (server/people/work-items.ts).
 */
import type { FastifyInstance } from 'fastify';
import { leadsTask } from '../people/work-items.js';
import { principalOf } from '../plugins/auth.js';
import { Problem } from '../problems.js';
import { answeredWith, caseAnswerFor, PREFER_MINIMAL } from './prefer.js';
import { caseSchema, personSchema, problemResponses, taskSchema, variablesSchema } from './schemas.js';

/** A task's holder after a claim, release, assignment or transfer. */
const taskHolderSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseId: { type: 'string' },
    department: { type: ['string', 'null'] },
    status: { type: 'string' },
    claimedBy: personSchema,
    claimedAt: { type: ['string', 'null'], format: 'date-time' },
    transfers: { type: 'integer' },
  },
} as const;

import { notModified, sendWithEtag } from './etag.js';
import { typed } from './typed.js';

export async function taskRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { cases: service, queries, workItems } = app.reflow;

  app.get(
    '/api/tasks',
    {
      config: { roles: ['department', 'auditor'] },
      schema: {
        tags: ['tasks'],
        summary: '部门待办 / tasks of a department (claimedBy=me: 我的待办; claimed=false: 部门待办)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            department: { type: 'string', maxLength: 200 },
            caseId: { type: 'string', maxLength: 100 },
            businessKey: { type: 'string', minLength: 1, maxLength: 200 },
            status: { type: 'string', enum: ['open', 'completed', 'cancelled'] },
            claimedBy: {
              type: 'string',
              maxLength: 200,
              description: '`me`: the caller’s own tasks (我的待办); or a person’s user id',
            },
            claimed: { type: 'boolean', description: 'false: the department’s unclaimed tasks (部门待办)' },
            sort: { type: 'string', enum: ['created', 'due'], default: 'created' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
          },
        },
        response: { 200: { type: 'array', items: taskSchema }, ...notModified, ...problemResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const q = request.query;
      let department = q.department;
      if (principal.role === 'department') {
        if (department && department !== principal.department) {
          throw new Problem(403, 'forbidden', 'Forbidden', {
            zh: `“${principal.department}”不能查看“${department}”的待办`,
            en: `department '${principal.department}' may not list the tasks of '${department}'`,
          });
        }
        department = principal.department ?? undefined;
      }
      const claimedBy = q.claimedBy === 'me' ? principal.userId : q.claimedBy;
      // ETag polling (the inbox): an unchanged list answers 304 without a body
      return sendWithEtag(request, reply, await queries.tasks({ ...q, department, claimedBy }));
    },
  );

  app.post(
    '/api/tasks/:id/complete',
    {
      config: { roles: ['department'] },
      schema: {
        tags: ['tasks'],
        summary: '办结待办 / complete a task',
        description: PREFER_MINIMAL,
        params: {
          type: 'object',
          properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
          required: ['id'],
        },
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { variables: variablesSchema },
        },
        response: { 200: caseSchema, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const principal = principalOf(request);
      const body = request.body ?? {};
      const handler = { userId: principal.userId, name: principal.name };
      const answer = caseAnswerFor(request);
      const view = await service.completeTask(
        id,
        body.variables ?? {},
        principal.userId,
        (task) => {
          const admin = principal.roles.includes('admin');
          if (!admin && task.department !== principal.department) {
            throw new Problem(403, 'forbidden', 'Forbidden', {
              zh: `待办“${id}”属于“${task.department}”，不属于“${principal.department}”`,
              en: `task '${id}' belongs to department '${task.department}', not '${principal.department}'`,
            });
          }
          // a task someone else holds is theirs to complete, or the lead's (an administrator's)
          if (
            task.claimedBy &&
            task.claimedBy.userId !== principal.userId &&
            !leadsTask(principal, task.department)
          )
            throw new Problem(409, 'task-conflict', 'The task cannot take this now', {
              zh: `待办“${id}”已由 ${task.claimedBy.name}（${task.claimedBy.userId}）认领：只有其本人或“${task.department}”的科长可以办结`,
              en: `task '${id}' is claimed by ${task.claimedBy.name} (${task.claimedBy.userId}): only they or a lead of '${task.department}' may complete it`,
            });
        },
        handler,
        answer,
      );
      return answeredWith(reply, answer, view);
    },
  );

  const taskParams = {
    type: 'object',
    properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
    required: ['id'],
  } as const;
  const holder = { 200: taskHolderSchema, ...problemResponses } as const;

  app.post(
    '/api/tasks/:id/claim',
    {
      config: { roles: ['department'] },
      schema: {
        tags: ['tasks'],
        summary: '认领待办 / claim an open task of one’s department',
        params: taskParams,
        response: holder,
      },
    },
    async (request) => workItems.claim(request.params.id, principalOf(request)),
  );

  app.post(
    '/api/tasks/:id/release',
    {
      config: { roles: ['department'] },
      schema: {
        tags: ['tasks'],
        summary: '退回部门待办 / give a claimed task back to the department’s queue',
        params: taskParams,
        response: holder,
      },
    },
    async (request) => workItems.release(request.params.id, principalOf(request)),
  );

  app.post(
    '/api/tasks/:id/assign',
    {
      config: { roles: ['department'] },
      schema: {
        tags: ['tasks'],
        summary: '分派待办 / assign a task to a member (department lead, admin)',
        params: taskParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['userId'],
          properties: { userId: { type: 'string', minLength: 1, maxLength: 200 } },
        },
        response: holder,
      },
    },
    async (request) => workItems.assign(request.params.id, request.body.userId, principalOf(request)),
  );

  app.post(
    '/api/tasks/:id/transfer',
    {
      config: { roles: ['department'] },
      schema: {
        tags: ['tasks'],
        summary:
          '转办 / transfer a task to another member or department, with a reason (department lead, admin)',
        params: taskParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['reason'],
          properties: {
            department: { type: 'string', minLength: 1, maxLength: 200 },
            userId: { type: 'string', minLength: 1, maxLength: 200 },
            reason: { type: 'string', minLength: 1, maxLength: 2000 },
          },
        },
        response: holder,
      },
    },
    async (request) => workItems.transfer(request.params.id, request.body, principalOf(request)),
  );
}
