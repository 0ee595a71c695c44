// `npm run calendar`: a year loaded from a file through the same code as the API (checks, the audit entry with
// the OS user as actor, due dates and working times recomputed), `show`, `--dry-run`, the notice's text, clear
// refusals with exit codes; afterwards `npm run verify` agrees with the re-measured working times. The CLIs'
// main functions run in this process (test/helpers/run-cli.ts); one refusal goes through `npm run calendar`'s
// launcher in a child process, for its exit code and output.
//
// The 2027 schedule below is MADE UP for the test: it is not the State Council's 2027 notice.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main as verify } from '../../server/audit/verify-cli.js';
import { main as calendarMain } from '../../server/calendar/calendar-cli.js';
import { CaseService } from '../../server/cases/case-service.js';
import { openDatabase } from '../../server/db/database.js';
import { DefinitionStore } from '../../server/store/definition-store.js';
import { createPostgresDatabase } from '../helpers/child-server.js';
import { runMain, spawnCli } from '../helpers/run-cli.js';
import { seedDataDir } from '../helpers/test-database.js';

t.setTimeout(240_000);

const PROCESS = readFileSync(new URL('./fixtures/calendar-permit.bpmn', import.meta.url), 'utf8');
const at = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);
/** TEST DATA, not official. */
const TEST_2027 = {
  holidays: [
    '2027-01-01',
    '2027-02-05',
    '2027-02-08',
    '2027-02-09',
    '2027-02-10',
    '2027-02-11',
    '2027-02-12',
  ],
  workdays: ['2027-02-20'],
};
const NOTICE_2025 = `国务院办公厅关于2025年部分节假日安排的通知
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。`;

const targets: {
  name: string;
  env: () => Promise<{ env: Record<string, string>; drop(): Promise<void> }>;
}[] = [
  {
    name: 'pglite',
    env: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'reflow-calendar-cli-'));
      await seedDataDir(dir);
      return {
        env: { REFLOW_DATA_DIR: dir },
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
];
if (process.env.TEST_DATABASE_URL) {
  const url = process.env.TEST_DATABASE_URL;
  targets.push({
    name: 'postgres',
    env: async () => {
      const created = await createPostgresDatabase(url);
      return { env: { DATABASE_URL: created.url }, drop: created.drop };
    },
  });
}

