// Crash safety of a real server process: SIGKILL it in the middle of load, restart it on the same data, and
// check that nothing it acknowledged is lost, nothing is half-applied, audit chains verify, and timers that
// came due while it was down fire once at restart. On the embedded PGlite (data dir lock included) and, when
// TEST_DATABASE_URL is set, on PostgreSQL.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import t from 'tap';
import { type OpenedDatabase, openDatabase } from '../../server/db/database.js';
import { checkIntegrity } from '../helpers/case-integrity.js';
import { CHILD_TOKENS, childSetting, DEPARTMENT_TOKENS, http, spawnChild } from '../helpers/child-server.js';

const registrationFile = new URL('../bench/business-registration.bpmn', import.meta.url).pathname;
const timerFile = new URL('./fixtures/crash-timer.bpmn', import.meta.url).pathname;
/** Loops driving load, each with a command or more in flight when the kill comes. */
const LOOPS = 8;
/**
 * Completions acknowledged in a round before the kill: the loops go on meanwhile, so the kill still lands in the
 * middle of load, however fast or slow the machine (counted, not timed: a fast one does not spend longer loading).
 */
const MIN_COMPLETIONS = 25;
const TIMER_MS = 2000; // crash-timer.bpmn: PT2S on 'review'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Step {
  id: string;
  elementId: string;
  type: string;
  department: string | null;
  status: string;
}

interface Acked {
  starts: Map<string, { process: string; round: number }>;
  completions: { taskId: string; caseId: string; elementId: string }[];
  timerCases: { caseId: string; round: number }[];
  /** Non-2xx answers other than a dropped connection (none expected). */
  unexpected: string[];
}

/** Drives one loop against a server until it stops answering; records every acknowledged (2xx) response. */
async function loop(
  url: string,
  n: number,
  round: number,
  acked: Acked,
  phase: { killed: boolean },
): Promise<void> {
  for (let i = 0; !phase.killed; i++) {
    const started = await http(url, 'POST', '/api/cases', CHILD_TOKENS.intake, {
      process: 'business_registration_bench',
      businessKey: `B${round}-${n}-${i}`,
    });
    if (started.status === 0) return;
    if (started.status !== 201) {
      acked.unexpected.push(`start: ${started.status} ${JSON.stringify(started.body)}`);
      continue;
    }
    const caseId: string = started.body.id;
    acked.starts.set(caseId, { process: 'business_registration_bench', round });
    let timeline: Step[] = started.body.timeline;
    for (;;) {
      const open = timeline.filter((s) => s.status === 'active' && s.type === 'userTask');
      if (open.length === 0) break;
      const results = await Promise.all(
        open.map((s) =>
          http(url, 'POST', `/api/tasks/${s.id}/complete`, DEPARTMENT_TOKENS[s.department ?? ''], {
            variables: { [`${s.elementId}By`]: `loop${n}` },
          }),
        ),
      );
      results.forEach((r, k) => {
        if (r.status === 200)
          acked.completions.push({ taskId: open[k].id, caseId, elementId: open[k].elementId });
        else if (r.status !== 0)
          acked.unexpected.push(`complete ${open[k].elementId}: ${r.status} ${JSON.stringify(r.body)}`);
      });
      if (results.some((r) => r.status !== 200)) return;
      const view = await http(url, 'GET', `/api/cases/${caseId}`, CHILD_TOKENS.intake);
      if (view.status !== 200) return;
      timeline = view.body.timeline;
    }
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const backends: { name: 'pglite' | 'postgres'; url?: string }[] = [{ name: 'pglite' }];
if (process.env.TEST_DATABASE_URL) backends.push({ name: 'postgres', url: process.env.TEST_DATABASE_URL });

/** The server's autovacuum setting ('on' or 'off'). */
async function autovacuumSetting(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0].autovacuum;
  } finally {
    await client.end();
  }
}

t.setTimeout(300_000); // two server processes per backend, each start an initdb or a crash recovery on a busy machine

