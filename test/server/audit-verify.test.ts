// Audit verification (审计校验): an untouched database verifies; a step time, task status or case end changed
// directly in SQL, an altered, re-hashed or deleted audit event, and a moved chain head are each found and named
// by case and first broken link — through verifyAudit, GET /api/audit/verify and `npm run verify` (its main
// function in this process, test/helpers/run-cli.ts, and once through its launcher in a child process).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import t from 'tap';
import { type BrokenLink, verifyAudit } from '../../server/audit/verify.js';
import { main as verifyMain } from '../../server/audit/verify-cli.js';
import { CaseService } from '../../server/cases/case-service.js';
import { type Db, openDatabase } from '../../server/db/database.js';
import { auditHash } from '../../server/store/audit-log.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { checkIntegrity } from '../helpers/case-integrity.js';
import { createPostgresDatabase } from '../helpers/child-server.js';
import { runMain, spawnCli } from '../helpers/run-cli.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { seedDataDir, testDatabases } from '../helpers/test-database.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const permit = fixture('correction.bpmn');
const sla = fixture('registration-sla.bpmn');
const timer = fixture('crash-timer.bpmn');
const xmlHeaders = (token: string) => ({ ...bearer(token), 'content-type': 'application/xml' });
const HOUR = 3_600_000;

t.setTimeout(240_000);

/** Changes the database, runs `check`, and puts everything back (the statements given undo the change). */
async function tampered(db: Db, change: string, undo: string, check: () => Promise<void>): Promise<void> {
  await sql.raw(change).execute(db);
  try {
    await check();
  } finally {
    await sql.raw(undo).execute(db);
  }
}

