/** One Reflow node: database, definitions, case service, timer scheduler and the HTTP app, started and stopped together. */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { isActivity, type ServiceHandler } from '../engine/index.js';
import { buildApp } from './app.js';
import { type JwtOptions, JwtVerifier } from './auth/jwt.js';
import { loadTokens, type Principal } from './auth/tokens.js';
import type { CalendarService } from './calendar/calendar-service.js';
import type { CaseService } from './cases/case-service.js';
import { type BrowserSignIn, readConfig, type ServerConfig } from './config.js';
import { autovacuumOff, type OpenedDatabase, openDatabase } from './db/database.js';
import { startRollupDrain } from './metrics/rollup-queue.js';
import type { EdgeOptions } from './plugins/edge.js';
import { hasAnyCase } from './repositories/case-repository.js';
import { allVersionIds } from './repositories/definition-repository.js';
import { TimerScheduler } from './scheduler/timer-scheduler.js';
import { WarningScheduler } from './scheduler/warning-scheduler.js';
import { createServices } from './services.js';
import { trackRequests } from './shutdown.js';
import { type DemoReport, seedDemoHistory } from './simulate/demo.js';
import type { DefinitionStore } from './store/definition-store.js';
import { DeliveryWorker } from './webhooks/delivery-worker.js';

export interface NodeConfig {
  databaseUrl?: string;
  dataDir: string;
  tokensFile: string;
  pollMs?: number;
  /** 好差评: working days to rectify a bad rating; days after which an unrated case gets the default rating, and its level. */
  rectificationDays?: number;
  defaultRatingDays?: number;
  defaultRatingLevel?: number;
  logger?: FastifyServerOptions['logger'];
  handlers?: Record<string, ServiceHandler>;
  /** Deploy every .bpmn file of this folder at start (new content only; a `.before.bpmn` before its `.after.bpmn`). */
  processesDir?: string;
  /**
   * When the database has no cases at all: simulate history for the deployed samples of `processesDir` that
   * have a `.sim.json` (engine/simulate), so the dashboards have figures at once. Set by main.ts.
   */
  seedDemo?: boolean;
  clock?: () => number;
  /** The ids of cases and their tasks (random UUIDs unless given: `npm run screenshots` gives fixed ones). */
  newId?: () => string;
  /** JWT sign-in through the identity provider (REFLOW_JWT_ISSUER, _AUDIENCE, _JWKS_URL, _CLAIMS). */
  jwt?: JwtOptions;
  /** The browser app's sign-in at that identity provider (REFLOW_OIDC_CLIENT_ID, _SCOPES). */
  browserSignIn?: BrowserSignIn;
  /** Rate limits, timeouts, connection cap (server/plugins/edge.ts; EDGE_DEFAULTS for what is not given). */
  edge?: Partial<EdgeOptions>;
  /** Cases a node keeps in memory between commands (REFLOW_CASE_CACHE). */
  caseCache?: number;
  /** How often the node re-reads the stored calendar years (default 30 s; PostgreSQL also wakes it at a load). */
  calendarPollMs?: number;
  /** What one command may spend: element activations (REFLOW_STEP_BUDGET) and CPU ms (REFLOW_COMMAND_CPU_MS). */
  stepBudget?: number;
  commandCpuMs?: number;
  /** Attempts to fire a timer before its case gets an incident (REFLOW_TIMER_ATTEMPTS). */
  timerAttempts?: number;
  /** How long a message a case sent is kept when nothing waits for it (REFLOW_MESSAGE_TTL_SECONDS). */
  messageTtlSeconds?: number;
  /** The share of a time limit at which a yellow card is raised when the model does not say (REFLOW_WARN_AT). */
  warnAt?: number;
  /** Webhook deliveries (REFLOW_WEBHOOK_TIMEOUT_MS, REFLOW_WEBHOOK_ATTEMPTS, REFLOW_WEBHOOK_RETRY_MS). */
  webhookTimeoutMs?: number;
  webhookAttempts?: number;
  webhookRetryMs?: number;
}

