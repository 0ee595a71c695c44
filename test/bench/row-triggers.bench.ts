// What the row triggers on `cases` and `tasks` (issue 21: warning_checks and the webhook outbox) cost on the
// command path (issue 23): 16 clients working business-registration cases through CaseService on PostgreSQL,
// with today's triggers (migrations/2026-12-09-cheaper-row-triggers.ts), with issue 21's as they were, and with
// none (ALTER TABLE … DISABLE TRIGGER, in a scratch database), in turn, BENCH_ROUNDS rounds (default 5) of
// BENCH_SECONDS (default 3) each in one process. Each round gives each set's steps/s ratio to none and the
// CPU its own PostgreSQL backends spend per step (from /proc, on Linux with the database on this machine);
// medians reported.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { CaseService } from '../../server/cases/case-service.js';
import { openDatabase } from '../../server/db/database.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { summarize } from '../helpers/load-driver.js';
import { scratchDatabase } from './scratch-database.js';

const xml = readFileSync('test/bench/business-registration.bpmn', 'utf8');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/**
 * The triggers as issue 21 made them (one row trigger per table and purpose, migrations/2026-12-08-*), created
 * beside today's (migrations/2026-12-09-cheaper-row-triggers.ts) under other names so that one run compares both.
 */
const ISSUE_21_TRIGGERS = [
  `CREATE FUNCTION bench_task_events() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      PERFORM reflow_enqueue_event('task.created', jsonb_build_object('taskId', NEW.id, 'caseId', NEW.case_id,
        'elementId', NEW.element_id, 'name', NEW.name, 'department', NEW.department,
        'createdAt', NEW.created_at, 'dueAt', NEW.due_at), NEW.created_at);
    ELSIF OLD.status <> 'completed' AND NEW.status = 'completed' THEN
      PERFORM reflow_enqueue_event('task.completed', jsonb_build_object('taskId', NEW.id, 'caseId', NEW.case_id,
        'elementId', NEW.element_id, 'name', NEW.name, 'department', NEW.department,
        'completedAt', NEW.completed_at), coalesce(NEW.completed_at, now()));
    END IF;
    RETURN NULL;
  END $$`,
  `CREATE TRIGGER bench_tasks_webhook_events AFTER INSERT OR UPDATE OF status ON tasks
    FOR EACH ROW EXECUTE FUNCTION bench_task_events()`,
  `CREATE TRIGGER bench_cases_webhook_events AFTER INSERT OR UPDATE OF status ON cases
    FOR EACH ROW EXECUTE FUNCTION reflow_case_events()`,
  `CREATE TRIGGER bench_tasks_warning_checks AFTER INSERT OR UPDATE OF status, due_at ON tasks
    FOR EACH ROW EXECUTE FUNCTION reflow_task_warning_checks()`,
  `CREATE TRIGGER bench_cases_warning_checks AFTER INSERT OR UPDATE OF status ON cases
    FOR EACH ROW EXECUTE FUNCTION reflow_case_warning_checks()`,
];

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU (µs) of this bench's own PostgreSQL backends (the connections to its scratch database, by pid), from /proc;
 * null without it. Other clients of the same server (other benches, tests) are not counted.
 */
async function postgresCpu(): Promise<Map<number, number> | null> {
  if (!existsSync('/proc/self/stat')) return null;
  const backends = await sql<{ pid: number }>`
    SELECT pid FROM pg_stat_activity WHERE datname = current_database()`.execute(database.db);
  const used = new Map<number, number>();
  for (const { pid } of backends.rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      used.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS);
    } catch {
      return null; // the server runs elsewhere (another machine or container)
    }
  }
  return used;
}

const database = await openDatabase({
  databaseUrl: await scratchDatabase('reflow_bench_triggers'),
  poolSize: 20,
});
const definitions = new DefinitionStore(database.db);
const { key } = await definitions.deploy(xml, new Date());
const service = new CaseService(database.db, definitions);
for (const statement of ISSUE_21_TRIGGERS) await sql.raw(statement).execute(database.db);

