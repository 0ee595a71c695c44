// The figures of electronic supervision (电子监察) per process version — warning rate and red-card rate, shares of
// the completed cases that ran on the engine (engine/metrics/figures.ts) — in the version's metrics, the
// before/after comparison and the printed report; and `npm run verify` checking the stored cards against the
// audit log's warningRaised events (a card edited, deleted or added outside the scheduler is named).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { dynamicMetricsOf } from '../../engine/metrics/dynamic-metrics.js';
import { verifyAudit } from '../../server/audit/verify.js';
import { WarningScheduler } from '../../server/scheduler/warning-scheduler.js';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';

const licence = readFileSync(new URL('./fixtures/warnings.bpmn', import.meta.url), 'utf8');
/** The reform: review within 5 working days instead of 3 (a draft, started by version). */
const reformed = licence.replace(
  'gov:department="市场监管" gov:timeLimit="3"',
  'gov:department="市场监管" gov:timeLimit="5"',
);
const HOUR = 3_600_000;
/** Thursday 2026-04-02 09:00 Beijing; 80% of 3 working days is used on Tuesday 4/7 11:48 (清明 in between). */
const THURSDAY = Date.UTC(2026, 3, 2, 1, 0, 0);
const YELLOW = Date.UTC(2026, 3, 7, 3, 49, 0);
const RED = Date.UTC(2026, 3, 8, 1, 1, 0);
const TOKEN_OF: Record<string, string> = {
  市场监管: TOKENS.market,
  政务服务中心: TOKENS.centre,
  公安: TOKENS.police,
};

t.test('in memory: only cases measured with their cards are supervised', async (t) => {
  const base = { status: 'completed', workingMs: HOUR, trips: 1, corrected: false, steps: [] };
  const options = { timeLimitDays: 3, msPerWorkingDay: 7 * HOUR };
  const m = dynamicMetricsOf(
    [
      { ...base, cards: ['yellow', 'red'] as const },
      { ...base, cards: ['yellow'] as const },
      { ...base, cards: [] },
      { ...base, cards: [], status: 'active' },
      base, // a simulated case: its cards are not known
    ],
    options,
  );
  t.match(m, { supervisedCases: 3, warnedCases: 2, redCardCases: 1, warningRate: 2 / 3, redCardRate: 1 / 3 });
  t.match(dynamicMetricsOf([base], options), { supervisedCases: 0, warningRate: null, redCardRate: null });
});

