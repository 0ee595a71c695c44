// Builds the HTTP app on a test database with a virtual clock and fixed tokens, for app.inject() tests.
import type { FastifyInstance } from 'fastify';
import type { ServiceHandler } from '../../engine/elements/context.js';
import { buildApp } from '../../server/app.js';
import type { JwtVerifier } from '../../server/auth/jwt.js';
import { type Principal, parseTokens } from '../../server/auth/tokens.js';
import { CaseService } from '../../server/cases/case-service.js';
import type { CommandBudget } from '../../server/cases/command-budget.js';
import type { BrowserSignIn } from '../../server/config.js';
import type { OpenedDatabase } from '../../server/db/database.js';
import { type SchedulerOptions, TimerScheduler } from '../../server/scheduler/timer-scheduler.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { watchRemembered } from './cache-consistency.js';

export const TOKENS = {
  admin: 'admin-token-0001',
  designer: 'designer-token-0001',
  intake: 'intake-token-0001',
  auditor: 'auditor-token-0001',
  supervisor: 'supervisor-token-0001',
  publisher: 'publisher-token-0001',
  market: 'dept-market-0001',
  police: 'dept-police-0001',
  tax: 'dept-tax-0001',
  centre: 'dept-centre-0001',
} as const;

export const principals: Principal[] = parseTokens(
  JSON.stringify([
    { token: TOKENS.admin, role: 'admin' },
    { token: TOKENS.designer, role: 'designer' },
    { token: TOKENS.intake, role: 'intake' },
    { token: TOKENS.auditor, role: 'auditor' },
    { token: TOKENS.supervisor, role: 'supervisor' },
    { token: TOKENS.publisher, role: 'publisher' },
    { token: TOKENS.market, role: 'department', department: '市场监管' },
    { token: TOKENS.police, role: 'department', department: '公安' },
    { token: TOKENS.tax, role: 'department', department: '税务' },
    { token: TOKENS.centre, role: 'department', department: '政务服务中心' },
  ]),
  'test tokens',
);

export interface TestApp {
  app: FastifyInstance;
  service: CaseService;
  scheduler: TimerScheduler;
  clock: { now: number };
  /** Commands answered over HTTP after which the node's memory of the case was compared with the database. */
  cacheChecks: { compared: number; movedOn: number };
  close(): Promise<void>;
}

export async function buildTestApp(
  database: OpenedDatabase,
  options: {
    handlers?: Record<string, ServiceHandler>;
    now?: number;
    budget?: CommandBudget;
    scheduler?: Partial<SchedulerOptions>;
    /** JWT sign-in beside the test tokens (test/server/jwt.test.ts). */
    jwt?: JwtVerifier;
    /** The browser's sign-in at the identity provider (test/modeler/oidc-sign-in.test.ts). */
    browserSignIn?: BrowserSignIn;
    /** More tokens beside the test tokens (people of a department: test/server/work-items.test.ts). */
    people?: Principal[];
  } = {},
): Promise<TestApp> {
  const clock = { now: options.now ?? Date.UTC(2026, 0, 5, 1, 0, 0) }; // Monday 2026-01-05 09:00 Beijing
  let seq = 0;
  const definitions = new DefinitionStore(database.db);
  const service = new CaseService(database.db, definitions, {
    clock: () => clock.now,
    newId: () => `id-${String(++seq).padStart(6, '0')}-${Math.random().toString(36).slice(2, 6)}`,
    handlers: options.handlers,
    budget: options.budget,
  });
  const app = await buildApp({
    db: database.db,
    service,
    definitions,
    principals: [...principals, ...(options.people ?? [])],
    jwt: options.jwt,
    browserSignIn: options.browserSignIn,
  });
  const cacheChecks = watchRemembered(app, service);
  const scheduler = new TimerScheduler(database.db, service, {
    nodeId: 'test',
    clock: () => clock.now,
    ...options.scheduler,
  });
  return {
    app,
    service,
    scheduler,
    clock,
    cacheChecks,
    close: async () => {
      await app.close();
      await scheduler.stop();
      await database.close();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