async function run(seconds: number): Promise<{ stepsPerSec: number; postgresMicrosPerStep: number | null }> {
  let steps = 0;
  const deadline = performance.now() + seconds * 1000;
  const before = await postgresCpu();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (performance.now() < deadline) {
        const { view } = await service.start({ process: key }, 'bench');
        let last = view;
        const open = [...view.openTasks];
        for (let task = open.shift(); task; task = open.shift()) {
          last = await service.completeTask(task.id, {}, 'bench');
          steps++;
          for (const next of last.openTasks) if (!open.some((t) => t.id === next.id)) open.push(next);
        }
        if (last.status !== 'completed') throw new Error(`case ${view.id} did not complete`);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const after = await postgresCpu();
  let pgMicros: number | null = null;
  if (before && after) {
    pgMicros = 0;
    for (const [pid, micros] of after) pgMicros += micros - (before.get(pid) ?? 0);
  }
  return { stepsPerSec: steps / elapsed, postgresMicrosPerStep: pgMicros === null ? null : pgMicros / steps };
}

type Variant = 'off' | 'issue21' | 'today';
const VARIANTS: Variant[] = ['today', 'issue21', 'off'];

/** Enables one set of triggers on tasks and cases (or none), disabling the others. */
async function setTriggers(variant: Variant): Promise<void> {
  const triggers = await sql<{ table: string; name: string }>`
    SELECT c.relname AS table, t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal AND c.relname IN ('tasks', 'cases')`.execute(database.db);
  for (const { table, name } of triggers.rows) {
    const on =
      variant === 'issue21' ? name.startsWith('bench_') : variant === 'today' && !name.startsWith('bench_');
    await sql.raw(`ALTER TABLE ${table} ${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${name}`).execute(database.db);
  }
}

await setTriggers('today');
await run(3); // warm-up
await sql`ANALYZE`.execute(database.db);
type Run = Awaited<ReturnType<typeof run>>;
const rounds: Record<Variant, Run>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // rotate which goes first, so a drift of the machine within a round does not favour one variant
  const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
  const result = {} as Record<Variant, Run>;
  for (const variant of order) {
    await setTriggers(variant);
    result[variant] = await run(SECONDS);
  }
  rounds.push(result);
  const show = (r: Run) =>
    `${r.stepsPerSec.toFixed(0)} steps/s, PostgreSQL ${r.postgresMicrosPerStep === null ? 'n/a' : `${r.postgresMicrosPerStep.toFixed(0)} µs`}/step`;
  console.log(
    `round ${round + 1}: today's triggers ${show(result.today)}; issue 21's ${show(result.issue21)}; none ${show(result.off)}`,
  );
}
await setTriggers('today');
await database.close();
const median = (values: number[]) => summarize(values).p50;
/** Medians over the rounds of a ratio taken within each round. */
const ratio = (a: Variant, b: Variant, of: (r: Run) => number | null): number | null => {
  const values = rounds.flatMap((r) => {
    const x = of(r[a]);
    const y = of(r[b]);
    return x && y ? [x / y] : [];
  });
  return values.length > 0 ? median(values) : null;
};
const steps = (r: Run) => r.stepsPerSec;
const pg = (r: Run) => r.postgresMicrosPerStep;
const f = (value: number | null) => value?.toFixed(3) ?? 'n/a';
console.log(
  JSON.stringify({
    figure: `${median(rounds.map((r) => r.today.stepsPerSec)).toFixed(0)} steps/s with today's triggers, ${median(rounds.map((r) => r.issue21.stepsPerSec)).toFixed(0)} with issue 21's`,
    baseline: `${median(rounds.map((r) => r.off.stepsPerSec)).toFixed(0)} steps/s without triggers (same run)`,
    ratio: `with/without: steps/s ${f(ratio('today', 'off', steps))}× (issue 21's ${f(ratio('issue21', 'off', steps))}×), PostgreSQL CPU per step ${f(ratio('today', 'off', pg))}× (issue 21's ${f(ratio('issue21', 'off', pg))}×)`,
    stepsRatio: ratio('today', 'off', steps),
    postgresCpuRatio: ratio('today', 'off', pg),
    issue21StepsRatio: ratio('issue21', 'off', steps),
    issue21PostgresCpuRatio: ratio('issue21', 'off', pg),
    rounds,
  }),
);
