// Stopping (issue 14): a real server process given SIGTERM under load, with due timers firing and its stdout
// reader gone, exits within its grace period and keeps every command it acknowledged; a stop held up by a request
// that never finishes ends in a forced exit that names it; a main thread stuck after the signal is ended by the
// watchdog thread. And the timer scheduler under it: a run of due timers lets the event loop turn, and a stop
// ends the run after the timer being fired, handing back the rest uncounted. On PGlite and, when
// TEST_DATABASE_URL is set, on PostgreSQL.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import t from 'tap';
import { CaseService } from '../../server/cases/case-service.js';
import { openDatabase } from '../../server/db/database.js';
import { TimerScheduler } from '../../server/scheduler/timer-scheduler.js';
import { forcedExitReserve } from '../../server/shutdown.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { checkIntegrity } from '../helpers/case-integrity.js';
import {
  CHILD_TOKENS,
  type ChildServer,
  createPostgresDatabase,
  DEPARTMENT_TOKENS,
  http,
  startChild,
} from '../helpers/child-server.js';
import { testDatabases } from '../helpers/test-database.js';

const reminderFile = new URL('./fixtures/reminder-cycle.bpmn', import.meta.url).pathname; // R/PT1S on 'review'
const GRACE_MS = 8000;
/** Cases whose reminder fires every second for as long as the server runs: ten due each second keep it firing. */
const REMINDED_CASES = 10;
const LOOPS = 8;
/**
 * Completions acknowledged before the signal: the loops go on meanwhile, so requests are in flight when it comes
 * (counted, not timed: a fast machine does not spend longer loading).
 */
const MIN_COMPLETIONS = 10;
/** An initdb of the embedded database on a busy machine takes a while. */
const STARTUP_MS = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Acked {
  starts: string[];
  completions: { caseId: string; taskId: string }[];
  /** Answers other than 2xx, by status (503 while closing; 0 once the server is gone). */
  refused: Record<string, number>;
}

