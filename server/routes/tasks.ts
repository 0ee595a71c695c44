/** Department work items: list (own department only) and complete. */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../plugins/auth.js';
import { Problem } from '../problems.js';
import { caseSchema, problemResponses, taskSchema, variablesSchema } from './schemas.js';

export async function taskRoutes(app: FastifyInstance): Promise<void> {
  const { service, db } = app.reflow;

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
      const q = request.query as { department?: string; caseId?: string; status?: string; limit: number };
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
        department = principal.department;
      }
      let query = db.selectFrom('tasks').selectAll();
      if (department) query = query.where('department', '=', department);
      if (q.caseId) query = query.where('case_id', '=', q.caseId);
      if (q.status) query = query.where('status', '=', q.status);
      const rows = await query.orderBy('created_at').orderBy('id').limit(q.limit).execute();
      const now = service.now();
      return rows.map((r) => ({
        id: r.id,
        caseId: r.case_id,
        elementId: r.element_id,
        name: r.name,
        department: r.department,
        createdAt: r.created_at.toISOString(),
        dueAt: r.due_at?.toISOString() ?? null,
        completedAt: r.completed_at?.toISOString() ?? null,
        status: r.status,
        overdue: r.due_at !== null && (r.completed_at ?? new Date(now)).getTime() > r.due_at.getTime(),
        calendarEstimated: r.due_at !== null && service.calendar.beyondHorizon(r.due_at.getTime()),
      }));
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
      const { id } = request.params as { id: string };
      const principal = principalOf(request);
      const body = (request.body ?? {}) as { variables?: Record<string, unknown> };
      return service.completeTask(id, body.variables ?? {}, principal.name, (task) => {
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
