/** The holiday calendar: its horizon and warnings (any role), a year's dates, loading a year (admin), its audit log. */
import type { FastifyInstance } from 'fastify';
import { builtinHolidayData, MAX_SCHEDULE_YEAR, MIN_SCHEDULE_YEAR } from '../../engine/calendar/index.js';
import { principalOf } from '../plugins/auth.js';
import { sayScheduleMissing } from '../problem-text-files.js';
import { Problem } from '../problems.js';
import { problemResponses } from './schemas.js';
import { typed } from './typed.js';

export const calendarWarningSchema = {
  type: 'object',
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    horizon: { type: ['string', 'null'] },
    daysLeft: { type: 'integer' },
  },
  required: ['code', 'message'],
  additionalProperties: true,
} as const;

const statusSchema = {
  type: 'object',
  properties: {
    horizon: {
      type: ['string', 'null'],
      description:
        'the last date with official holiday data (YYYY-MM-DD); past it due dates and working days are estimates',
    },
    years: { type: 'array', items: { type: 'integer' }, description: 'the years with official data' },
    warnings: { type: 'array', items: calendarWarningSchema },
    stored: {
      type: 'array',
      description: 'the years loaded by an administrator (each replaces the built-in data of its year)',
      items: {
        type: 'object',
        properties: {
          year: { type: 'integer' },
          loadedAt: { type: 'string', format: 'date-time' },
          loadedBy: { type: ['string', 'null'] },
          holidays: { type: 'integer' },
          workdays: { type: 'integer' },
        },
      },
    },
  },
  required: ['horizon', 'years', 'warnings'],
} as const;

const dates = { type: 'array', items: { type: 'string' } } as const;
const movedSchema = {
  type: 'object',
  properties: {
    caseId: { type: 'string' },
    kind: { type: 'string', enum: ['task', 'step', 'timer'] },
    id: { type: 'string' },
    elementId: { type: 'string' },
    previousDueAt: { type: 'string', format: 'date-time' },
    dueAt: { type: 'string', format: 'date-time' },
  },
} as const;
/** Moved due dates listed in an answer (all of them are in the audit logs). */
const MOVED_LISTED = 1000;

const yearParams = {
  type: 'object',
  properties: { year: { type: 'integer', minimum: MIN_SCHEDULE_YEAR, maximum: MAX_SCHEDULE_YEAR } },
  required: ['year'],
} as const;

const dateItem = { type: 'string', maxLength: 40 } as const;

export async function calendarRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { calendars } = app.reflow;

  app.get(
    '/api/calendar',
    {
      config: { roles: 'any' },
      schema: {
        tags: ['calendar'],
        summary: '工作日历：数据截止日与警告 / the holiday calendar: its horizon and warnings',
        response: { 200: statusSchema, ...problemResponses },
      },
    },
    async () => calendars.status(),
  );

  app.get(
    '/api/calendar/years/:year',
    {
      config: { roles: 'any' },
      schema: {
        tags: ['calendar'],
        summary: '某年的节假日与调休 / a year’s holidays and 调休 workdays',
        params: yearParams,
        response: {
          200: {
            type: 'object',
            properties: {
              year: { type: 'integer' },
              source: {
                type: 'string',
                enum: ['stored', 'built-in', 'none'],
                description: 'loaded by an administrator, shipped with Reflow (chinese-days), or no data',
              },
              holidays: dates,
              workdays: dates,
              loadedAt: { type: ['string', 'null'], format: 'date-time' },
              loadedBy: { type: ['string', 'null'] },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { year } = request.params;
      const stored = calendars.storedYear(year);
      if (stored)
        return {
          year,
          source: 'stored',
          holidays: stored.holidays,
          workdays: stored.workdays,
          loadedAt: stored.loadedAt,
          loadedBy: stored.loadedBy,
        };
      const data = builtinHolidayData();
      const holidays = data.holidays.filter((d) => d.startsWith(`${year}-`));
      const workdays = data.workdays.filter((d) => d.startsWith(`${year}-`));
      return {
        year,
        source: holidays.length + workdays.length > 0 ? 'built-in' : 'none',
        holidays,
        workdays,
        loadedAt: null,
        loadedBy: null,
      };
    },
  );

  app.put(
    '/api/calendar/years/:year',
    {
      config: { roles: [] },
      schema: {
        tags: ['calendar'],
        summary: '加载某年的节假日安排 / load a year’s official holiday schedule',
        description:
          'JSON `{ holidays: [date], workdays: [date] }` (dates `YYYY-MM-DD` of that year; workdays are the 调休 Saturdays and Sundays), or the State Council notice’s text as `text/plain`. Stored and audited (who, when, old and new dates), applied by every node; open tasks’ due dates, waiting working-day timers and working times in that year are recomputed, each moved date recorded in its case’s audit log. Replacing a loaded year, or the built-in data of a year, is allowed. 422 names each wrong date.',
        params: yearParams,
        body: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                additionalProperties: false,
                required: ['holidays'],
                properties: {
                  holidays: { type: 'array', maxItems: 366, items: dateItem },
                  workdays: { type: 'array', maxItems: 366, items: dateItem },
                },
              },
            },
            'text/plain': { schema: { type: 'string', minLength: 1, maxLength: 100_000 } },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              year: { type: 'integer' },
              replaced: { type: 'string', enum: ['stored', 'built-in', 'none'] },
              horizon: { type: ['string', 'null'] },
              years: { type: 'array', items: { type: 'integer' } },
              systemSeq: { type: 'integer', description: 'the system audit entry that loaded the year' },
              movedTotal: { type: 'integer' },
              moved: {
                type: 'array',
                items: movedSchema,
                description: `the due dates moved (the first ${MOVED_LISTED}; all are in the audit logs)`,
              },
              workingTimes: {
                type: 'object',
                properties: { steps: { type: 'integer' }, cases: { type: 'integer' } },
              },
              rebuiltVersions: { type: 'array', items: { type: 'string' } },
              warnings: { type: 'array', items: calendarWarningSchema },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { year } = request.params;
      if (request.body === undefined || request.body === null) {
        const message = sayScheduleMissing(year);
        throw new Problem(400, 'invalid-request', 'The request is not valid', message, [
          { field: 'body', message },
        ]);
      }
      const result = await calendars.loadYear(year, request.body, principalOf(request).userId, 'body.');
      return { ...result, movedTotal: result.moved.length, moved: result.moved.slice(0, MOVED_LISTED) };
    },
  );

  app.get(
    '/api/calendar/events',
    {
      config: { roles: ['auditor'] },
      schema: {
        tags: ['calendar'],
        summary: '工作日历的审计日志 / the calendar’s audit log',
        description:
          'Every year loaded (who, when, the new and the old dates) and the due dates each load moved, from the hash-chained system log; `verified` says whether the whole chain recomputes.',
        response: {
          200: {
            type: 'object',
            properties: {
              verified: { type: 'boolean' },
              brokenAt: { type: ['integer', 'null'] },
              events: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    seq: { type: 'integer' },
                    type: { type: 'string' },
                    at: { type: 'string', format: 'date-time' },
                    actor: { type: ['string', 'null'] },
                    payload: { type: 'object', additionalProperties: true },
                    prevHash: { type: 'string' },
                    hash: { type: 'string' },
                  },
                },
              },
            },
          },
          ...problemResponses,
        },
      },
    },
    async () => {
      const log = await calendars.auditLog();
      return {
        verified: log.verified,
        brokenAt: log.brokenAt,
        events: log.events.map((e) => ({ ...e, at: e.at.toISOString() })),
      };
    },
  );
}
