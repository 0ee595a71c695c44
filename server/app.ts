/** The Reflow HTTP application as a fastify instance: plugins and routes, no listening (see main.ts). */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { JwtVerifier } from './auth/jwt.js';
import type { Principal } from './auth/tokens.js';
import type { CalendarService } from './calendar/calendar-service.js';
import type { CaseService } from './cases/case-service.js';
import type { BrowserSignIn } from './config.js';
import type { Db } from './db/database.js';
import { WorkItems } from './people/work-items.js';
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
import type { RatingService } from './ratings/rating-service.js';
import { auditRoutes } from './routes/audit.js';
import { calendarRoutes } from './routes/calendar.js';
import { caseRoutes } from './routes/cases.js';
import { definitionRoutes } from './routes/definitions.js';
import { healthRoutes } from './routes/health.js';
import { messageRoutes } from './routes/messages.js';
import { metricsRoutes } from './routes/metrics.js';
import { modelerRoutes } from './routes/modeler.js';
import { peopleRoutes } from './routes/people.js';
import { ratingRoutes } from './routes/ratings.js';
import { taskRoutes } from './routes/tasks.js';
import { warningRoutes } from './routes/warnings.js';
import { webhookRoutes } from './routes/webhooks.js';
import { createServices, type Services } from './services.js';
import type { DefinitionStore } from './store/definition-store.js';

/** The node's services (server/services.ts), or the parts tests make themselves: createServices makes the rest. */
type ServiceParts =
  | { services: Services }
  | {
      services?: undefined;
      service: CaseService;
      definitions: DefinitionStore;
      /** 好差评; made by createServices when not given. */
      ratings?: RatingService;
      /** The holiday calendar (stored years loaded); made by createServices when not given, and then stopped with the app. */
      calendars?: CalendarService;
    };

export type AppOptions = ServiceParts & {
  db: Db;
  principals: Principal[];
  /** JWT sign-in through the identity provider (REFLOW_JWT_*), beside the tokens file. */
  jwt?: JwtVerifier;
  /** The browser app's sign-in at that provider (REFLOW_OIDC_*), told by GET /api/auth/config. */
  browserSignIn?: BrowserSignIn;
  /** Largest accepted BPMN document, in bytes. */
  maxBpmnBytes?: number;
  logger?: FastifyServerOptions['logger'];
  /** Timeouts, connection cap, rate limits (server/plugins/edge.ts); EDGE_DEFAULTS for what is not given. */
  edge?: Partial<EdgeOptions>;
  /** Extra routes registered by later features (metrics, modeler…). */
  extend?: (app: FastifyInstance) => Promise<void> | void;
};

declare module 'fastify' {
  interface FastifyInstance {
    /** The node's services (routes use these); `db` and `service` for tests and tools. */
    reflow: Services & { db: Db; service: CaseService; workItems: WorkItems };
    /** The same as `reflow.ratings` and `reflow.calendars`. */
    ratings: RatingService;
    calendars: CalendarService;
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
  let services: Services;
  if (options.services) services = options.services;
  else {
    services = await createServices(options.db, {
      definitions: options.definitions,
      cases: options.service,
      ratings: options.ratings,
      calendars: options.calendars,
    });
    const made = services.calendars;
    if (!options.calendars) app.addHook('onClose', () => made.stop());
    const messages = services.messages;
    app.addHook('onClose', () => messages.stop());
  }
  // an assignee's display name: the tokens file's entries that name a person
  const names = new Map(options.principals.map((p) => [p.userId, p.name]));
  const workItems = new WorkItems(options.db, services.cases, names);
  app.decorate('reflow', { ...services, db: options.db, service: services.cases, workItems });
  app.decorate('ratings', services.ratings);
  app.decorate('calendars', services.calendars);
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
  const { jwt } = options;
  await app.register(edgePlugin, {
    edge,
    tokens: options.principals.map((p) => p.token),
    recall: jwt && ((token: string) => jwt.recall(token)),
    connectSources: options.browserSignIn ? [new URL(options.browserSignIn.issuer).origin] : [],
  });
  await app.register(authPlugin, { principals: options.principals, jwt });
  await app.register(inputGuardPlugin);
  await app.register(healthRoutes);
  await app.register(definitionRoutes, { maxBpmnBytes: options.maxBpmnBytes ?? 5 * 1024 * 1024 });
  await app.register(caseRoutes);
  await app.register(taskRoutes);
  await app.register(peopleRoutes, { browserSignIn: options.browserSignIn });
  await app.register(messageRoutes);
  await app.register(auditRoutes);
  await app.register(modelerRoutes);
  await app.register(metricsRoutes);
  await app.register(ratingRoutes);
  await app.register(calendarRoutes);
  await app.register(warningRoutes);
  await app.register(webhookRoutes);
  if (options.extend) await options.extend(app);
  return app;
}
