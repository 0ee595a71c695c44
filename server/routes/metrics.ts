/** Metrics of a version and the before/after comparison of two (auditor; metrics also designer); the report and event logs. */
import type { FastifyInstance } from 'fastify';
import { MetricsService, syncMetricCalendar } from '../metrics/metrics-service.js';
import { eventLogRoutes } from './event-logs.js';
import {
  comparisonSchema,
  keyParams,
  pairQuery,
  versionMetricsSchema,
  versionParams,
} from './metrics-schemas.js';
import { reportRoutes } from './report.js';
import { problemResponses } from './schemas.js';

export async function metricsRoutes(app: FastifyInstance): Promise<void> {
  const { db, definitions, service } = app.reflow;
  await syncMetricCalendar(db, service.calendar);
  const metrics = new MetricsService(db, definitions, service.calendar);
  await app.register(reportRoutes, { metrics });
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
      const { key, version } = request.params as { key: string; version: number };
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
      const { key } = request.params as { key: string };
      const { from, to } = request.query as { from?: number; to?: number };
      return metrics.compare(key, from, to);
    },
  );
}
