/** GET /healthz: 200 when the database answers. */

import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { Problem } from '../problems.js';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: '健康检查 / health check',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, database: { type: 'string' } } },
        },
      },
    },
    async () => {
      try {
        await sql`select 1`.execute(app.reflow.db);
      } catch (error) {
        throw new Problem(
          503,
          'database-unavailable',
          'The database does not answer',
          (error as Error).message,
        );
      }
      return { status: 'ok', database: 'ok' };
    },
  );
}