export interface ReflowNode {
  app: FastifyInstance;
  database: OpenedDatabase;
  service: CaseService;
  scheduler: TimerScheduler;
  /** Raises the yellow and red cards of electronic supervision. */
  warningScheduler: WarningScheduler;
  /** Delivers the webhook outbox. */
  deliveries: DeliveryWorker;
  /** The holiday calendar's stored years, horizon and warnings. */
  calendars: CalendarService;
  principals: Principal[];
  tokensCreated: boolean;
  deployed: { key: string; version: number; created: boolean }[];
  /** What the demo seeding wrote, when it ran. */
  demo: DemoReport | null;
  /** Stops accepting and firing, lets what was started finish, closes the database; every call shares one stop. */
  stop(): Promise<void>;
  /** What is open right now (logged when a shutdown runs out of time). */
  openWork(): Record<string, unknown>;
}

/**
 * Reads the environment as the README's 配置 / Configuration section defines it (server/config.ts checks every variable; a bad value throws a
 * ConfigError naming it).
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): NodeConfig & ServerConfig {
  return readConfig(env);
}

/** Who deploys and publishes the sample processes at start-up (the audit log's actor). */
export const SAMPLES_ACTOR = 'system:samples';

/** Every department named (not computed) by an activity of a deployed process: the demo tokens' departments. */
async function deployedDepartments(
  database: OpenedDatabase,
  definitions: DefinitionStore,
): Promise<string[]> {
  const names = new Set<string>();
  for (const id of await allVersionIds(database.db)) {
    const definition = await definitions.load(id);
    for (const node of Object.values(definition?.graph.nodes ?? {})) {
      if (isActivity(node) && node.department && !node.department.startsWith('=')) names.add(node.department);
    }
  }
  return [...names];
}

