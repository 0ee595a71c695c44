/** Metrics of a version and the before/after comparison of two (auditor; metrics also designer); the report and event logs. */
import type { FastifyInstance } from 'fastify';
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
import { typed } from './typed.js';

export async function metricsRoutes(instance: FastifyInstance): Promise<void> {
  const app = typed(instance);
  const { metrics } = app.reflow;
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
}
