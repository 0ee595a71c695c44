/** Department work items: list (own department only) and complete. */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../plugins/auth.js';
import { Problem } from '../problems.js';
import { caseSchema, problemResponses, taskSchema, variablesSchema } from './schemas.js';
import { typed } from './typed.js';

export async function taskRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { cases: service, queries } = app.reflow;

  app.get(
    '/api/tasks',
    {
      config: { roles: ['department', 'auditor'] },
      schema: {
        tags: ['tasks'],
        summary: '部门待办 / tasks of a department',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            department: { type: 'string', maxLength: 200 },
            caseId: { type: 'string', maxLength: 100 },
            status: { type: 'string', enum: ['open', 'completed', 'cancelled'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
          },
        },
        response: { 200: { type: 'array', items: taskSchema }, ...problemResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      let department = q.department;
      if (principal.role === 'department') {
        if (department && department !== principal.department) {
          throw new Problem(
            403,
            'forbidden',
            'Forbidden',
            `department '${principal.department}' may not list the tasks of '${department}'`,
          );
        }
        department = principal.department ?? undefined;
      }
      return queries.tasks({ ...q, department });
    },
  );

  app.post(
    '/api/tasks/:id/complete',
    {
      config: { roles: ['department'] },
      schema: {
        tags: ['tasks'],
        summary: '办结待办 / complete a task',
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
    async (request) => {
      const { id } = request.params;
      const principal = principalOf(request);
      const body = request.body ?? {};
      return service.completeTask(id, body.variables ?? {}, principal.userId, (task) => {
        if (principal.role === 'department' && task.department !== principal.department) {
          throw new Problem(
            403,
            'forbidden',
            'Forbidden',
            `task '${id}' belongs to department '${task.department}', not '${principal.department}'`,
          );
        }
      });
    },
  );
}