for (const target of targets) {
  t.test(`npm run calendar (${target.name})`, async (t) => {
    const { env, drop } = await target.env();
    t.teardown(drop);
    const open = () => openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.REFLOW_DATA_DIR });
    const files = mkdtempSync(join(tmpdir(), 'reflow-calendar-files-'));
    t.teardown(() => rmSync(files, { recursive: true, force: true }));
    const file = (name: string, content: string) => {
      writeFileSync(join(files, name), content);
      return join(files, name);
    };
    const calendar = (...args: string[]) => runMain(calendarMain, args, env);

    // given a case with its review open since 2026-12-28 and one done on 2027-02-10, measured without 2027
    let database = await open();
    const clock = { now: at('2026-12-28 09:00') };
    const definitions = new DefinitionStore(database.db);
    await definitions.deploy(PROCESS, new Date(clock.now));
    const service = new CaseService(database.db, definitions, { clock: () => clock.now });
    const open1 = (await service.start({ process: 'cal_permit' }, 'intake')).view;
    const done = (await service.start({ process: 'cal_permit' }, 'intake')).view;
    clock.now = at('2027-02-10 12:00');
    const finished = await service.completeTask(done.openTasks[0].id, {}, 'department:市场监管');
    t.equal(finished.workingDays?.toFixed(4), (32 + 3 / 7).toFixed(4));
    await database.close();

    // a file naming no single year, a weekday as a 调休 workday, an unknown command
    const mixed = await calendar('load', file('mixed.json', '{"holidays":["2027-01-01","2028-01-03"]}'));
    t.equal(mixed.code, 2);
    t.match(mixed.stderr, /fall in 2027, 2028: give the year with --year/);
    const wrong = await calendar(
      'load',
      file('wrong.json', JSON.stringify({ holidays: ['2027-01-01'], workdays: ['2027-01-04'] })),
    );
    t.equal(wrong.code, 1, wrong.stderr);
    t.match(
      wrong.stderr,
      /workdays\[0\]: workdays\[0\] 是 2027-01-04（星期一），本来就是工作日.* \/ workdays\[0\] is 2027-01-04, a Monday/,
    );
    t.equal((await calendar('erase')).code, 2);

    // --dry-run reads the notice's text and stores nothing
    const dry = await calendar('load', file('notice.txt', NOTICE_2025), '--dry-run');
    t.equal(dry.code, 0, dry.stderr);
    t.match(dry.stdout, /2025: 28 holidays, 5 workdays \(not loaded: --dry-run\)/);

    // when 2027 is loaded from a file
    const loaded = await calendar('load', file('2027.json', JSON.stringify(TEST_2027)));
    // then
    const actor = `cli:${userInfo().username}`;
    t.equal(loaded.code, 0, loaded.stderr);
    // entry 1 of the system log is the publication of cal_permit's first version, made when it was deployed
    t.match(loaded.stdout, new RegExp(`loaded 2027's holiday schedule \\(new\\) as ${actor}, audit entry 2`));
    t.match(loaded.stdout, /horizon: 2027-12-31/);
    t.match(loaded.stdout, /due dates moved: 2; working times recomputed: 1 steps, 1 cases/);
    t.match(
      loaded.stdout,
      new RegExp(
        `task ${open1.openTasks[0].id} \\(review\\).*2027-02-05T09:00:00.000Z → 2027-02-16T09:00:00.000Z`,
      ),
    );
    const shown = await calendar('show');
    t.equal(shown.code, 0, shown.stderr);
    t.match(shown.stdout, /horizon: 2027-12-31/);
    t.match(shown.stdout, new RegExp(`loaded 2027: 7 holidays, 1 workdays, .* by ${actor}`));

    database = await open();
    try {
      const entry = await database.db
        .selectFrom('system_events')
        .selectAll()
        .where('type', 'like', 'calendar%') // the log also holds the publication of cal_permit's first version
        .orderBy('seq')
        .execute();
      t.match(entry[0], { type: 'calendarYearLoaded', actor, payload: { year: 2027, replaced: 'none' } });
      t.match(entry[1], { type: 'calendarDueDatesMoved', actor });
      const row = await database.db
        .selectFrom('cases')
        .select('working_ms')
        .where('id', '=', done.id)
        .executeTakeFirst();
      t.equal(Number(row?.working_ms), 28 * 7 * 3_600_000, 're-measured: 28 working days');
      const moved = await database.db
        .selectFrom('audit_events')
        .select(['actor', 'payload'])
        .where('case_id', '=', open1.id)
        .where('type', '=', 'dueDatesMoved')
        .executeTakeFirst();
      t.equal(moved?.actor, actor);
    } finally {
      await database.close();
    }

    // `npm run verify` recomputes working times with the stored year: everything verifies
    const verified = await runMain(verify, [], env);
    t.equal(verified.code, 0, verified.stdout + verified.stderr);
    t.match(verified.stdout, /OK: 2 cases/);
  });
}

// `npm run calendar` itself, once: the launcher bundles the CLI, passes its arguments and ends with the exit code
// main answers (here 1, a schedule that is not valid), its refusal on stderr
t.test('npm run calendar in a child process', async (t) => {
  const files = mkdtempSync(join(tmpdir(), 'reflow-calendar-files-'));
  t.teardown(() => rmSync(files, { recursive: true, force: true }));
  const file = join(files, 'wrong.json');
  writeFileSync(file, JSON.stringify({ holidays: ['2027-01-01'], workdays: ['2027-01-04'] }));
  const wrong = await spawnCli('server/calendar/run-calendar.mjs', ['load', file], {});
  t.equal(wrong.code, 1, wrong.stderr);
  t.match(wrong.stderr, /workdays\[0\] is 2027-01-04, a Monday/);
});