/** Starts a reminded case and completes its review, again and again, until the server stops answering. */
async function loop(url: string, n: number, acked: Acked): Promise<void> {
  const refuse = (status: number) => {
    acked.refused[status] = (acked.refused[status] ?? 0) + 1;
  };
  for (let i = 0; ; i++) {
    const started = await http(url, 'POST', '/api/cases', CHILD_TOKENS.intake, {
      process: 'reminder_cycle',
      businessKey: `L${n}-${i}`,
    });
    if (started.status === 0) return;
    if (started.status !== 201) {
      refuse(started.status);
      await sleep(20);
      continue;
    }
    acked.starts.push(started.body.id);
    const taskId: string = started.body.openTasks[0].id;
    const done = await http(url, 'POST', `/api/tasks/${taskId}/complete`, DEPARTMENT_TOKENS.公安, {});
    if (done.status === 200) acked.completions.push({ caseId: started.body.id, taskId });
    else if (done.status === 0) return;
    else refuse(done.status);
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const backends: { name: 'pglite' | 'postgres'; url?: string }[] = [{ name: 'pglite' }];
if (process.env.TEST_DATABASE_URL) backends.push({ name: 'postgres', url: process.env.TEST_DATABASE_URL });

t.setTimeout(240_000);

for (const backend of backends) {
  t.test(
    `SIGTERM under load, with due timers firing and the stdout reader gone: exit within the grace period, nothing acknowledged lost (${backend.name})`,
    async (t) => {
      // given a server whose reminders keep firing, under load from 8 clients
      const dir = mkdtempSync(join(tmpdir(), 'reflow-shutdown-'));
      const dataDir = join(dir, 'data');
      const processesDir = join(dir, 'processes');
      mkdirSync(processesDir);
      copyFileSync(reminderFile, join(processesDir, 'reminder-cycle.bpmn'));
      let child: ChildServer | null = null;
      t.teardown(async () => {
        await child?.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      });
      let databaseUrl: string | undefined;
      if (backend.url) {
        const created = await createPostgresDatabase(backend.url);
        databaseUrl = created.url;
        t.teardown(created.drop);
      }
      child = await startChild(
        {
          dataDir,
          databaseUrl,
          processesDir,
          pollMs: 200,
          logLevel: 'info', // a line per request: the log is busy when the reader goes
          env: { REFLOW_SHUTDOWN_GRACE_MS: String(GRACE_MS) },
        },
        STARTUP_MS,
      );
      const server = child;
      const acked: Acked = { starts: [], completions: [], refused: {} };
      for (let i = 0; i < REMINDED_CASES; i += 10) {
        const started = await Promise.all(
          Array.from({ length: 10 }, (_, k) =>
            http(server.url, 'POST', '/api/cases', CHILD_TOKENS.intake, {
              process: 'reminder_cycle',
              businessKey: `R${i + k}`,
            }),
          ),
        );
        for (const s of started) {
          t.equal(s.status, 201, 'a reminded case starts');
          acked.starts.push(s.body.id);
        }
      }
      const reminded = acked.starts[0];
      await waitFor('the reminders to fire', async () => {
        const events = await http(server.url, 'GET', `/api/cases/${reminded}/events`, CHILD_TOKENS.auditor);
        return events.body.filter?.((e: { type: string }) => e.type === 'timerFired').length >= 2;
      });
      const loops = Array.from({ length: LOOPS }, (_, n) => loop(server.url, n, acked));
      const loadFrom = Date.now();
      while (acked.completions.length < MIN_COMPLETIONS && Date.now() - loadFrom < 20_000) await sleep(10);

      // when the log's reader goes away and SIGTERM comes, with requests in flight
      const pid = server.pid;
      server.process.stdout?.destroy();
      server.process.stderr?.destroy();
      const signalledAt = Date.now();
      const ackedBefore = acked.completions.length;
      process.kill(pid, 'SIGTERM');
      const exit = await Promise.race([
        server.exited,
        sleep(GRACE_MS + 5000).then(() => ({ code: null, signal: 'still running' as const })),
      ]);
      const took = Date.now() - signalledAt;
      await Promise.all(loops);

      // then it exits cleanly within the grace period
      t.same(exit, { code: 0, signal: null }, `the server exited with code 0 after ${took} ms`);
      t.ok(took < GRACE_MS, `within the grace period of ${GRACE_MS} ms (${took} ms)`);
      t.ok(
        ackedBefore >= MIN_COMPLETIONS,
        `load was in flight: ${ackedBefore} task completions before the signal`,
      );
      const unexpected = Object.keys(acked.refused).filter((s) => s !== '503');
      t.same(unexpected, [], `no answer but 2xx, or 503 while closing (${JSON.stringify(acked.refused)})`);
      if (backend.name === 'pglite') t.notOk(existsSync(join(dataDir, 'reflow.lock')), 'its lock is gone');

      // and everything it acknowledged is stored, whole
      const database = await openDatabase(databaseUrl ? { databaseUrl } : { dataDir });
      try {
        const report = await checkIntegrity(database.db);
        const missing = acked.starts.filter((id) => !report.cases.has(id));
        t.same(missing, [], `every acknowledged case start is stored (${acked.starts.length})`);
        const lost = acked.completions.filter(
          (c) => report.cases.get(c.caseId)?.tasks.find((k) => k.id === c.taskId)?.status !== 'completed',
        );
        t.same(lost, [], `every acknowledged task completion is stored (${acked.completions.length})`);
        t.same(report.problems, [], `no case is half-applied (${report.cases.size} cases)`);
        const firedLate = [...report.cases.values()].flatMap((c) =>
          c.audit.filter((a) => a.type === 'timerFired' && a.at.getTime() >= signalledAt - 1500),
        );
        t.ok(
          firedLate.length > 0,
          `timers were firing when the signal came (${firedLate.length} in its last 1.5 s)`,
        );
        const timers = await database.db
          .selectFrom('timers')
          .select(['id', 'claimed_by', 'attempts'])
          .execute();
        t.ok(timers.length >= REMINDED_CASES, `the reminders wait for the next start (${timers.length})`);
        t.same(
          timers.filter((r) => r.claimed_by !== null || r.attempts !== 0),
          [],
          'no timer is left claimed, and none claimed but not fired counts as an attempt',
        );
      } finally {
        await database.close();
      }
    },
  );
}

t.test(
  'a stop held up by a request that never finishes: forced exit before the grace period ends, naming it',
  async (t) => {
    const grace = 5000;
    const dir = mkdtempSync(join(tmpdir(), 'reflow-shutdown-forced-'));
    const child = await startChild(
      {
        dataDir: join(dir, 'data'),
        logLevel: 'info',
        env: { REFLOW_SHUTDOWN_GRACE_MS: String(grace) },
      },
      STARTUP_MS,
    );
    t.teardown(async () => {
      await child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    // given a client that sent a request's headers and half its body, and then nothing
    const socket = connect(child.port, '127.0.0.1');
    t.teardown(() => socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /api/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${CHILD_TOKENS.intake}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"process":`,
    );
    await waitFor('the server to see the request', async () => child.output().includes('"url":"/api/cases"'));

    // when SIGTERM comes
    const signalledAt = Date.now();
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    const took = Date.now() - signalledAt;

    // then it exits with code 1 before the grace period ends, its log naming what was still open
    t.equal(exit.code, 1, 'a forced exit ends with code 1');
    t.ok(took < grace, `before the grace period of ${grace} ms ended (${took} ms)`);
    t.ok(took >= grace - forcedExitReserve(grace) - 100, 'after waiting for the request as long as it could');
    const line = child
      .output()
      .split('\n')
      .find((l) => l.includes('forced exit'));
    t.ok(line, 'the forced exit is logged');
    const logged = JSON.parse(line ?? '{}');
    t.match(logged.open, {
      stopping: ['http requests'],
      requests: [{ method: 'POST', url: '/api/cases' }],
      writes: { queued: 0, batchesInFlight: 0 },
      timers: { running: false },
      database: { kind: 'pglite' },
    });
  },
);

t.test(
  'a keep-alive connection whose request is answered after the signal is closed, and does not hold the stop',
  async (t) => {
    const grace = 5000;
    const dir = mkdtempSync(join(tmpdir(), 'reflow-shutdown-keepalive-'));
    const processesDir = join(dir, 'processes');
    mkdirSync(processesDir);
    copyFileSync(reminderFile, join(processesDir, 'reminder-cycle.bpmn'));
    const dataDir = join(dir, 'data');
    const child = await startChild(
      { dataDir, processesDir, logLevel: 'info', env: { REFLOW_SHUTDOWN_GRACE_MS: String(grace) } },
      STARTUP_MS,
    );
    t.teardown(async () => {
      await child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    // given a request in flight on a keep-alive connection: its body half sent when the signal comes
    const body = JSON.stringify({ process: 'reminder_cycle', businessKey: 'kept-alive' });
    const socket = connect(child.port, '127.0.0.1');
    t.teardown(() => socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    const closedByServer = new Promise((resolve) => socket.once('end', resolve));
    socket.write(
      `POST /api/cases HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nAuthorization: Bearer ${CHILD_TOKENS.intake}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    await waitFor('the server to see the request', async () => child.output().includes('"url":"/api/cases"'));
    const signalledAt = Date.now();
    child.process.kill('SIGTERM');
    await waitFor('the server to begin stopping', async () => child.output().includes('shutting down'));

    // when the rest of the body arrives
    socket.write(body.slice(10));

    // then the request is answered, the server closes the connection, and the stop does not wait for the client
    await closedByServer;
    t.match(answer, /^HTTP\/1\.1 201 /, 'the request is answered');
    t.match(answer, /\r\nconnection: close\r\n/i, 'telling the client the connection closes');
    const exit = await child.exited;
    const took = Date.now() - signalledAt;
    t.equal(exit.code, 0, 'the server stops cleanly');
    t.ok(took < grace - forcedExitReserve(grace), `without waiting for the client (${took} ms)`);
    const caseId = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).id;
    const database = await openDatabase({ dataDir });
    try {
      const stored = await database.db.selectFrom('cases').select('id').where('id', '=', caseId).execute();
      t.equal(stored.length, 1, 'and the case it acknowledged is stored');
    } finally {
      await database.close();
    }
  },
);

t.test(
  'a main thread stuck after the signal is ended by the watchdog at the end of the grace period',
  async (t) => {
    const grace = 1500;
    const fixture = new URL('./fixtures/stuck-shutdown.ts', import.meta.url).pathname;
    // the TypeScript loader tap runs this file with
    const child = spawn(process.execPath, [...process.execArgv, fixture], {
      env: { ...process.env, GRACE_MS: String(grace) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.teardown(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await waitFor('the fixture to be ready', async () => out.includes('ready'));

    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const exit = await exited;
    const took = Date.now() - signalledAt;

    t.same(exit, { code: null, signal: 'SIGKILL' }, 'ended by SIGKILL');
    t.ok(
      took >= grace - 50 && took < grace + 1000,
      `at the end of the grace period of ${grace} ms (${took} ms)`,
    );
    t.match(err, /forced exit: the process did not end within the grace period of 1500 ms/, 'and said so');
  },
);

for (const { name, open } of testDatabases()) {
  t.test(
    `a run of due timers lets the event loop turn, and a stop ends it after the timer being fired (${name})`,
    async (t) => {
      const database = await open();
      t.teardown(() => database.close());
      const clock = { now: Date.UTC(2026, 0, 5, 1, 0, 0) };
      const definitions = new DefinitionStore(database.db);
      const service = new CaseService(database.db, definitions, { clock: () => clock.now });
      await definitions.deploy(readFileSync(reminderFile, 'utf8'), new Date(clock.now));
      const cases = 12;
      for (let i = 0; i < cases; i++) await service.start({ process: 'reminder_cycle' }, 'test');
      const errors: unknown[] = [];
      const scheduler = new TimerScheduler(database.db, service, {
        nodeId: 'stopping',
        pollMs: 3_600_000,
        batch: 50,
        clock: () => clock.now,
        onError: (e) => errors.push(e),
      });
      clock.now += 1500; // every reminder is due

      // given a run firing the due reminders
      const run = scheduler.tick();
      await turn();
      t.ok(scheduler.inFlight().running, 'the event loop turned while the run was firing');
      while (scheduler.inFlight().firing === null && scheduler.inFlight().running) await turn();

      // when the scheduler stops in the middle of it
      await scheduler.stop();
      const fired = await run;

      // then the run ended early, and the timers it had claimed but not fired are free again, their attempt uncounted
      t.ok(fired >= 1 && fired < cases, `the run stopped after ${fired} of ${cases} reminders`);
      const timers = await database.db.selectFrom('timers').select(['claimed_by', 'attempts']).execute();
      t.equal(timers.length, cases, 'each case still has its next reminder');
      t.same(
        timers.filter((r) => r.claimed_by !== null || r.attempts !== 0),
        [],
        'none left claimed or counted as an attempt',
      );
      t.same(errors, [], 'no timer failed');
      t.equal(await scheduler.tick(), 0, 'a stopped scheduler fires nothing');
    },
  );
}