for (const database of testDatabases()) {
  t.test(`audit verification (${database.name})`, async (t) => {
    const opened = await database.open();
    const { app, scheduler, clock, close } = await buildTestApp(opened);
    t.teardown(close);
    const db = opened.db;
    for (const xml of [permit, sla, timer]) {
      const deployed = await app.inject({
        method: 'POST',
        url: '/api/definitions',
        headers: xmlHeaders(TOKENS.designer),
        payload: xml,
      });
      t.equal(deployed.statusCode, 201, deployed.body);
    }
    const inject = async (method: 'GET' | 'POST', url: string, token: string, payload?: unknown) => {
      const res = await app.inject({
        method,
        url,
        headers: bearer(token),
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      return { status: res.statusCode, body: res.json() };
    };
    const openTasks = async (caseId: string) =>
      (await inject('GET', `/api/tasks?caseId=${caseId}&status=open`, TOKENS.admin)).body as {
        id: string;
        elementId: string;
      }[];

    // given cases of every shape: completed through a correction loop with a window message, cancelled,
    // parallel with a cycle timer that fired twice, one with a pending timer, one still active
    const looped = (
      await inject('POST', '/api/cases', TOKENS.intake, {
        process: 'permit',
        variables: { applicant: '王五' },
        channel: 'window',
      })
    ).body.id as string;
    clock.now += HOUR;
    const [review] = await openTasks(looped);
    await inject('POST', `/api/tasks/${review.id}/complete`, TOKENS.market, {
      variables: { complete: false },
    });
    const [ask] = await openTasks(looped);
    await inject('POST', `/api/tasks/${ask.id}/complete`, TOKENS.market, {});
    clock.now += 26 * HOUR;
    await inject('POST', `/api/cases/${looped}/messages`, TOKENS.intake, {
      name: 'materials-supplemented',
      channel: 'window',
    });
    clock.now += HOUR;
    const [review2] = await openTasks(looped);
    await inject('POST', `/api/tasks/${review2.id}/complete`, TOKENS.market, {
      variables: { complete: true },
    });
    clock.now += 2 * HOUR;
    const [issue] = await openTasks(looped);
    const done = await inject('POST', `/api/tasks/${issue.id}/complete`, TOKENS.police, {});
    t.equal(done.body.status, 'completed');
    const cancelled = (
      await inject('POST', '/api/cases', TOKENS.intake, {
        process: 'permit',
        variables: { applicant: '赵六' },
      })
    ).body.id as string;
    await inject('POST', `/api/cases/${cancelled}/cancel`, TOKENS.admin, { reason: '撤回' });
    const parallel = (
      await inject('POST', '/api/cases', TOKENS.intake, { process: 'business_registration_sla' })
    ).body.id as string;
    const [accept] = await openTasks(parallel);
    await inject('POST', `/api/tasks/${accept.id}/complete`, TOKENS.admin, {});
    for (let i = 0; i < 3; i++) {
      clock.now += 1500;
      await scheduler.tick();
    }
    for (const task of await openTasks(parallel))
      await inject('POST', `/api/tasks/${task.id}/complete`, TOKENS.admin, {});
    const [last] = await openTasks(parallel);
    await inject('POST', `/api/tasks/${last.id}/complete`, TOKENS.admin, {});
    const waiting = (await inject('POST', '/api/cases', TOKENS.intake, { process: 'crash_timer' })).body
      .id as string;
    const active = (
      await inject('POST', '/api/cases', TOKENS.intake, {
        process: 'permit',
        variables: { applicant: '钱七' },
      })
    ).body.id as string;
    t.equal((await inject('GET', `/api/cases/${parallel}`, TOKENS.admin)).body.status, 'completed');
    const fired = await db
      .selectFrom('audit_events')
      .select('seq')
      .where('case_id', '=', parallel)
      .where('type', '=', 'timerFired')
      .execute();
    t.equal(fired.length, 2, 'the cycle timer fired twice');

    const seqOf = async (caseId: string, type: string, match: (payload: any) => boolean = () => true) => {
      const rows = await db
        .selectFrom('audit_events')
        .select(['seq', 'payload'])
        .where('case_id', '=', caseId)
        .where('type', '=', type)
        .orderBy('seq')
        .execute();
      return rows.find((r) => match(r.payload))!.seq;
    };
    const only = async (scope = {}): Promise<BrokenLink> => {
      const report = await verifyAudit(db, scope, { pageSize: 2 });
      t.equal(report.ok, false, 'the check fails');
      t.equal(report.brokenCases, 1, 'one case is broken');
      return report.broken[0];
    };

    await t.test('an untouched database verifies, page by page', async (t) => {
      const report = await verifyAudit(db, {}, { pageSize: 2 });
      t.same(report.broken, []);
      t.match(report, { ok: true, checkedCases: 5, brokenCases: 0, truncated: false });
      t.ok(report.checkedEvents > 60, `${report.checkedEvents} events`);
      t.same((await checkIntegrity(db)).problems, [], 'the integrity helper agrees');
      t.match(await verifyAudit(db, { caseId: looped }), { ok: true, checkedCases: 1 });
      t.match(await verifyAudit(db, { process: 'permit', version: 1 }), { ok: true, checkedCases: 3 });
      t.match(await verifyAudit(db, { process: 'permit', version: 2 }), { ok: true, checkedCases: 0 });
    });

    await t.test('a step time altered in SQL is found, naming the case and the step', async (t) => {
      const step = await db
        .selectFrom('steps')
        .select(['id', 'completed_at'])
        .where('case_id', '=', looped)
        .where('element_id', '=', 'issue')
        .executeTakeFirstOrThrow();
      const seq = await seqOf(looped, 'stepCompleted', (p) => p.step.id === step.id);
      await tampered(
        db,
        `UPDATE steps SET completed_at = completed_at - interval '90 minutes' WHERE id = '${step.id}'`,
        `UPDATE steps SET completed_at = '${step.completed_at!.toISOString()}' WHERE id = '${step.id}'`,
        async () => {
          const broken = await only();
          t.match(broken, {
            caseId: looped,
            process: 'permit',
            version: 1,
            kind: 'step',
            table: 'steps',
            rowId: step.id,
            elementId: 'issue',
            field: 'completed_at',
            seq,
            eventType: 'stepCompleted',
          });
          t.equal(broken.expected, step.completed_at!.toISOString());
          t.equal(broken.actual, new Date(step.completed_at!.getTime() - 90 * 60_000).toISOString());
          t.match(
            broken.message,
            /step .* \(issue\): completed_at is .* in the steps table, but the audit log says/,
          );
          t.match(await verifyAudit(db, { caseId: cancelled }), { ok: true }, 'other cases still verify');
        },
      );
      const entered = await db
        .selectFrom('steps')
        .select(['id', 'entered_at', 'working_ms'])
        .where('case_id', '=', parallel)
        .where('element_id', '=', 'tax')
        .executeTakeFirstOrThrow();
      await tampered(
        db,
        `UPDATE steps SET entered_at = entered_at + interval '1 day', working_ms = 1 WHERE id = '${entered.id}'`,
        `UPDATE steps SET entered_at = '${entered.entered_at.toISOString()}', working_ms = ${Number(entered.working_ms)} WHERE id = '${entered.id}'`,
        async () => {
          const broken = await only();
          t.match(broken, {
            caseId: parallel,
            kind: 'step',
            rowId: entered.id,
            field: 'entered_at',
            seq: await seqOf(parallel, 'stepEntered', (p) => p.step.id === entered.id),
            more: 1,
          });
        },
      );
      t.match(await verifyAudit(db), { ok: true }, 'restored');
      const dept = await db
        .selectFrom('steps')
        .select(['id'])
        .where('case_id', '=', looped)
        .where('element_id', '=', 'ask')
        .executeTakeFirstOrThrow();
      await tampered(
        db,
        `UPDATE steps SET department = '税务' WHERE id = '${dept.id}'`,
        `UPDATE steps SET department = '市场监管' WHERE id = '${dept.id}'`,
        async () => {
          t.match(await only(), {
            caseId: looped,
            rowId: dept.id,
            field: 'department',
            expected: '市场监管',
            actual: '税务',
          });
        },
      );
    });

    await t.test('tasks, case rows and timers are checked against their events', async (t) => {
      const task = await db
        .selectFrom('tasks')
        .select(['id'])
        .where('case_id', '=', active)
        .executeTakeFirstOrThrow();
      await tampered(
        db,
        `UPDATE tasks SET status = 'completed', completed_at = now() WHERE id = '${task.id}'`,
        `UPDATE tasks SET status = 'open', completed_at = NULL WHERE id = '${task.id}'`,
        async () => {
          t.match(await only(), {
            caseId: active,
            kind: 'task',
            table: 'tasks',
            rowId: task.id,
            field: 'status',
            expected: 'open',
            actual: 'completed',
          });
        },
      );
      const row = await db
        .selectFrom('cases')
        .select(['ended_at', 'working_ms', 'trips'])
        .where('id', '=', looped)
        .executeTakeFirstOrThrow();
      await tampered(
        db,
        `UPDATE cases SET ended_at = ended_at - interval '1 hour' WHERE id = '${looped}'`,
        `UPDATE cases SET ended_at = '${row.ended_at!.toISOString()}' WHERE id = '${looped}'`,
        async () => {
          t.match(await only(), {
            caseId: looped,
            kind: 'case',
            table: 'cases',
            field: 'ended_at',
            eventType: 'caseCompleted',
          });
        },
      );
      await tampered(
        db,
        `UPDATE cases SET working_ms = working_ms / 2 WHERE id = '${looped}'`,
        `UPDATE cases SET working_ms = ${Number(row.working_ms)} WHERE id = '${looped}'`,
        async () => {
          t.match(await only(), { caseId: looped, field: 'working_ms', expected: Number(row.working_ms) });
        },
      );
      t.equal(row.trips, 3, 'window start, window supplement, in-person pick-up');
      await tampered(
        db,
        `UPDATE cases SET trips = 1 WHERE id = '${looped}'`,
        `UPDATE cases SET trips = 3 WHERE id = '${looped}'`,
        async () => {
          t.match(await only(), { caseId: looped, field: 'trips', expected: 3, actual: 1 });
        },
      );
      await tampered(
        db,
        `UPDATE cases SET status = 'completed', ended_at = now() WHERE id = '${active}'`,
        `UPDATE cases SET status = 'active', ended_at = NULL WHERE id = '${active}'`,
        async () => {
          t.match(await only(), {
            caseId: active,
            kind: 'case',
            field: 'status',
            expected: 'active',
            actual: 'completed',
          });
        },
      );
      const pending = await db
        .selectFrom('timers')
        .select(['id', 'due_at'])
        .where('case_id', '=', waiting)
        .executeTakeFirstOrThrow();
      await tampered(
        db,
        `UPDATE timers SET due_at = due_at + interval '1 day' WHERE id = '${pending.id}'`,
        `UPDATE timers SET due_at = '${pending.due_at.toISOString()}' WHERE id = '${pending.id}'`,
        async () => {
          t.match(await only(), { caseId: waiting, kind: 'timer', rowId: pending.id, field: 'due_at' });
        },
      );
      await tampered(
        db,
        `DELETE FROM timers WHERE id = '${pending.id}'`,
        `INSERT INTO timers (id, case_id, element_id, due_at) VALUES ('${pending.id}', '${waiting}', 'deadline', '${pending.due_at.toISOString()}')`,
        async () => {
          t.match(await only(), {
            caseId: waiting,
            kind: 'timer',
            rowId: pending.id,
            message: /no row in the timers table/,
          });
        },
      );
    });

    await t.test('an altered, re-hashed or deleted audit event breaks the chain at its seq', async (t) => {
      const seq = await seqOf(looped, 'stepCompleted', (p) => p.step.elementId === 'ask');
      const original = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('case_id', '=', looped)
        .where('seq', '=', seq)
        .executeTakeFirstOrThrow();
      const restore = `UPDATE audit_events SET payload = '${JSON.stringify(original.payload).replace(/'/g, "''")}', hash = '${original.hash}' WHERE case_id = '${looped}' AND seq = ${seq}`;
      // the payload's completion time moved back an hour
      const moved = (original.payload as any).step.completedAt - HOUR;
      await tampered(
        db,
        `UPDATE audit_events SET payload = jsonb_set(payload::jsonb, '{step,completedAt}', '${moved}') WHERE case_id = '${looped}' AND seq = ${seq}`,
        restore,
        async () => {
          const broken = await only();
          t.match(broken, {
            caseId: looped,
            kind: 'chain',
            table: 'audit_events',
            seq,
            eventType: 'stepCompleted',
            field: 'hash',
          });
          t.match(broken.message, new RegExp(`audit event ${seq} \\(stepCompleted\\) was altered`));
        },
      );
      // the same, with the row's own hash recomputed: the next event's link breaks
      const payload = {
        ...(original.payload as any),
        step: { ...(original.payload as any).step, completedAt: moved },
      };
      const rehash = auditHash(original.prev_hash, looped, seq, {
        type: original.type,
        at: original.at,
        actor: original.actor,
        payload,
      });
      await tampered(
        db,
        `UPDATE audit_events SET payload = '${JSON.stringify(payload).replace(/'/g, "''")}', hash = '${rehash}' WHERE case_id = '${looped}' AND seq = ${seq}`,
        restore,
        async () => {
          t.match(await only(), { caseId: looped, kind: 'chain', seq: seq + 1, field: 'prev_hash' });
        },
      );
      // an event deleted from the middle of the chain
      const insertBack = (row: typeof original) =>
        `INSERT INTO audit_events (case_id, seq, type, at, actor, payload, prev_hash, hash) VALUES ('${row.case_id}', ${row.seq}, '${row.type}', '${row.at.toISOString()}', ${row.actor === null ? 'NULL' : `'${row.actor}'`}, '${JSON.stringify(row.payload).replace(/'/g, "''")}'::jsonb, '${row.prev_hash}', '${row.hash}')`;
      await tampered(
        db,
        `DELETE FROM audit_events WHERE case_id = '${looped}' AND seq = ${seq}`,
        insertBack(original),
        async () => {
          const broken = await only();
          t.match(broken, { caseId: looped, kind: 'chain', seq, field: 'seq' });
          t.match(broken.message, new RegExp(`audit event ${seq} is missing`));
        },
      );
      // the last event deleted: only the chain head on the case row tells
      const lastRow = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('case_id', '=', cancelled)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      await tampered(
        db,
        `DELETE FROM audit_events WHERE case_id = '${cancelled}' AND seq = ${lastRow.seq}`,
        insertBack(lastRow),
        async () => {
          const broken = await only();
          t.match(broken, {
            caseId: cancelled,
            kind: 'head',
            table: 'cases',
            seq: lastRow.seq,
            field: 'audit_seq',
          });
          t.match(broken.message, new RegExp(`audit event ${lastRow.seq} is missing`));
        },
      );
      t.match(await verifyAudit(db), { ok: true, brokenCases: 0 }, 'everything restored verifies again');
    });

    await t.test('GET /api/audit/verify', async (t) => {
      const all = await inject('GET', '/api/audit/verify', TOKENS.auditor);
      t.equal(all.status, 200);
      t.match(all.body, { ok: true, checkedCases: 5, brokenCases: 0, broken: [] });
      t.match((await inject('GET', `/api/audit/verify?caseId=${looped}`, TOKENS.admin)).body, {
        ok: true,
        checkedCases: 1,
        scope: { caseId: looped },
      });
      t.match((await inject('GET', '/api/audit/verify?process=permit&version=1', TOKENS.auditor)).body, {
        ok: true,
        checkedCases: 3,
      });
      t.equal((await inject('GET', '/api/audit/verify?caseId=nope', TOKENS.auditor)).status, 404);
      t.equal((await inject('GET', '/api/audit/verify?process=nope', TOKENS.auditor)).status, 404);
      t.equal((await inject('GET', '/api/audit/verify?version=1', TOKENS.auditor)).status, 400);
      t.equal((await inject('GET', '/api/audit/verify', TOKENS.intake)).status, 403);
      const step = await db
        .selectFrom('steps')
        .select(['id', 'entered_at'])
        .where('case_id', '=', cancelled)
        .executeTakeFirstOrThrow();
      await tampered(
        db,
        `UPDATE steps SET entered_at = entered_at + interval '1 minute' WHERE id = '${step.id}'`,
        `UPDATE steps SET entered_at = '${step.entered_at.toISOString()}' WHERE id = '${step.id}'`,
        async () => {
          const res = await inject('GET', '/api/audit/verify', TOKENS.auditor);
          t.equal(res.status, 200);
          t.match(res.body, {
            ok: false,
            brokenCases: 1,
            broken: [{ caseId: cancelled, kind: 'step', rowId: step.id, field: 'entered_at', seq: Number }],
          });
          t.match((await inject('GET', '/api/audit/verify?limit=0', TOKENS.auditor)).body, {
            ok: false,
            brokenCases: 1,
            broken: [],
            truncated: true,
          });
        },
      );
    });
  });
}

/** `npm run verify` with an environment, in this process; resolves with its exit code and output. */
const runVerify = (env: Record<string, string>, args: string[] = []) => runMain(verifyMain, args, env);

/** Starts a case and completes its tasks, with a real clock, through the service (no HTTP). */
async function seed(db: Db): Promise<{ caseId: string; stepId: string }> {
  const definitions = new DefinitionStore(db);
  await definitions.deploy(permit, new Date());
  const service = new CaseService(db, definitions);
  let caseId = '';
  for (let i = 0; i < 3; i++) {
    const { view } = await service.start(
      { process: 'permit', variables: { applicant: `申请人${i}` } },
      'intake',
    );
    caseId = view.id;
    for (let open = view.timeline.filter((s) => s.status === 'active'); open.length > 0; ) {
      const next = await service.completeTask(
        open[0].id,
        open[0].elementId === 'review' ? { complete: true } : {},
        'department',
      );
      open = next.timeline.filter((s) => s.status === 'active');
    }
  }
  const step = await db
    .selectFrom('steps')
    .select('id')
    .where('case_id', '=', caseId)
    .where('element_id', '=', 'review')
    .executeTakeFirstOrThrow();
  return { caseId, stepId: step.id };
}

t.test('npm run verify on the embedded database', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'reflow-verify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  await seedDataDir(dataDir);
  const opened = await openDatabase({ dataDir });
  const { caseId, stepId } = await seed(opened.db);
  await opened.close();

  const clean = await runVerify({ REFLOW_DATA_DIR: dataDir });
  t.equal(clean.code, 0, clean.stdout + clean.stderr);
  t.match(clean.stdout, /OK: 3 cases, \d+ audit events verified/);

  // a step time changed behind the engine's back
  const again = await openDatabase({ dataDir });
  await sql
    .raw(`UPDATE steps SET completed_at = completed_at + interval '2 hours' WHERE id = '${stepId}'`)
    .execute(again.db);
  await again.close();
  // through the launcher, as a user runs it: its exit code and output are main's
  const broken = await spawnCli('server/audit/run-verify.mjs', [], { REFLOW_DATA_DIR: dataDir });
  t.equal(broken.code, 1, 'exits non-zero on a break');
  t.match(
    broken.stdout,
    new RegExp(
      `BROKEN case ${caseId} \\(permit v1\\): first broken link at seq \\d+ \\(stepCompleted\\): step ${stepId} \\(review\\): completed_at is`,
    ),
  );
  t.match(broken.stdout, /FAILED: 1 of 3 cases broken/);
  const json = await runVerify({ REFLOW_DATA_DIR: dataDir }, [
    '--json',
    '--process',
    'permit',
    '--version',
    '1',
  ]);
  t.equal(json.code, 1);
  t.match(JSON.parse(json.stdout), {
    ok: false,
    checkedCases: 3,
    broken: [{ caseId, rowId: stepId, field: 'completed_at' }],
  });
  t.equal(
    (await runVerify({ REFLOW_DATA_DIR: dataDir }, ['--case', 'nope'])).code,
    2,
    'an unknown case cannot be checked',
  );
  t.equal(
    (await runVerify({ REFLOW_DATA_DIR: dataDir }, ['--bogus'])).code,
    2,
    'a bad option is a usage error',
  );

  // a live process holding the data dir: refused, clearly, and the lock is left alone
  const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.teardown(() => holder.kill('SIGKILL'));
  writeFileSync(join(dataDir, 'reflow.lock'), String(holder.pid));
  const locked = await runVerify({ REFLOW_DATA_DIR: dataDir });
  t.equal(locked.code, 2, 'refused while another process holds the embedded database');
  t.match(locked.stderr, new RegExp(`in use by process ${holder.pid}[\\s\\S]*GET /api/audit/verify`));
  t.equal(
    readFileSync(join(dataDir, 'reflow.lock'), 'utf8'),
    String(holder.pid),
    'the holder keeps its lock',
  );
  rmSync(join(dataDir, 'reflow.lock'));
});

t.test(
  'npm run verify on PostgreSQL (DATABASE_URL)',
  { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' },
  async (t) => {
    const created = await createPostgresDatabase(process.env.TEST_DATABASE_URL!);
    t.teardown(created.drop);
    const opened = await openDatabase({ databaseUrl: created.url, poolSize: 2 });
    const { caseId } = await seed(opened.db);
    const clean = await runVerify({ DATABASE_URL: created.url });
    t.equal(clean.code, 0, clean.stdout + clean.stderr);
    const last = await opened.db
      .selectFrom('audit_events')
      .select(['seq'])
      .where('case_id', '=', caseId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    await sql
      .raw(`DELETE FROM audit_events WHERE case_id = '${caseId}' AND seq = ${last.seq - 2}`)
      .execute(opened.db);
    await opened.close();
    const broken = await runVerify({ DATABASE_URL: created.url });
    t.equal(broken.code, 1);
    t.match(
      broken.stdout,
      new RegExp(
        `BROKEN case ${caseId} \\(permit v1\\): first broken link at seq ${last.seq - 2}: audit event ${last.seq - 2} is missing`,
      ),
    );
  },
);
