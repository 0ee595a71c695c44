/** JSON schemas of the metrics API: static and dynamic figures, changes, event-log imports. */
const nullableNumber = { type: ['number', 'null'] } as const;

export const versionParams = {
  type: 'object',
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 200 },
    version: { type: 'integer', minimum: 1 },
  },
  required: ['key', 'version'],
} as const;

export const keyParams = {
  type: 'object',
  properties: { key: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['key'],
} as const;

export const pairQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: {
      type: 'integer',
      minimum: 1,
      description: 'the version before the reform; default: the version before `to`',
    },
    to: { type: 'integer', minimum: 1, description: 'the version after the reform; default: the latest' },
  },
} as const;

export const staticSchema = {
  type: 'object',
  description: 'static metrics, read off the model (README: 各项指标如何计算 / Figures)',
  additionalProperties: true,
} as const;

export const stepFiguresSchema = {
  type: 'object',
  properties: {
    elementId: { type: 'string' },
    name: { type: ['string', 'null'] },
    count: { type: 'integer' },
    meanWorkingDays: nullableNumber,
    p90WorkingDays: nullableNumber,
    breaches: { type: 'integer' },
  },
} as const;

export const dynamicSchema = {
  type: 'object',
  description:
    'dynamic metrics, from the cases of the version (README: 各项指标如何计算 / Figures); `method` tells how each figure was computed and from how many cases',
  properties: {
    cases: { type: 'integer' },
    completed: { type: 'integer' },
    meanWorkingDays: nullableNumber,
    medianWorkingDays: nullableNumber,
    p90WorkingDays: nullableNumber,
    meanTrips: nullableNumber,
    firstTimeRate: nullableNumber,
    onTimeRate: nullableNumber,
    satisfaction: nullableNumber,
    badRatings: { type: 'integer' },
    rectified: { type: 'integer' },
    rectifiedOnTime: { type: 'integer' },
    calledBack: { type: 'integer' },
    appealsUpheld: { type: 'integer' },
    rectifiedOnTimeRate: {
      ...nullableNumber,
      description: 'bad ratings rectified within their deadline ÷ bad ratings (null without bad ratings)',
    },
    calledBackRate: { ...nullableNumber, description: 'bad ratings called back ÷ bad ratings' },
    supervisedCases: {
      type: 'integer',
      description: '电子监察: completed cases that ran on the engine (imported ones were never watched)',
    },
    warnedCases: {
      type: 'integer',
      description: 'of them, cases that got a yellow or red card (case or task)',
    },
    redCardCases: { type: 'integer', description: 'of them, cases that got a red card' },
    warningRate: {
      ...nullableNumber,
      description: '预警率: warned cases ÷ supervised cases (null without any)',
    },
    redCardRate: {
      ...nullableNumber,
      description: '红牌率: red-carded cases ÷ supervised cases (null without any)',
    },
    defaultedRatings: {
      type: 'integer',
      description: 'ratings given by default (no rating within N days): never in satisfaction',
    },
    ratingsByDepartment: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          department: { type: ['string', 'null'] },
          ratings: { type: 'integer' },
          satisfaction: nullableNumber,
          badRatings: { type: 'integer' },
          defaulted: { type: 'integer' },
          rectified: { type: 'integer' },
          rectifiedOnTime: { type: 'integer' },
          calledBack: { type: 'integer' },
          appealsUpheld: { type: 'integer' },
          open: { type: 'integer' },
        },
      },
    },
    steps: { type: 'array', items: stepFiguresSchema },
    method: {
      type: 'object',
      properties: {
        msPerWorkingDay: { type: 'number' },
        percentiles: { type: 'string', enum: ['percentile_cont', 'histogram', 'memory'] },
        exactPercentileLimit: { type: 'integer' },
        histogramBucketDays: { type: 'number' },
        maxErrorDays: { type: 'number' },
        importedCases: { type: 'integer' },
        figures: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { method: { type: 'string' }, from: { type: 'integer' } },
          },
        },
      },
    },
  },
} as const;

