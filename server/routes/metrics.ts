/** Metrics of a version and the before/after comparison of two (auditor; metrics also designer); the report and event logs. */
import type { FastifyInstance } from 'fastify';
import { eventLogRoutes } from './event-logs.js';
import {
  comparisonSchema,
  departmentComparisonSchema,
  keyParams,
  pairQuery,
  versionMetricsSchema,
  versionParams,
} from './metrics-schemas.js';
import { reportRoutes } from './report.js';
import { problemResponses } from './schemas.js';
import { typed } from './typed.js';

export async function metricsRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { metrics, records } = app.reflow;
  await app.register(reportRoutes);
  await app.register(eventLogRoutes);

  app.get(
    '/api/processes/:key/versions/:version/metrics',
    {
      config: { roles: ['auditor', 'designer'] },
      schema: {
        tags: ['metrics'],
        summary: '版本指标：静态与动态 / static and dynamic metrics of a version',
        description:
          'Static figures from the model; dynamic figures from the version’s cases (engine-run or imported), in working days. `dynamic.method` says how each figure was computed and from how many cases.',
        params: versionParams,
        response: { 200: versionMetricsSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { key, version } = request.params;
      return metrics.version(key, version);
    },
  );

  app.get(
    '/api/processes/:key/compare',
    {
      config: { roles: ['auditor'] },
      schema: {
        tags: ['metrics'],
        summary: '改革前后对比 / compare two versions',
        description:
          'Before (`from`, default: the version before `to`) and after (`to`, default: the latest), with `change` for every numeric figure and `stepChanges` per element.',
        params: keyParams,
        querystring: pairQuery,
        response: { 200: comparisonSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { key } = request.params;
      const { from, to } = request.query;
      return metrics.compare(key, from, to);
    },
  );

  app.get(
    '/api/processes/:key/departments',
    {
      config: { roles: ['auditor'] },
      schema: {
        tags: ['metrics'],
        summary: '改革前后各部门电子监察指标 / card figures per department of two versions',
        description:
          'Per department, for `from` and `to` (defaults as for compare): of its completed steps with a time limit in the completed engine-run cases, those whose task got a card (stepWarningRate) and a red card (stepRedCardRate) — the figures of the report’s table and of `GET /api/metrics/people`, computed once (server/metrics/warning-figures.ts). It reads the versions’ steps, so it is an answer of its own, not part of the compare answer that reads rollups only.',
        params: keyParams,
        querystring: pairQuery,
        response: { 200: departmentComparisonSchema, ...problemResponses },
      },
    },
    async (request) => {
      const { key } = request.params;
      const pair = await metrics.resolvePair(key, request.query.from, request.query.to);
      const [before, after] = await Promise.all([
        records.departmentWarnings(key, pair.from),
        records.departmentWarnings(key, pair.to),
      ]);
      return { key, from: pair.from, to: pair.to, before, after };
    },
  );
}
