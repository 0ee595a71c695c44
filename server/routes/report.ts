/** The auditor's before/after report as a self-contained HTML page (中文 by default, English with lang=en). */
import type { FastifyInstance } from 'fastify';
import type { CompiledDefinition } from '../../engine/index.js';
import { type ElementInfo, renderReport } from '../metrics/report.js';
import { comparisonHistogram } from '../metrics/report-chart.js';
import { keyParams, pairQuery } from './metrics-schemas.js';
import { problemResponses } from './schemas.js';
import { typed } from './typed.js';

/** Name, department and step limit of every element of a definition. */
function elementsOf(definition: CompiledDefinition | undefined): Record<string, ElementInfo> {
  const out: Record<string, ElementInfo> = {};
  for (const node of Object.values(definition?.graph.nodes ?? {})) {
    out[node.id] = {
      name: node.name,
      department: node.department,
      timeLimit: node.timeLimit,
      pausesClock: node.pausesClock,
    };
  }
  return out;
}

const histogramSide = {
  type: 'object',
  properties: {
    version: { type: 'integer' },
    cases: { type: 'integer', description: 'completed cases counted: every one of the version' },
    counts: { type: 'array', items: { type: 'integer' }, description: 'cases per bin' },
    shares: { type: 'array', items: { type: 'number' }, description: 'cases per bin ÷ cases' },
  },
} as const;

export async function reportRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { definitions, metrics, records } = app.reflow;

  app.get(
    '/api/processes/:key/histogram',
    {
      config: { roles: ['auditor'] },
      schema: {
        tags: ['metrics'],
        summary: '办理时长分布 / the case-duration histogram of two versions',
        description:
          'Every completed case of each version, in the same bins (bin i: durations from i × binDays up to (i + 1) × binDays working days; the last bin also holds longer cases), over the x range the printed report draws: the same computation as its chart.',
        params: keyParams,
        querystring: pairQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              key: { type: 'string' },
              binDays: { type: 'number' },
              maxDays: { type: 'number' },
              before: histogramSide,
              after: histogramSide,
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { key } = request.params;
      const { from, to } = request.query;
      const comparison = await metrics.compare(key, from, to);
      const [before, after] = await Promise.all([
        records.caseBuckets(key, comparison.from),
        records.caseBuckets(key, comparison.to),
      ]);
      const histogram = comparisonHistogram(comparison, before, after);
      return {
        key,
        binDays: histogram.binDays,
        maxDays: histogram.maxDays,
        before: { version: comparison.from, ...histogram.before },
        after: { version: comparison.to, ...histogram.after },
      };
    },
  );

  app.get(
    '/api/processes/:key/report',
    {
      config: { roles: ['auditor'] },
      schema: {
        tags: ['metrics'],
        summary: '改革前后对比报告（HTML）/ the before/after report as HTML',
        description:
          'A printable, self-contained HTML page: the four reductions (环节, 材料, 时限, 跑动次数) and the outcome figures before and after, the case-duration distributions, the slowest steps, the steps most often over their limits, and how each figure was computed and from how many cases.',
        params: keyParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'integer', minimum: 1 },
            to: { type: 'integer', minimum: 1 },
            lang: { type: 'string', enum: ['zh', 'en'], default: 'zh' },
          },
        },
        produces: ['text/html'],
        response: { 200: { type: 'string', description: 'text/html; charset=utf-8' }, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { key } = request.params;
      const { from, to, lang } = request.query;
      const comparison = await metrics.compare(key, from, to);
      const [before, after, beforeDef, afterDef, cardsBefore, cardsAfter] = await Promise.all([
        records.caseBuckets(key, comparison.from),
        records.caseBuckets(key, comparison.to),
        definitions.load(`${key}:${comparison.from}`),
        definitions.load(`${key}:${comparison.to}`),
        records.departmentWarnings(key, comparison.from),
        records.departmentWarnings(key, comparison.to),
      ]);
      const html = renderReport({
        comparison,
        histograms: { before, after },
        departmentWarnings: { before: cardsBefore, after: cardsAfter },
        elements: { before: elementsOf(beforeDef), after: elementsOf(afterDef) },
        generatedAt: new Date(),
        lang,
      });
      reply
        .type('text/html; charset=utf-8')
        .header(
          'content-disposition',
          `inline; filename="report-${encodeURIComponent(key)}-v${comparison.from}-v${comparison.to}.html"`,
        );
      return html;
    },
  );
}