for (const backend of backends) {
  // on PGlite the database dies with the server: a second round kills a database recovered from the first kill, and
  // the first round's acknowledged writes must survive that too; PostgreSQL itself is never killed, so a second
  // round there would only repeat the first
  const ROUNDS = backend.name === 'pglite' ? 2 : 1;
  t.test(
    `SIGKILL under load loses nothing acknowledged and half-applies nothing (${backend.name})`,
    async (t) => {
      const began = Date.now();
      const { dataDir, processesDir, databaseUrl, start } = await childSetting(
        t,
        [registrationFile, timerFile],
        backend.url,
      );
      let child = await start();
      t.match(child.output(), /crash_timer v1/, 'the processes folder was deployed at start');
      // a PostgreSQL without autovacuum (this CI's has it off) is named at start: its plans go stale as tables grow
      const autovacuumOff = databaseUrl !== undefined && (await autovacuumSetting(databaseUrl)) === 'off';
      t.equal(
        /autovacuum is off on this PostgreSQL/.test(child.output()),
        autovacuumOff,
        `a warning exactly when autovacuum is off (${backend.name})`,
      );
      const lockFile = join(dataDir, 'reflow.lock');
      if (backend.name === 'pglite') {
        // a second live process on the same data dir is refused, and leaves the first one's lock alone
        const second = await spawnChild({ dataDir, processesDir });
        const exit = await second.exited;
        t.not(exit.code, 0, 'a second process on the same data dir exits non-zero');
        t.match(
          second.output(),
          `the embedded database in ${dataDir} is in use by process ${child.pid}`,
          'and says which process holds it',
        );
        t.equal(
          readFileSync(lockFile, 'utf8'),
          String(child.pid),
          'the lock still names the running process',
        );
        t.equal(
          (await http(child.url, 'GET', '/healthz', null)).status,
          200,
          'the running process is unaffected',
        );
      }

      const acked: Acked = { starts: new Map(), completions: [], timerCases: [], unexpected: [] };
      const restartedAt: number[] = [];
      const killedAtRound: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // load from 8 loops, then SIGKILL in the middle of it
        const phase = { killed: false };
        const loops = Array.from({ length: LOOPS }, (_, n) => loop(child.url, n, round, acked, phase));
        const loadFrom = Date.now();
        const before = acked.completions.length;
        while (acked.completions.length - before < MIN_COMPLETIONS && Date.now() - loadFrom < 20_000)
          await sleep(10);
        // while the loops go on, start cases whose PT2S timer will come due while the server is down; kill right after
        const timerStarts = await Promise.all(
          [0, 1, 2, 3].map((k) =>
            http(child.url, 'POST', '/api/cases', CHILD_TOKENS.intake, {
              process: 'crash_timer',
              businessKey: `T${round}-${k}`,
            }),
          ),
        );
        for (const started of timerStarts) {
          if (started.status !== 201)
            acked.unexpected.push(`start crash_timer: ${started.status} ${JSON.stringify(started.body)}`);
          else {
            acked.starts.set(started.body.id, { process: 'crash_timer', round });
            acked.timerCases.push({ caseId: started.body.id, round });
          }
        }
        phase.killed = true;
        const killedAt = Date.now();
        killedAtRound.push(killedAt);
        const exit = await child.kill('SIGKILL');
        await Promise.all(loops);
        t.equal(exit.signal, 'SIGKILL', `round ${round}: the server was killed mid-load`);
        if (backend.name === 'pglite')
          t.equal(readFileSync(lockFile, 'utf8'), String(child.pid), 'the dead process left its lock behind');

        // stay down until every timer started before the kill is due, then restart on the same data
        await sleep(Math.max(0, killedAt + TIMER_MS + 300 - Date.now()));
        restartedAt.push(Date.now());
        child = await start();
        t.pass(`round ${round}: restarted after ${Date.now() - killedAt} ms down`);
        if (backend.name === 'pglite')
          t.equal(readFileSync(lockFile, 'utf8'), String(child.pid), 'the stale lock was taken over');
        t.match(child.output(), /crash_timer v1/, 'redeploying the same folder keeps version 1');

        // the timers that came due while the server was down fire at restart
        const timerCases = acked.timerCases.filter((c) => c.round === round);
        await waitFor(`the ${timerCases.length} timer cases of round ${round} to complete`, async () => {
          for (const c of timerCases) {
            const view = await http(child.url, 'GET', `/api/cases/${c.caseId}`, CHILD_TOKENS.intake);
            if (view.status !== 200 || view.body.status !== 'completed') return false;
          }
          return true;
        });
      }
      await child.stop();
      t.equal((await child.exited).code, 0, 'SIGTERM stops the server cleanly');
      if (backend.name === 'pglite') t.notOk(existsSync(lockFile), 'a clean stop removes the lock');
      t.same(acked.unexpected, [], 'no refused or failed request while the server was up');
      t.ok(
        acked.completions.length >= ROUNDS * MIN_COMPLETIONS,
        `load was driven: ${acked.starts.size} case starts and ${acked.completions.length} task completions acknowledged`,
      );
      t.ok(
        acked.timerCases.length >= ROUNDS,
        `${acked.timerCases.length} timer cases started before the kills`,
      );

      let database: OpenedDatabase | undefined;
      if (backend.name === 'pglite') {
        // a lock naming this very process (a container restart hands out the same pid again) or an empty one
        // (a crash between creating and writing it) is left over, not held; the last one opened reads what follows
        for (const content of [String(process.pid), '']) {
          await database?.close();
          writeFileSync(lockFile, content);
          database = await openDatabase({ dataDir });
          t.equal(
            readFileSync(lockFile, 'utf8'),
            String(process.pid),
            `a stale lock reading '${content}' is taken over`,
          );
        }
      }

      // read the database the servers left behind
      database ??= await openDatabase(databaseUrl ? { databaseUrl } : { dataDir });
      try {
        const report = await checkIntegrity(database.db);
        const missing = [...acked.starts.keys()].filter((id) => !report.cases.has(id));
        t.same(missing, [], `every acknowledged case start exists (${acked.starts.size})`);
        const lost = acked.completions.filter((c) => {
          const facts = report.cases.get(c.caseId);
          return (
            facts?.tasks.find((k) => k.id === c.taskId)?.status !== 'completed' ||
            facts?.steps.find((s) => s.id === c.taskId)?.status !== 'completed'
          );
        });
        t.same(
          lost,
          [],
          `every acknowledged task completion is recorded: task and step completed (${acked.completions.length})`,
        );
        t.same(
          report.problems,
          [],
          `no case is half-applied and every audit chain verifies (${report.cases.size} cases)`,
        );
        // the check itself is not blind: a changed audit payload and a lost task completion are both reported
        const victim = acked.completions[0];
        const rolledBack = new Error('roll back');
        await database.db
          .transaction()
          .execute(async (trx) => {
            await trx
              .updateTable('audit_events')
              .set({ actor: 'mallory' })
              .where('case_id', '=', victim.caseId)
              .where('seq', '=', 2)
              .execute();
            await trx.updateTable('tasks').set({ status: 'open' }).where('id', '=', victim.taskId).execute();
            const tampered = await checkIntegrity(trx);
            t.match(
              tampered.problems.join('\n'),
              /audit event 2 .*hash does not verify[\s\S]*taskCompleted events and completed task rows differ/,
              'tampering is detected',
            );
            throw rolledBack;
          })
          .catch((error) => {
            if (error !== rolledBack) throw error;
          });
        const twice = [...report.timerFired].filter(([, n]) => n > 1);
        t.same(twice, [], 'no timer fired twice');
        let dueWhileDown = 0;
        for (const [round, c] of acked.timerCases.map(
          (x) => [x.round, report.cases.get(x.caseId)!] as const,
        )) {
          const fired = c.audit.filter((a) => a.type === 'timerFired');
          const dueAt: number = c.audit.find((a) => a.type === 'timerScheduled')?.payload.timer.dueAt;
          const down = dueAt > killedAtRound[round]; // its timer came due while the server was down
          if (down) dueWhileDown++;
          const ok =
            c.status === 'completed' &&
            fired.length === 1 &&
            fired[0].payload.elementId === 'deadline' &&
            (!down || fired[0].at.getTime() >= restartedAt[round]) &&
            c.steps.find((s) => s.element_id === 'review')?.status === 'cancelled' &&
            c.tasks.find((k) => k.element_id === 'review')?.status === 'cancelled';
          if (!ok)
            t.fail(
              `timer case ${c.id} (round ${round}) did not complete through its timer once (after the restart: ${down}): ${JSON.stringify({ status: c.status, dueAt, fired, steps: c.steps })}`,
            );
        }
        t.ok(
          dueWhileDown >= ROUNDS,
          `${dueWhileDown} of ${acked.timerCases.length} timer cases came due while the server was down and completed through the timer, fired once, after the restart`,
        );
      } finally {
        await database.close();
      }
      t.comment(
        `${backend.name}: ${acked.starts.size} starts, ${acked.completions.length} completions acknowledged over ${ROUNDS} kills in ${Date.now() - began} ms`,
      );
    },
  );
}