export async function startNode(config: NodeConfig): Promise<ReflowNode> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const calendarLog = { error: (error: unknown) => console.error('calendar:', (error as Error).message) };
  const messageLog = { error: (error: unknown) => console.error('messages:', (error as Error).message) };
  const services = await createServices(database.db, {
    caseOptions: {
      handlers: config.handlers,
      clock: config.clock,
      newId: config.newId,
      cacheSize: config.caseCache,
      budget: { activations: config.stepBudget, cpuMs: config.commandCpuMs },
    },
    calendarOptions: {
      pollMs: config.calendarPollMs,
      pool: database.pool,
      onError: (error) => calendarLog.error(error),
    },
    ratingOptions: { deadlineDays: config.rectificationDays },
    messageOptions: {
      defaultTtlSeconds: config.messageTtlSeconds,
      sweepMs: config.pollMs === undefined ? undefined : Math.max(config.pollMs, 1000),
      onError: (error) => messageLog.error(error),
    },
  });
  const { definitions, cases: service, calendars, ratings } = services;
  // the years an administrator loaded, before anything computes a due date (the demo history included)
  await calendars.start();
  const deployed: ReflowNode['deployed'] = [];
  if (config.processesDir) {
    // a service's before is deployed ahead of its after, so they become versions 1 and 2 (processes/README.md)
    const order = (f: string) => f.replace('.before.', '.0.').replace('.after.', '.1.');
    const files = readdirSync(config.processesDir).filter((f) => f.endsWith('.bpmn'));
    for (const file of files.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))) {
      // the samples ship reviewed: each new version is published as it is deployed, so a service's after is in
      // force and its before retired (its demo cases stay on it), as a designer's deployment followed by 发布
      const result = await definitions.deploy(
        readFileSync(join(config.processesDir, file), 'utf8'),
        new Date(service.now()),
        { actor: SAMPLES_ACTOR, publish: true },
      );
      // a collaboration deploys several processes (each its own key and version)
      for (const p of result.processes) deployed.push({ key: p.key, version: p.version, created: p.created });
    }
  }
  let demo: DemoReport | null = null;
  if (config.seedDemo && config.processesDir && !(await hasAnyCase(database.db))) {
    demo = await seedDemoHistory(database.db, definitions, {
      processesDir: config.processesDir,
      now: service.now(),
      calendar: service.calendar,
      rectificationDays: config.rectificationDays,
      warnAt: config.warnAt,
    });
  }
  const departments = await deployedDepartments(database, definitions);
  const { principals, created } = loadTokens(
    config.tokensFile,
    departments.length > 0 ? departments : undefined,
  );
  const app = await buildApp({
    db: database.db,
    services,
    principals,
    jwt: config.jwt ? new JwtVerifier({ ...config.jwt, now: config.clock }) : undefined,
    browserSignIn: config.browserSignIn,
    logger: config.logger,
    edge: config.edge,
  });
  calendarLog.error = (error) => app.log.error({ err: error }, 'calendar failed');
  if (await autovacuumOff(database))
    app.log.warn(
      'autovacuum is off on this PostgreSQL: statistics are never refreshed and commands slow down as the tables grow; turn it on or run ANALYZE regularly / 此 PostgreSQL 关闭了 autovacuum：统计信息不再更新，命令会随表增长而变慢；请开启它或定期执行 ANALYZE',
    );
  // unrated completed cases get the default rating (基本满意 after 7 days by default); every node may run it
  let sweep: Promise<unknown> = Promise.resolve();
  const defaultRatings = () => {
    sweep = ratings
      .applyDefaults({ afterDays: config.defaultRatingDays, level: config.defaultRatingLevel })
      .catch((error) => app.log.error({ err: error }, 'default ratings failed'));
    return sweep;
  };
  await defaultRatings();
  const ratingSweep = setInterval(defaultRatings, 10 * 60_000);
  ratingSweep.unref();
  const nodeId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const scheduler = new TimerScheduler(database.db, service, {
    nodeId,
    pollMs: config.pollMs,
    pool: database.pool,
    clock: config.clock,
    maxAttempts: config.timerAttempts,
    onError: (error) => app.log.error({ err: error }, 'timer failed'),
  });
  const warningScheduler = new WarningScheduler(database.db, service, {
    nodeId,
    pollMs: config.pollMs === undefined ? undefined : Math.max(config.pollMs, 1000),
    clock: config.clock,
    warnAt: config.warnAt,
    onError: (error) => app.log.error({ err: error }, 'warnings failed'),
  });
  const deliveries = new DeliveryWorker(database.db, {
    nodeId,
    pollMs: config.pollMs === undefined ? undefined : Math.max(config.pollMs, 500),
    pool: database.pool,
    timeoutMs: config.webhookTimeoutMs,
    maxAttempts: config.webhookAttempts,
    retryMs: config.webhookRetryMs,
    onError: (error) => app.log.error({ err: error }, 'webhook delivery failed'),
  });
  messageLog.error = (error) => app.log.error({ err: error }, 'message delivery failed');
  services.messages.start();
  warningScheduler.start();
  await deliveries.start();
  await scheduler.start(); // timers already due fire in the background: the node listens without waiting for them
  // completed cases into the metric rollups, a second after they complete (reads drain first anyway)
  const stopDrain = startRollupDrain(database.db, 1000, (error) =>
    app.log.error({ err: error }, 'metric rollups failed'),
  );
  const requests = trackRequests(app.server);
  /** The parts of stopping not finished yet. */
  const stopping = new Set<string>();
  const part = async (name: string, work: () => Promise<unknown>): Promise<void> => {
    stopping.add(name);
    try {
      await work();
    } finally {
      stopping.delete(name);
    }
  };
  let stopped: Promise<void> | null = null;
  return {
    app,
    database,
    service,
    scheduler,
    warningScheduler,
    deliveries,
    calendars,
    principals,
    tokensCreated: created,
    deployed,
    demo,
    stop() {
      stopped ??= (async () => {
        clearInterval(ratingSweep);
        // no new requests and no new timer firings from now on; what each had started finishes
        const parts = await Promise.allSettled([
          part('http requests', () => {
            requests.drain();
            return app.close();
          }),
          part('timer firing', () => scheduler.stop()),
          part('warnings', () => warningScheduler.stop()),
          part('webhook deliveries', () => deliveries.stop()),
          part('message delivery', () => services.messages.stop()),
          part('metric rollups', stopDrain),
          part('rating sweep', () => sweep),
        ]);
        await calendars.stop();
        await part('database', () => database.close());
        const failed = parts.find((p) => p.status === 'rejected');
        if (failed) throw failed.reason;
      })();
      return stopped;
    },
    openWork() {
      const pool = database.pool;
      return {
        stopping: [...stopping],
        requests: requests.open(),
        writes: service.writer.pending(),
        timers: scheduler.inFlight(),
        database: pool
          ? { kind: 'postgres', clients: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }
          : { kind: 'pglite' },
      };
    },
  };
}