export const versionMetricsSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    version: { type: 'integer' },
    name: { type: ['string', 'null'] },
    static: staticSchema,
    dynamic: dynamicSchema,
    calendarEstimated: {
      type: 'boolean',
      description:
        'a completed case of this version ended past the holiday calendar’s horizon: its working days, and the means, percentiles, on-time rate and breaches they enter, count that year’s holidays as working days (estimates until its schedule is loaded: PUT /api/calendar/years/{year})',
    },
    calendarHorizon: {
      type: ['string', 'null'],
      description: 'the calendar’s horizon the figures were read with',
    },
  },
} as const;

export const changeSchema = {
  type: 'object',
  properties: {
    before: nullableNumber,
    after: nullableNumber,
    delta: nullableNumber,
    percent: nullableNumber,
  },
} as const;

/** Every catalogued figure's change, by name (the compare route's `change`, the diff route's `metrics`). */
export const describedChangesSchema = {
  type: 'object',
  description:
    'every figure of the catalogue, static and dynamic, by name: delta = after − before, percent = 100 × delta / before (null when before is 0 or a side is null); `unit`, `better` (the direction that is an improvement; `neither` for counts that follow the number of cases) and `changeKind` (`pp`: a rate, whose change is read in percentage points, 100 × delta; `percent`: a count or duration, read as delta and percent)',
  additionalProperties: {
    type: 'object',
    required: ['before', 'after', 'delta', 'percent', 'unit', 'better', 'changeKind'],
    properties: {
      ...changeSchema.properties,
      unit: { type: 'string', enum: ['items', 'pieces', 'days', 'times', 'rate', 'cases', 'ratings'] },
      better: { type: 'string', enum: ['higher', 'lower', 'neither'] },
      changeKind: { type: 'string', enum: ['pp', 'percent'] },
    },
  },
} as const;

export const comparisonSchema = {
  type: 'object',
  properties: {
    key: { type: 'string' },
    from: { type: 'integer' },
    to: { type: 'integer' },
    calendarEstimated: {
      type: 'boolean',
      description: 'either version’s figures are estimates (see before/after)',
    },
    before: versionMetricsSchema,
    after: versionMetricsSchema,
    change: describedChangesSchema,
    stepChanges: {
      type: 'array',
      description: 'per step, by element id (an extension)',
      items: {
        type: 'object',
        properties: {
          elementId: { type: 'string' },
          name: { type: ['string', 'null'] },
          count: changeSchema,
          meanWorkingDays: changeSchema,
          p90WorkingDays: changeSchema,
          breaches: changeSchema,
        },
      },
    },
  },
} as const;

export const importResultSchema = {
  type: 'object',
  properties: {
    imported: { type: 'integer', description: 'cases imported' },
    cases: { type: 'integer', description: 'cases of the version after the import' },
    events: { type: 'integer', description: 'events read' },
    steps: { type: 'integer', description: 'steps stored (start/complete pairs)' },
    skipped: {
      type: 'integer',
      description: 'events with another lifecycle transition (schedule, assign, suspend…), not used',
    },
    unmatched: { type: 'array', items: { type: 'string' } },
  },
} as const;

/** 电子监察 by department (server/metrics/warning-figures.ts `departmentWarnings`), as the report's table. */
export const departmentWarningsSchema = {
  type: 'object',
  required: [
    'department',
    'stepsWithLimit',
    'warnedSteps',
    'redCardSteps',
    'stepWarningRate',
    'stepRedCardRate',
  ],
  properties: {
    department: { type: ['string', 'null'], description: 'the department of the steps (null: none named)' },
    stepsWithLimit: {
      type: 'integer',
      description: 'its completed steps with a time limit, in the completed cases that ran on the engine',
    },
    warnedSteps: { type: 'integer', description: 'of them, steps whose task got a card (yellow or red)' },
    redCardSteps: { type: 'integer', description: 'of them, steps whose task got a red card' },
    stepWarningRate: {
      ...nullableNumber,
      description: '环节预警率: warnedSteps ÷ stepsWithLimit (null without any)',
    },
    stepRedCardRate: {
      ...nullableNumber,
      description: '环节红牌率: redCardSteps ÷ stepsWithLimit (null without any)',
    },
  },
} as const;

export const departmentComparisonSchema = {
  type: 'object',
  required: ['key', 'from', 'to', 'before', 'after'],
  properties: {
    key: { type: 'string' },
    from: { type: 'integer' },
    to: { type: 'integer' },
    before: { type: 'array', items: departmentWarningsSchema },
    after: { type: 'array', items: departmentWarningsSchema },
  },
} as const;
