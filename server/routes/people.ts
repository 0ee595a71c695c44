/**
 * People: who the caller is (the same identity for a token of the tokens file and a JWT), and the figures per
 * person (server/people/person-figures.ts): a member sees their own, a lead their department's, an auditor all.
 */
import type { FastifyInstance } from 'fastify';
import { PERSON_FIGURES } from '../../engine/index.js';
import { ROLES } from '../auth/tokens.js';
import type { BrowserSignIn } from '../config.js';
import { personFigures } from '../people/person-figures.js';
import { principalOf } from '../plugins/auth.js';
import { Problem } from '../problems.js';
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

export async function peopleRoutes(
  instance: FastifyInstance,
  options: { browserSignIn?: BrowserSignIn },
): Promise<void> {
  const app = typed(instance);
  const signIn = options.browserSignIn;
  app.get(
    '/api/auth/config',
    {
      // public: the page asks before anyone has signed in
      schema: {
        tags: ['people'],
        summary: '登录方式 / how the browser signs in',
        description:
          "oidc: the identity provider (REFLOW_JWT_ISSUER) and the browser's client (REFLOW_OIDC_CLIENT_ID, REFLOW_OIDC_SCOPES) for the authorization code flow with PKCE; null: paste an API token",
        security: [],
        response: {
          200: {
            type: 'object',
            required: ['oidc'],
            properties: {
              oidc: {
                type: ['object', 'null'],
                required: ['issuer', 'clientId', 'scopes'],
                properties: {
                  issuer: { type: 'string' },
                  clientId: { type: 'string' },
                  scopes: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
    async () => ({
      oidc: signIn ? { issuer: signIn.issuer, clientId: signIn.clientId, scopes: signIn.scopes } : null,
    }),
  );
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

  const number = { type: ['number', 'null'] } as const;
  const count = { type: 'integer' } as const;
  app.get(
    '/api/metrics/people',
    {
      config: { roles: ['department', 'auditor'] },
      schema: {
        tags: ['metrics'],
        summary: '经办人指标 / figures per person (member: own; lead: own department; auditor: all)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            department: { type: 'string', minLength: 1, maxLength: 200 },
            userId: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              figures: {
                type: 'array',
                description: 'the catalogue of the figures below: key, Chinese and English label, unit',
                items: {
                  type: 'object',
                  properties: {
                    key: { type: 'string' },
                    zh: { type: 'string' },
                    en: { type: 'string' },
                    unit: { type: 'string' },
                    better: { type: 'string' },
                  },
                },
              },
              people: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    userId: { type: 'string' },
                    name: { type: 'string' },
                    department: { type: ['string', 'null'] },
                    openTasks: count,
                    completedTasks: count,
                    meanStepWorkingDays: number,
                    p90StepWorkingDays: number,
                    stepOnTimeRate: number,
                    stepsWithLimit: count,
                    warnedSteps: count,
                    redCardSteps: count,
                    stepWarningRate: number,
                    stepRedCardRate: number,
                    satisfaction: number,
                    ratings: count,
                    badRatings: count,
                    rectified: count,
                    rectifiedOnTime: count,
                    transfers: count,
                  },
                },
              },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const seesAll = principal.roles.some((r) => r === 'admin' || r === 'auditor');
      let scope: { department?: string; userId?: string } = q;
      if (!seesAll) {
        if (principal.lead) {
          if (q.department && q.department !== principal.department)
            throw new Problem(403, 'forbidden', 'Forbidden', {
              zh: `“${principal.department}”的科长只能查看本部门人员的指标，不能查看“${q.department}”的`,
              en: `a lead of '${principal.department}' sees the figures of their own department's people, not of '${q.department}'`,
            });
          scope = { ...q, department: principal.department ?? undefined };
        } else {
          if ((q.userId && q.userId !== principal.userId) || q.department)
            throw new Problem(403, 'forbidden', 'Forbidden', {
              zh: '工作人员只能查看本人的指标：请不要填 department 和 userId',
              en: 'a member sees their own figures only: leave out department and userId',
            });
          scope = { userId: principal.userId };
        }
      }
      const people = await personFigures(app.reflow.db, scope, app.reflow.cases.calendar.msPerWorkingDay);
      return {
        figures: PERSON_FIGURES.map(({ key, zh, en, unit, better }) => ({ key, zh, en, unit, better })),
        people,
      };
    },
  );
}
