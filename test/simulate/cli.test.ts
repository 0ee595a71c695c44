// The command line (npm run simulate): the same seed prints the same summary and writes the same files, byte for
// byte; the CSV and XES logs read back through the server's event-log parser and import as cases of the version
// with the simulated durations; parameter mistakes stop it with their paths. The command runs in this process
// (its main, as the launcher runs it), but for the stop on a mistake: there the launcher's exit code is the point.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main as verify } from '../../server/audit/verify-cli.js';
import { main } from '../../server/cli/simulate.js';
import { importEventLog } from '../../server/metrics/event-log-import.js';
import { parseCsvLog, parseXes } from '../../server/metrics/event-log-parse.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { openPglite, seedDataDir } from '../helpers/test-database.js';
import { calendar, readSample } from './helpers.js';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'reflow-simulate-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** `npm run simulate -- args` in this process (file arguments from the project root), as the launcher runs it. */
const run = async (args: string[], env: NodeJS.ProcessEnv = process.env) => {
  let stdout = '';
  let stderr = '';
  const code = await main(
    args.map((a) => (a.startsWith('processes/') ? join(root, a) : a)),
    { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env },
  );
  return { code, stdout, stderr };
};

/** Its stdout, the run having ended with exit code 0. */
const cli = async (args: string[]): Promise<string> => {
  const { code, stdout, stderr } = await run(args);
  if (code !== 0) throw new Error(`exit code ${code}: ${stderr}`);
  return stdout;
};

const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
};

t.test('same seed, same output: summary and files byte-identical', async (t) => {
  const runOnce = async (n: number) => {
    const out = join(dir, `run${n}`);
    const stdout = await cli([
      'processes/business-startup.before.bpmn',
      'processes/business-startup.after.bpmn',
      '--cases',
      '300',
      '--seed',
      '5',
      '--quiet',
      '--csv',
      `${out}.csv`,
      '--xes',
      `${out}.xes`,
      '--json',
      `${out}.json`,
      '--ratings',
      `${out}.ratings.csv`,
    ]);
    return {
      stdout,
      files: ['csv', 'xes', 'json', 'ratings.csv'].map((ext) => readFileSync(`${out}.${ext}`, 'utf8')),
    };
  };
  const a = await runOnce(1);
  const b = await runOnce(2);
  t.equal(b.stdout, a.stdout, 'stdout');
  for (const [i, file] of a.files.entries()) t.equal(b.files[i], file, `file ${i + 1} of 4`);
  t.match(a.stdout, /案件 cases: 300 受理 arrived/, 'a summary per process');
  t.match(a.stdout, /business_startup: v1 → v2/, 'and the comparison of the two versions');
  const summaries = JSON.parse(a.files[2]);
  t.equal(summaries.length, 2, 'JSON: one summary per process');
  t.ok(
    summaries[1].dynamic.meanWorkingDays < summaries[0].dynamic.meanWorkingDays / 10,
    'after far shorter than before',
  );
  t.equal(
    a.files[0].split('\n')[0],
    'case_id,activity,element_id,department,lifecycle,timestamp,resource',
    'CSV columns of the API export',
  );
});

t.test('the logs read back and import as cases with the simulated durations', async (t) => {
  // given a simulated log of the after version
  const out = join(dir, 'after');
  const stdout = await cli([
    'processes/business-startup.after.bpmn',
    '--cases',
    '200',
    '--seed',
    '9',
    '--quiet',
    '--csv',
    `${out}.csv`,
    '--xes',
    `${out}.xes`,
    '--json',
    `${out}.json`,
  ]);
  const summary = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
  t.equal(summary.cases.completed, 200, stdout.split('\n')[2]);

  // when both logs are parsed
  const xes = await collect(parseXes(createReadStream(`${out}.xes`)));
  const csv = await collect(parseCsvLog(createReadStream(`${out}.csv`)));

  // then they hold the same traces
  t.equal(xes.length, 200, '200 XES traces');
  t.equal(csv.length, 200, '200 CSV traces');
  t.same(
    xes.map((x) => x.events.length),
    csv.map((x) => x.events.length),
    'the same events per trace',
  );
  t.ok(
    xes[0].events.some((e) => e.lifecycle === 'assign'),
    'assign events: a staff member took the task',
  );

  // and imported as cases of the version, the durations are the simulated ones
  const opened = await openPglite();
  t.teardown(() => opened.close());
  const definitions = new DefinitionStore(opened.db);
  const deployed = await definitions.deploy(
    readSample('business-startup.after').xml,
    new Date('2026-01-01T00:00:00Z'),
  );
  const definition = await definitions.load(deployed.id);
  if (!definition) throw new Error('not deployed');
  const result = await importEventLog(opened.db, definition, parseXes(createReadStream(`${out}.xes`)), {
    calendar,
  });
  t.equal(result.imported, 200, `imported (${result.skipped} assign events skipped)`);
  const row = await opened.db
    .selectFrom('cases')
    .select((eb) => eb.fn.avg<number>('working_ms').as('mean'))
    .where('process_key', '=', 'business_startup')
    .executeTakeFirstOrThrow();
  const mean = Number(row.mean) / calendar.msPerWorkingDay;
  t.ok(
    Math.abs(mean - summary.dynamic.meanWorkingDays) < 1e-6,
    `imported mean ${mean.toFixed(6)} = simulated ${summary.dynamic.meanWorkingDays.toFixed(6)} working days`,
  );
});

