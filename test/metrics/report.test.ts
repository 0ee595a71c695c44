// The before/after report: the right figures in the words of a rectification summary, in Chinese and English,
// self-contained and escaped; and the sample before/after pairs change in the expected direction and size.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { bearer, buildTestApp, TOKENS } from '../helpers/test-app.js';
import { testDatabases } from '../helpers/test-database.js';
import { deploy, fixture, importLog } from './metrics-helpers.js';

const permit = fixture('permit.bpmn');
/** After the reform: limit 5 → 3 days, review 2 → 1 day, the ID card fetched by data sharing, no trip to collect. */
const reformed = permit
  .replace('gov:timeLimit="5"', 'gov:timeLimit="3"')
  .replace('gov:timeLimit="2"', 'gov:timeLimit="1"')
  .replace('source="applicant"', 'source="shared"')
  .replace(' gov:inPerson="true"', '');
// F: review Mon 09→11 (2 h), issue 11→12 (1 h): 3 h. G: review Mon 09 → Tue 10 (8 h, over the 7 h limit), issue
// Tue 10→11: 9 h. Mean 6 h = 0.857 days; both within 3 days; both first time; no trips.
const afterLog = [
  'case_id,activity,lifecycle,timestamp',
  'F,审查,start,2026-03-02 09:00',
  'F,审查,complete,2026-03-02 11:00',
  'F,发证,complete,2026-03-02 12:00',
  'G,审查,start,2026-03-02 09:00',
  'G,审查,complete,2026-03-03 10:00',
  'G,发证,complete,2026-03-03 11:00',
].join('\n');

