/** People: who the caller is (the same identity for a token of the tokens file and a JWT). */
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../auth/tokens.js';
import { principalOf } from '../plugins/auth.js';
import { problemResponses } from './schemas.js';
import { typed } from './typed.js';

export const identitySchema = {
  type: 'object',
  required: ['userId', 'name', 'roles', 'department', 'lead'],
  properties: {
    userId: { type: 'string' },
    name: { type: 'string' },
    roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
    department: { type: ['string', 'null'] },
    lead: { type: 'boolean' },
  },
} as const;

export async function peopleRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  app.get(
    '/api/me',
    {
      config: { roles: 'any' },
      schema: {
        tags: ['people'],
        summary: '当前用户 / who the caller is',
        response: { 200: identitySchema, ...problemResponses },
      },
    },
    async (request) => {
      const { userId, name, roles, department, lead } = principalOf(request);
      return { userId, name, roles, department, lead };
    },
  );
}
