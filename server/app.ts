/** The Reflow HTTP application as a fastify instance: plugins and routes, no listening (see main.ts). */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Principal } from './auth/tokens.js';
import { CalendarService } from './calendar/calendar-service.js';
import type { CaseService } from './cases/case-service.js';
import type { Db } from './db/database.js';
import { authPlugin } from './plugins/auth.js';
import {
  capConnections,
  EDGE_DEFAULTS,
  type EdgeOptions,
  edgePlugin,
  edgeServerOptions,
} from './plugins/edge.js';
import { inputGuardPlugin } from './plugins/input-guard.js';
import { frameworkErrorHandler, problemsPlugin } from './plugins/problems.js';
import { RatingService } from './ratings/rating-service.js';
import { auditRoutes } from './routes/audit.js';
import { calendarRoutes } from './routes/calendar.js';
import { caseRoutes } from './routes/cases.js';
import { definitionRoutes } from './routes/definitions.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelerRoutes } from './routes/modeler.js';
import { ratingRoutes } from './routes/ratings.js';
import { taskRoutes } from './routes/tasks.js';
import type { DefinitionStore } from './store/definition-store.js';

export interface AppOptions {
  db: Db;
  service: CaseService;
  definitions: DefinitionStore;
  principals: Principal[];
  /** Largest accepted BPMN document, in bytes. */
  maxBpmnBytes?: number;
  logger?: FastifyServerOptions['logger'];
  /** 好差评; built from the case service when not given. */
  ratings?: RatingService;
  /** The holiday calendar's years (server/calendar); built from the case service, stored years loaded, when not given. */
  calendars?: CalendarService;
  /** Timeouts, connection cap, rate limits (server/plugins/edge.ts); EDGE_DEFAULTS for what is not given. */
  edge?: Partial<EdgeOptions>;
  /** Extra routes registered by later features (metrics, modeler…). */
  extend?: (app: FastifyInstance) => Promise<void> | void;
}

declare module 'fastify' {
  interface FastifyInstance {
    reflow: { db: Db; service: CaseService; definitions: DefinitionStore };
  }
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const edge: EdgeOptions = { ...EDGE_DEFAULTS, ...options.edge };
  const app = Fastify({
    ...edgeServerOptions(edge),
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', removeAdditional: false } },
    frameworkErrors: frameworkErrorHandler,
  });
  app.decorate('reflow', { db: options.db, service: options.service, definitions: options.definitions });
  capConnections(app, edge.maxConnections);
  await app.register(problemsPlugin);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Reflow API',
        description:
          '政务服务流程再造的 BPMN 引擎 / BPMN engine for reengineering government service processes',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(edgePlugin, { edge, tokens: options.principals.map((p) => p.token) });
  await app.register(authPlugin, { principals: options.principals });
  await app.register(inputGuardPlugin);
  await app.register(healthRoutes);
  await app.register(definitionRoutes, { maxBpmnBytes: options.maxBpmnBytes ?? 5 * 1024 * 1024 });
  await app.register(caseRoutes);
  await app.register(taskRoutes);
  await app.register(auditRoutes);
  await app.register(modelerRoutes);
  await app.register(metricsRoutes);
  app.decorate('ratings', options.ratings ?? new RatingService(options.db, options.service));
  await app.register(ratingRoutes);
  let calendars = options.calendars;
  if (!calendars) {
    const own = new CalendarService(options.db, options.service);
    await own.load();
    app.addHook('onClose', () => own.stop());
    calendars = own;
  }
  app.decorate('calendars', calendars);
  await app.register(calendarRoutes);
  if (options.extend) await options.extend(app);
  return app;
}
