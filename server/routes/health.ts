/** GET /healthz: 200 when the database answers, with warnings (the holiday calendar ending soon) that keep it 200. */

import type { FastifyInstance } from 'fastify';
import { Problem } from '../problems.js';
import { calendarWarningSchema } from './calendar.js';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: '健康检查 / health check',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              database: { type: 'string' },
              warnings: {
                type: 'array',
                items: calendarWarningSchema,
                description: 'still 200: e.g. the holiday calendar ends in less than 60 days',
              },
            },
          },
        },
      },
    },
    async () => {
      try {
        await app.reflow.ping();
      } catch (error) {
        throw new Problem(503, 'database-unavailable', 'The database does not answer', {
          zh: `数据库没有响应（${(error as Error).message}）`,
          en: (error as Error).message,
        });
      }
      return { status: 'ok', database: 'ok', warnings: app.calendars.warnings() };
    },
  );
}