t.test('parameter mistakes stop the run with their paths', async (t) => {
  const bad = join(dir, 'bad.sim.json');
  writeFileSync(
    bad,
    JSON.stringify({ tasks: { registration_review: { duration: { lognormal: { mean: 1 } } } } }),
  );
  const spawned = spawnSync(
    process.execPath,
    ['server/cli/run-simulate.mjs', 'processes/business-startup.after.bpmn', '--params', bad],
    { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
  );
  t.equal(spawned.status, 2, 'exit code 2');
  t.match(spawned.stderr, /\$\.tasks\.registration_review\.duration\.lognormal\.sd: must be a finite number/);
  t.match(spawned.stderr, /\$\.tasks\.seal_making: task 'seal_making'.*has no duration/);
  // an option it does not know, or one without its value: named, with where the options are listed
  const unknown = await run(['processes/business-startup.after.bpmn', '--case', '5']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /Unknown option '--case'.*--help 列出可用选项/);
  t.notMatch(unknown.stderr, /\n\s+at /, 'no stack trace');
  const valueless = await run(['processes/business-startup.after.bpmn', '--cases']);
  t.equal(valueless.code, 2);
  t.match(valueless.stderr, /--cases/);
});

t.test('the 一件事 by messages simulates, with the figures of its call-activity version', async (t) => {
  // when the 一件事 by calls and by messages are simulated with the same parameters and seed
  const figures = async (file: string) => {
    const out = join(dir, `${file.replace(/\W/g, '_')}.json`);
    const stdout = await cli([file, '--cases', '150', '--seed', '11', '--quiet', '--json', out]);
    return { stdout, summary: JSON.parse(readFileSync(out, 'utf8')) };
  };
  const byCalls = await figures('processes/by-call/business-startup-one-thing.after.bpmn');
  const byMessages = await figures('processes/business-startup-one-thing.after.bpmn');

  // then every master completed with its five department cases, and the 一件事's figures are the same
  t.match(byMessages.stdout, /由消息发起的部门案件 cases started by messages: 750 \(750 办结 completed\)/);
  t.same(byMessages.summary.cases, byCalls.summary.cases);
  t.same(byMessages.summary.dynamic, byCalls.summary.dynamic, 'processing time, trips, first time, ratings');
  t.same(byMessages.summary.departments, byCalls.summary.departments, 'the departments did the same work');
  const departmentSteps = (summary: { steps: { elementId: string }[] }) =>
    summary.steps.filter((s) =>
      ['samr_registration', 'police_seal', 'tax_invoice', 'hrss_enrolment', 'fund_enrolment'].includes(
        s.elementId,
      ),
    );
  t.equal(departmentSteps(byMessages.summary).length, 5);
  t.same(departmentSteps(byMessages.summary), departmentSteps(byCalls.summary), "the departments' steps");
  t.same(byMessages.summary.warnings, [], 'no message without parameters: the cases send them');
});

t.test(
  'written into a database, the 一件事 by messages: masters and the department cases their messages started',
  async (t) => {
    // when the 一件事 by messages is simulated into a database, in bulk
    const env = { ...process.env, DATABASE_URL: '', REFLOW_DATA_DIR: join(dir, 'db') };
    await seedDataDir(env.REFLOW_DATA_DIR);
    const {
      code: simulated,
      stdout,
      stderr,
    } = await run(
      ['processes/business-startup-one-thing.after.bpmn', '--db', '--bulk', '--cases', '20', '--quiet'],
      env,
    );

    // then the 20 masters and their 100 department cases are written, and the audit verification passes
    t.equal(simulated, 0, `exit code 0: ${stderr}`);
    t.match(stdout, /由消息发起的部门案件 cases started by messages: 100 \(100 办结 completed\)/);
    t.match(stdout, /已写入 \/ written: 120 cases/);
    const printed = t.capture(console, 'log', () => {});
    const failed = t.capture(console, 'error', () => {});
    const code = await verify([], env);
    const lines = [...printed(), ...failed()].map((c) => c.args.join(' ')).join('\n');
    t.equal(code, 0, `npm run verify: ${lines}`);
    t.match(lines, /120 cases/);
  },
);