for (const database of testDatabases()) {
  t.test(`report (${database.name})`, async (t) => {
    const { app, close } = await buildTestApp(await database.open());
    t.teardown(close);
    await deploy(t, app, permit);
    await deploy(t, app, reformed);
    // before: the hand-built log of log-import.test.ts — mean 18.25 h = 2.607 days, 75% first time, 75% on time
    t.equal((await importLog(app, 'permit', 1, fixture('permit-log.csv'), 'text/csv')).statusCode, 200);
    t.equal((await importLog(app, 'permit', 2, afterLog, 'text/csv')).statusCode, 200);
    const report = (lang?: string, token: string = TOKENS.auditor, query = '') =>
      app.inject({
        method: 'GET',
        url: `/api/processes/permit/report${lang ? `?lang=${lang}` : '?'}${query}`,
        headers: bearer(token),
      });

    t.test('Chinese by default, in the terms of a rectification summary', async (t) => {
      const res = await report();
      t.equal(res.statusCode, 200);
      t.match(res.headers['content-type'], /text\/html; charset=utf-8/);
      const html = res.body;
      t.match(html, '<html lang="zh-CN">');
      t.match(html, '《许可（测试）》流程再造前后对比报告');
      t.match(html, '原需 5 个工作日，现 3 个工作日内办结，承诺时限压缩 40%。');
      t.match(html, '申请人需提交材料由 1 份减至 0 份，减少 1 份材料（−100%）。');
      t.match(html, '办理环节保持 3 个不变。');
      t.match(html, '原需跑动 1 次，现零跑动。');
      // (6 − 18.25) / 18.25 = −67.1%
      t.match(html, '实际平均办理时间由 2.61 个工作日变为 0.86 个工作日（−67.1%）。');
      t.match(html, '一次性办结率由 75% 变为 100%（+25 个百分点）。');
      t.match(html, '按时办结率由 75% 变为 100%（+25 个百分点）。');
      t.match(html, '暂无评价数据');
      // the table, the chart, the steps, the method
      t.match(
        html,
        /<th scope="row">平均办理时间<\/th><td class="n">2\.61 个工作日<\/td><td class="n">0\.86 个工作日<\/td><td class="n better">−1\.75（−67\.1%）<\/td>/,
      );
      t.match(html, /<svg [^>]*role="img"/);
      t.match(html, '改革前（v1）（4 件）');
      t.match(html, /四、耗时最长的环节（改革后）[\s\S]*审查[\s\S]*五、超时最多的环节/);
      // review after: 1 of 2 over its 1-day limit (50%); before: 1 of 5 over 2 days (20%)
      t.match(html, /<td class="n">1 \/ 2<\/td><td class="n">50%<\/td>/);
      t.match(html, /<td class="n">1 \/ 5<\/td><td class="n">20%<\/td>/);
      t.match(html, '第 1 版：共 4 件，已办结 4 件（其中 4 件导入自历史办件日志）。');
      t.match(html, '由办结时累计的汇总数计算（总和 ÷ 件数），基于 2 件已办结案件');
      t.match(html, '按全部 4 件已办结案件的办理时长精确计算');
      // self-contained: nothing fetched from elsewhere
      t.notMatch(html, /<script|<link|src=|@import|url\(/i);
      t.notMatch(html.replace('xmlns="http://www.w3.org/2000/svg"', ''), /https?:\/\//);
    });

    t.test('English with lang=en', async (t) => {
      const html = (await report('en')).body;
      t.match(html, '<html lang="en">');
      t.match(html, 'Committed time limit: 5 working days before, now done within 3, 40% shorter.');
      t.match(html, 'Documents asked of the applicant: from 1 to 0, 1 fewer (−100%).');
      t.match(html, 'In-person trips: 1 at most before, now no trip at all (零跑动).');
      t.match(html, 'Mean processing time: 2.61 working days before, 0.86 after (−67.1%).');
      t.match(html, 'Done first time (no correction): 75% before, 100% after (+25 percentage points).');
      t.match(html, 'Version 1: 4 cases, 4 completed (4 imported from a historical event log).');
      t.notMatch(html, /改革成效摘要/);
    });

    t.test('user text is escaped; roles; versions', async (t) => {
      await deploy(
        t,
        app,
        reformed
          .replace('name="许可（测试）"', 'name="&lt;script&gt;alert(1)&lt;/script&gt;"')
          .replace('name="审查"', 'name="&lt;img src=x onerror=alert(2)&gt;"'),
      );
      const html = (await report(undefined, TOKENS.admin, '&from=1&to=3')).body;
      t.notMatch(html, /<script|<img/i);
      t.match(html, '&lt;script&gt;alert(1)&lt;/script&gt;');
      t.equal((await report(undefined, TOKENS.designer)).statusCode, 403);
      t.equal((await report('fr')).statusCode, 400);
      t.equal((await report(undefined, TOKENS.auditor, '&from=9')).statusCode, 404);
    });
  });
}

t.test('the sample before/after pairs: every reduction in the expected direction and size', async (t) => {
  const [database] = testDatabases();
  const { app, close } = await buildTestApp(await database.open());
  t.teardown(close);
  // published targets (processes/README.md): sole proprietor ≤ 3 working days; business start-up ≤ 4 (SAMR 2020);
  // construction approval ≤ 120 (国办发〔2019〕11号); each from a "before" of 20 or more working days
  const samples = [
    ['sole-proprietor', 3],
    ['business-startup', 4],
    ['construction-approval', 120],
  ] as const;
  for (const [sample, target] of samples) {
    const read = (side: string) =>
      readFileSync(new URL(`../../processes/${sample}.${side}.bpmn`, import.meta.url), 'utf8');
    await deploy(t, app, read('before'));
    await deploy(t, app, read('after'));
    const key = /<bpmn:process id="([^"]+)"/.exec(read('after'))![1];
    const { change } = (
      await app.inject({
        method: 'GET',
        url: `/api/processes/${key}/compare`,
        headers: bearer(TOKENS.auditor),
      })
    ).json();
    for (const figure of ['steps', 'applicantMaterials', 'timeLimitDays', 'trips'])
      t.ok(
        change[figure].delta < 0,
        `${sample}: ${figure} ${change[figure].before} → ${change[figure].after}`,
      );
    t.ok(change.departments.delta <= 0, `${sample}: departments do not grow`);
    t.ok(
      change.timeLimitDays.before >= 20 && change.timeLimitDays.after <= target,
      `${sample}: limit ${change.timeLimitDays.before} → ${change.timeLimitDays.after} (≤ ${target})`,
    );
    t.ok(change.trips.after <= 1, `${sample}: at most one trip (最多跑一次)`);
    const html = (
      await app.inject({
        method: 'GET',
        url: `/api/processes/${key}/report`,
        headers: bearer(TOKENS.auditor),
      })
    ).body;
    t.match(
      html,
      `原需 ${change.timeLimitDays.before} 个工作日，现 ${change.timeLimitDays.after} 个工作日内办结`,
    );
  }
});
