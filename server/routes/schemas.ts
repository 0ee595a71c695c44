/** JSON schemas shared by routes: the shapes of cases, steps, tasks and findings in the API. */
import { problemSchema } from '../problems.js';

export const problemResponses = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
  413: problemSchema,
  415: problemSchema,
  422: problemSchema,
} as const;

export const findingSchema = {
  type: 'object',
  properties: {
    elementId: { type: ['string', 'null'] },
    type: { type: 'string' },
    severity: { type: 'string' },
    message: { type: 'string' },
    line: { type: 'integer' },
    column: { type: 'integer' },
  },
} as const;

/** The flag on answers holding due dates or working days computed past the calendar's horizon (README: 工作日历 / Holiday calendar horizon). */
export const calendarEstimatedSchema = {
  type: 'boolean',
  description:
    'true when a due date or working-day figure here lies past the holiday calendar’s horizon (GET /api/calendar): it counts that year’s holidays as working days until its official schedule is loaded',
} as const;

/** A person (经办人, claimant): id and display name, or null. */
export const personSchema = {
  type: ['object', 'null'],
  required: ['userId', 'name'],
  properties: { userId: { type: 'string' }, name: { type: 'string' } },
} as const;

export const stepSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    elementId: { type: 'string' },
    name: { type: ['string', 'null'] },
    type: { type: 'string' },
    department: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['active', 'completed', 'cancelled', 'failed'] },
    enteredAt: { type: 'string', format: 'date-time' },
    completedAt: { type: ['string', 'null'], format: 'date-time' },
    dueAt: { type: ['string', 'null'], format: 'date-time' },
    durationMs: { type: ['number', 'null'] },
    workingDays: { type: ['number', 'null'] },
    handler: personSchema,
  },
} as const;

export const taskSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    caseId: { type: 'string' },
    elementId: { type: 'string' },
    name: { type: ['string', 'null'] },
    department: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    dueAt: { type: ['string', 'null'], format: 'date-time' },
    completedAt: { type: ['string', 'null'], format: 'date-time' },
    status: { type: 'string', enum: ['open', 'completed', 'cancelled'] },
    overdue: { type: 'boolean' },
    calendarEstimated: calendarEstimatedSchema,
    businessKey: { type: ['string', 'null'], description: '办件编号 / the case’s business number' },
    process: { type: 'string' },
    processName: { type: ['string', 'null'], description: '事项名称 / the service' },
    claimedBy: personSchema,
    handler: personSchema,
    transfers: { type: 'integer' },
    remainingWorkingDays: {
      type: ['number', 'null'],
      description: 'working days until the due date (negative: overdue by); null without one or once done',
    },
  },
} as const;

/** A task as a case lists it among its open tasks (no case id, status or completion: it is open, in this case). */
const {
  caseId: _c,
  completedAt: _d,
  status: _s,
  overdue: _od,
  businessKey: _bk,
  process: _p,
  processName: _pn,
  handler: _h,
  transfers: _tr,
  remainingWorkingDays: _rw,
  ...openTaskProperties
} = taskSchema.properties;

export const caseSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    process: { type: 'string' },
    version: { type: 'integer' },
    businessKey: { type: ['string', 'null'] },
    status: { type: 'string', enum: ['active', 'completed', 'cancelled', 'failed'] },
    channel: { type: ['string', 'null'] },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: ['string', 'null'], format: 'date-time' },
    variables: { type: 'object', additionalProperties: true },
    materials: { type: 'array', items: { type: 'string' } },
    trips: { type: 'integer' },
    firstTime: { type: 'boolean' },
    workingDays: { type: ['number', 'null'] },
    calendarEstimated: calendarEstimatedSchema,
    incidents: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          elementId: { type: 'string' },
          message: { type: 'string' },
          elements: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    openTasks: { type: 'array', items: { type: 'object', properties: openTaskProperties } },
    timeline: { type: 'array', items: stepSchema },
  },
} as const;

/**
 * A case as a command answers it under `Prefer: return=minimal` (RFC 7240): its id, status and open tasks, what
 * a client working the case through needs next (server/routes/prefer.ts).
 */
export const minimalCaseSchema = {
  type: 'object',
  properties: {
    id: caseSchema.properties.id,
    status: caseSchema.properties.status,
    openTasks: caseSchema.properties.openTasks,
  },
} as const;

/** A case in a list: the case without variables, incidents and timeline. */
const {
  variables: _v,
  materials: _m,
  firstTime: _f,
  incidents: _i,
  openTasks: _o,
  timeline: _t,
  ...summaryProperties
} = caseSchema.properties;
export const caseSummarySchema = { type: 'object', properties: summaryProperties } as const;

/** A case of a 一件事, as `GET /api/cases/{id}` lists it. */
const oneThingCaseSchema = {
  type: 'object',
  properties: {
    ...summaryProperties,
    firstTime: { type: 'boolean' },
    master: { type: 'boolean', description: 'the master (主办件)' },
  },
} as const;

/** A case with its master and its 一件事 (server/cases/case-queries.ts `CaseLinks`). */
export const caseWithLinksSchema = {
  type: 'object',
  properties: {
    ...caseSchema.properties,
    rootCaseId: { type: ['string', 'null'], description: 'the master whose message started the case' },
    oneThing: {
      type: ['object', 'null'],
      properties: {
        masterCaseId: { type: 'string' },
        trips: { type: 'integer', description: 'trips of all its cases' },
        firstTime: { type: 'boolean', description: 'none of its cases entered a correction step' },
        workingDays: {
          type: ['number', 'null'],
          description:
            'working days end to end: from the earliest start to the latest end among its cases (null while one is open)',
        },
        cases: { type: 'array', items: oneThingCaseSchema },
      },
    },
  },
} as const;

export const variablesSchema = { type: 'object', additionalProperties: true, maxProperties: 500 } as const;