for (const database of testDatabases()) {
  t.test(
    `warning and red-card rates, compared and reported; verify checks the cards (${database.name})`,
    async (t) => {
      const built = await buildTestApp(await database.open(), { now: THURSDAY });
      t.teardown(() => built.close());
      const { app, clock } = built;
      const { db } = app.reflow;
      for (const xml of [licence, reformed]) {
        const deployed = await app.inject({
          method: 'POST',
          url: '/api/definitions',
          headers: { ...bearer(TOKENS.designer), 'content-type': 'application/xml' },
          payload: xml,
        });
        t.equal(deployed.statusCode, 201, deployed.body);
      }
      const scheduler = new WarningScheduler(db, built.service, {
        nodeId: 'figures',
        clock: () => clock.now,
      });
      t.teardown(() => scheduler.stop());
      const start = async (version: number) => {
        const created = await app.inject({
          method: 'POST',
          url: '/api/cases',
          headers: bearer(TOKENS.intake),
          payload: { process: 'licence', version },
        });
        t.equal(created.statusCode, 201, created.body);
        return created.json().id as string;
      };
      /** Completes the case's tasks one by one (review, the applicant's supplement, approval). */
      const finish = async (caseId: string) => {
        for (;;) {
          const task = await db
            .selectFrom('tasks')
            .select(['id', 'department'])
            .where('case_id', '=', caseId)
            .where('status', '=', 'open')
            .executeTakeFirst();
          if (!task) return;
          const done = await app.inject({
            method: 'POST',
            url: `/api/tasks/${task.id}/complete`,
            headers: bearer(TOKEN_OF[task.department ?? ''] ?? ''),
            payload: {},
          });
          t.equal(done.statusCode, 200, done.body);
        }
      };

      // v1: A goes red, B only yellow, C none; D still open (not in the figures)
      const a = await start(1);
      const b = await start(1);
      clock.now = YELLOW;
      t.equal(await scheduler.tick(), 4, 'yellow on the task and the case of A and B');
      await finish(b);
      clock.now = RED;
      t.equal(await scheduler.tick(), 2, 'red on the task and the case of A');
      const c = await start(1);
      await finish(c);
      await finish(a);
      await start(1);
      // v2 (the reform): E completes in time
      await finish(await start(2));

      const metrics = async (version: number) =>
        (
          await app.inject({
            method: 'GET',
            url: `/api/processes/licence/versions/${version}/metrics`,
            headers: bearer(TOKENS.auditor),
          })
        ).json().dynamic;
      const v1 = await metrics(1);
      t.match(
        v1,
        {
          completed: 3,
          supervisedCases: 3,
          warnedCases: 2,
          redCardCases: 1,
          warningRate: 2 / 3,
          redCardRate: 1 / 3,
        },
        'v1: of 3 completed cases, 2 got a card, 1 a red card',
      );
      t.same(v1.method.figures.redCardRate, { method: 'cards', from: 3 });
      t.match(await metrics(2), { supervisedCases: 1, warnedCases: 0, warningRate: 0, redCardRate: 0 });

      const compared = (
        await app.inject({
          method: 'GET',
          url: '/api/processes/licence/compare?from=1&to=2',
          headers: bearer(TOKENS.auditor),
        })
      ).json();
      t.match(compared.change.redCardRate, {
        before: 1 / 3,
        after: 0,
        unit: 'rate',
        better: 'lower',
        changeKind: 'pp',
      });
      t.match(compared.change.warningRate, { before: 2 / 3, after: 0, better: 'lower' });
      const report = await app.inject({
        method: 'GET',
        url: '/api/processes/licence/report?from=1&to=2&lang=zh',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(report.statusCode, 200);
      t.match(
        report.body,
        /红牌率（超时）<\/th><td class="n">33\.3%（1 \/ 3 件）<\/td><td class="n">0%（0 \/ 1 件）<\/td><td class="n better">−33\.3 个百分点/,
      );
      t.match(
        report.body,
        /<li>红牌率（超时）由 33\.3% 变为 0%（−33\.3 个百分点）。<\/li>/,
        'the summary names the red cards',
      );
      t.match(report.body, /预警率（亮黄牌或红牌）<\/th><td class="n">66\.7%（2 \/ 3 件）/);

      // by department: the share of its steps with a time limit whose task got a card (GET /api/metrics/people)
      const byPerson = (
        await app.inject({ method: 'GET', url: '/api/metrics/people', headers: bearer(TOKENS.auditor) })
      ).json();
      t.match(
        byPerson.figures.find((f: { key: string }) => f.key === 'stepRedCardRate'),
        { zh: '环节红牌率（超时）', unit: 'rate', better: 'lower' },
      );
      const of = (department: string) =>
        byPerson.people.find((p: { department: string }) => p.department === department);
      t.match(
        of('市场监管'),
        { stepsWithLimit: 4, warnedSteps: 2, redCardSteps: 1, stepWarningRate: 0.5, stepRedCardRate: 0.25 },
        '市场监管: 2 of its 4 reviews got a card, 1 a red card',
      );
      t.match(of('公安'), { stepsWithLimit: 4, warnedSteps: 0, stepWarningRate: 0, stepRedCardRate: 0 });

      // the report's table by department: 市场监管's reviews got the cards, 公安's approvals none
      t.match(
        report.body,
        /<h3>各部门的预警率与红牌率（电子监察）<\/h3>.*<tr><td>市场监管<\/td><td>改革前（v1）<\/td><td class="n">3<\/td><td class="n">66\.7%（2 \/ 3 个）<\/td><td class="n">33\.3%（1 \/ 3 个）<\/td><\/tr>/s,
      );
      t.match(
        report.body,
        /<tr><td>公安<\/td><td>改革前（v1）<\/td><td class="n">3<\/td><td class="n">0%（0 \/ 3 个）<\/td>/,
      );
      t.match(
        report.body,
        /<tr><td>市场监管<\/td><td>改革后（v2）<\/td><td class="n">1<\/td><td class="n">0%（0 \/ 1 个）<\/td>/,
      );

      // the same figures by department through the metrics API (the 对比 view's table)
      const byDepartment = await app.inject({
        method: 'GET',
        url: '/api/processes/licence/departments?from=1&to=2',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(byDepartment.statusCode, 200, byDepartment.body);
      const departments = byDepartment.json();
      t.match(departments, { key: 'licence', from: 1, to: 2 });
      t.same(
        departments.before,
        [
          {
            department: '公安',
            stepsWithLimit: 3,
            warnedSteps: 0,
            redCardSteps: 0,
            stepWarningRate: 0,
            stepRedCardRate: 0,
          },
          {
            department: '市场监管',
            stepsWithLimit: 3,
            warnedSteps: 2,
            redCardSteps: 1,
            stepWarningRate: 2 / 3,
            stepRedCardRate: 1 / 3,
          },
        ],
        'v1 by department: 市场监管 2 of 3 steps with a card, 1 red; 公安 none',
      );
      t.match(departments.after, [
        { department: '公安', stepsWithLimit: 1, warnedSteps: 0 },
        { department: '市场监管', stepsWithLimit: 1, warnedSteps: 0, stepRedCardRate: 0 },
      ]);
      const defaulted = (
        await app.inject({
          method: 'GET',
          url: '/api/processes/licence/departments',
          headers: bearer(TOKENS.auditor),
        })
      ).json();
      t.same([defaulted.from, defaulted.to], [1, 2], 'from and to default as for compare');
      const missing = await app.inject({
        method: 'GET',
        url: '/api/processes/licence/departments?from=1&to=9',
        headers: bearer(TOKENS.auditor),
      });
      t.equal(missing.statusCode, 404, 'a version that does not exist is named');
      t.match(missing.json().detail, /9/);
      const designer = await app.inject({
        method: 'GET',
        url: '/api/processes/licence/departments',
        headers: bearer(TOKENS.designer),
      });
      t.equal(designer.statusCode, 403, 'auditors only, as compare');

      // verify: the cards agree with the audit log, and a card changed outside the scheduler is named
      t.ok((await verifyAudit(db)).ok, 'verify passes');
      const card = await db
        .selectFrom('warnings')
        .selectAll()
        .where('case_id', '=', a)
        .where('level', '=', 'red')
        .where('subject', '=', 'task')
        .executeTakeFirstOrThrow();
      await db.updateTable('warnings').set({ department: '税务' }).where('id', '=', card.id).execute();
      let report2 = await verifyAudit(db);
      t.match(report2.broken, [
        {
          caseId: a,
          kind: 'warning',
          table: 'warnings',
          rowId: card.id,
          field: 'department',
          expected: '市场监管',
          actual: '税务',
        },
      ]);
      await db.deleteFrom('warnings').where('id', '=', card.id).execute();
      report2 = await verifyAudit(db);
      t.match(report2.broken, [
        { caseId: a, kind: 'warning', rowId: card.id, message: /has no row in the warnings table/ },
      ]);
      await db
        .insertInto('warnings')
        .values({ ...card, id: randomUUID(), case_id: c, subject_id: `x-${card.subject_id}` })
        .execute();
      await db.insertInto('warnings').values(card).execute(); // A restored
      report2 = await verifyAudit(db);
      t.match(report2.broken, [{ caseId: c, kind: 'warning', seq: null, message: /no warningRaised event/ }]);
      t.equal(report2.brokenCases, 1, 'only the case with the forged card');
    },
  );
}
